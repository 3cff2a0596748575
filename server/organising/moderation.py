"""Moderation: organisers see coarse fields of reports in weeks not yet released, and
reject, confirm or mark duplicates before the release freezes the week.

Only coarse facts are shown (district, day, time band, setting, bands, incident size,
whether a sealed note exists). The audit entry names the week, never the report's place,
so the audit log keeps nothing of a report after the report itself expires (P5).
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from server.models import Network, Organiser, Report
from server.organising import audit
from server.organising.accounts import may_see, visible_networks
from server.publishing.incidents import ReportFacts, group_incidents
from server.publishing.release import released_weeks
from server.vocabulary import Status
from server.weeks import iso_week

# action -> (the status it sets, the button's label), in the order buttons are shown
ACTIONS: dict[str, tuple[Status, str]] = {
    "reject": (Status.REJECTED, "Reject"),
    "confirm": (Status.CONFIRMED, "Confirm"),
    "duplicate": (Status.DUPLICATE, "Duplicate"),
    "reset": (Status.PENDING, "Reset"),
}


def offered_actions(status: str) -> list[tuple[str, str]]:
    """(action, label) of the buttons for a report in `status`: all, but no reset when pending."""
    return [
        (action, label)
        for action, (sets, label) in ACTIONS.items()
        if not (action == "reset" and status == sets)
    ]


@dataclass(frozen=True)
class Row:
    report: Report
    network_name: str
    week: str
    incident_reports: int


def moderation_rows(*, session: Session, organiser: Organiser, status: str = "") -> list[Row]:
    released = released_weeks(conn=session.connection())
    networks = {n.id: n for n in visible_networks(session=session, organiser=organiser)}
    every = [r for r in session.exec(select(Report)) if iso_week(r.occurred_on) not in released]
    incidents = group_incidents(reports=[_facts(r) for r in every])
    size = {rid: len(i.report_ids) for i in incidents for rid in i.report_ids}
    rows = [
        Row(
            report=r,
            network_name=networks[r.network_id].name,
            week=iso_week(r.occurred_on),
            incident_reports=size.get(str(r.id), 1),
        )
        for r in every
        if r.network_id in networks and (not status or r.status == status)
    ]
    rows.sort(
        key=lambda row: (
            row.report.occurred_on,
            row.report.district,
            row.report.setting,
            str(row.report.id),
        ),
        reverse=True,
    )
    return rows


def status_counts(rows: list[Row]) -> Counter[str]:
    return Counter(row.report.status for row in rows)


def moderate(
    *, session: Session, organiser: Organiser, report_id: uuid.UUID, action: str, today: date
) -> str:
    """Apply an action; returns a message for the organiser. Raises LookupError/ValueError."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    report = session.get(Report, report_id)
    if report is None or not may_see(
        session=session, organiser=organiser, network_id=report.network_id
    ):
        raise LookupError("no such report")
    week = iso_week(report.occurred_on)
    if week in released_weeks(conn=session.connection()):
        raise ValueError(f"Week {week} is already released and frozen; it cannot change.")
    status = ACTIONS[action][0].value
    report.status = status
    session.add(report)
    network = session.get(Network, report.network_id)
    audit.record(
        session=session,
        username=organiser.username,
        action=f"report {status}",
        day=today,
        detail=f"a report of week {week} ({network.slug if network else '?'})",
        commit=False,
    )
    session.commit()
    return f"Marked as {status}. The release of week {week} will reflect it."


def _facts(report: Report) -> ReportFacts:
    return ReportFacts(
        id=str(report.id),
        network_id=str(report.network_id),
        cell=report.cell,
        occurred_on=report.occurred_on,
        setting=report.setting,
        time_of_day=report.time_of_day,
        status=report.status,
    )
