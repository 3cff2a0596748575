"""Retention of everything besides reports: organiser sessions, form tokens, audit entries.

Invariant: after `expire`, no organiser session past its expiry remains, the anti-replay
table is empty (when asked: its tokens are valid on their day only), and no audit entry is
older than the audit retention period. Raw reports expire in `publishing.purge` (P5).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, delete

from server.intake.store import drop_used_form_tokens
from server.models import AuditEntry
from server.organising.logins import drop_expired


@dataclass(frozen=True)
class Expired:
    audit_entries: int


def expire(
    *, session: Session, now: float, audit_before: date, form_tokens: bool = True
) -> Expired:
    """Delete expired sessions, (optionally) spent form tokens and old audit entries."""
    drop_expired(session=session, now=now)
    if form_tokens:
        drop_used_form_tokens(session=session)
    result = session.exec(delete(AuditEntry).where(col(AuditEntry.day) < audit_before))
    session.commit()
    return Expired(audit_entries=int(result.rowcount or 0))
