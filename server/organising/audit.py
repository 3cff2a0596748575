"""The audit log: every organiser action, with who, what and which day (no finer time)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, col, select

from server.models import AuditEntry

CLI = "cli"  # the actor named for changes made from the operator's command line


def record(
    *,
    session: Session,
    username: str,
    action: str,
    day: date,
    detail: str = "",
    commit: bool = True,
) -> None:
    session.add(AuditEntry(day=day, username=username, action=action, detail=detail[:300]))
    if commit:
        session.commit()


def recent(*, session: Session, limit: int = 200) -> list[AuditEntry]:
    query = (
        select(AuditEntry)
        .order_by(
            col(AuditEntry.day).desc(),
            col(AuditEntry.username),
            col(AuditEntry.action),
        )
        .limit(limit)
    )
    return list(session.exec(query))
