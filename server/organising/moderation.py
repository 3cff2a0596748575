"""Moderation: the one place organisers see single reports, and only inside the delay (P4).

Invariants:
- Only reports of weeks that have closed (ended before today) and are not yet released are
  listed, counted or changed. The open week is never shown: polling it would time-stamp
  arrivals. A released week is frozen and never shown again.
- Only reports that a re-mix has rewritten (`mixed`) are listed, counted or changed: a report
  sent during the delay days about the closed week appears at the next re-mix, so polling
  the page dates an arrival no more finely than the mixing window, as the disk does (P2).
- Everything on the page (which incidents exist, how many reports each holds, the tab and
  page counts, the weeks to filter by) is computed from the reports of the organiser's own
  networks only (every network, for an admin). Reports of another network change nothing
  on it, so probe reports sent through one network's link reveal nothing about another's.
- An incident's size counts its reports that are not rejected.
- Only coarse facts are shown (district, day, time band, setting, bands, whether a sealed
  note exists). The audit entry names the week and how many reports, never their place,
  so the audit log keeps nothing of a report after the report itself expires (P5).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from sqlmodel import Session, col, select

from server.models import Network, Organiser, Report
from server.organising import audit
from server.organising.accounts import visible_networks
from server.publishing.incidents import TIME_BANDS, ReportFacts, group_incidents
from server.publishing.release import released_weeks
from server.vocabulary import Status
from server.weeks import iso_week, week_start

# action -> (the status it sets, the button's label), in the order buttons are shown
ACTIONS: dict[str, tuple[Status, str]] = {
    "reject": (Status.REJECTED, "Reject"),
    "confirm": (Status.CONFIRMED, "Confirm"),
    "duplicate": (Status.DUPLICATE, "Duplicate"),
    "reset": (Status.PENDING, "Reset"),
}
STATUSES = tuple(Status)
PAGE_SIZE = 20
_BAND_ORDER = {band: n for n, band in enumerate((*TIME_BANDS, "unknown"))}


def offered_actions(status: str) -> list[tuple[str, str]]:
    """(action, label) of the buttons for a report in `status`: every action that changes
    it (so no reset when pending, no reject when rejected)."""
    return [(action, label) for action, (sets, label) in ACTIONS.items() if sets != status]


@dataclass(frozen=True)
class Filters:
    """What the organiser narrowed the list to; every field may be empty."""

    status: str = ""
    district: str = ""
    setting: str = ""
    week: str = ""
    page: int = 1

    @classmethod
    def parse(cls, **values: object) -> Filters:
        """Filters from a query string or a form; unknown or malformed values are dropped."""
        status = str(values.get("status") or "")
        try:
            page = max(1, int(str(values.get("page") or 1)))
        except ValueError:
            page = 1
        return cls(
            status=status if status in STATUSES else "",
            district=str(values.get("district") or "").strip().upper()[:8],
            setting=str(values.get("setting") or "")[:24],
            week=str(values.get("week") or "")[:8],
            page=page,
        )

    def query(self, **changes: object) -> str:
        """The query string of these filters (with `changes`), empty values left out."""
        values = {**self.__dict__, **changes}
        if values.get("page") == 1:
            values["page"] = ""
        return urlencode({key: value for key, value in values.items() if value})


@dataclass(frozen=True)
class IncidentRow:
    """One incident of the organiser's own reports, with those reports."""

    day: date
    week: str
    time_of_day: str
    setting: str
    districts: tuple[str, ...]
    reports: tuple[Report, ...]
    network_names: dict[uuid.UUID, str]

    @property
    def size(self) -> int:
        """Reports in the incident that are not rejected."""
        return sum(1 for r in self.reports if r.status != Status.REJECTED)

    @property
    def rejected(self) -> int:
        return sum(1 for r in self.reports if r.status == Status.REJECTED)

    @property
    def anchor(self) -> uuid.UUID:
        return self.reports[0].id


@dataclass(frozen=True)
class ModerationPage:
    incidents: list[IncidentRow]  # the incidents of the requested page
    matching: int  # incidents matching every filter
    reports: int  # reports in those incidents
    tabs: dict[str, int]  # incidents per status tab ("" = all), other filters applied
    weeks: list[str]  # weeks open to moderation that hold reports, newest first
    page: int
    pages: int


def open_weeks(*, session: Session, today: date, weeks: Sequence[str]) -> set[str]:
    """Which of `weeks` are open to moderation: closed before `today`, not released."""
    released = released_weeks(conn=session.connection())
    return {w for w in weeks if week_start(w) < week_start(iso_week(today)) and w not in released}


def window_reports(*, session: Session, organiser: Organiser, today: date) -> list[Report]:
    """The organiser's own reports of weeks open to moderation."""
    networks = [n.id for n in visible_networks(session=session, organiser=organiser)]
    if not networks:
        return []
    current = week_start(iso_week(today))
    reports = list(
        session.exec(
            select(Report).where(
                col(Report.network_id).in_(networks),
                col(Report.occurred_on) < current,
                col(Report.mixed),
            )
        )
    )
    weeks = open_weeks(
        session=session, today=today, weeks=sorted({iso_week(r.occurred_on) for r in reports})
    )
    return [r for r in reports if iso_week(r.occurred_on) in weeks]


def incidents_of(*, session: Session, reports: list[Report]) -> list[IncidentRow]:
    """Group reports (one organiser's, already in the window) into incidents, newest first."""
    names = {n.id: n.name for n in session.exec(select(Network))}
    by_id = {str(r.id): r for r in reports}
    rows = []
    for incident in group_incidents(reports=[ReportFacts.of(r) for r in reports]):
        members = tuple(by_id[rid] for rid in incident.report_ids)
        rows.append(
            IncidentRow(
                day=incident.occurred_on,
                week=iso_week(incident.occurred_on),
                time_of_day=incident.time_of_day,
                setting=incident.setting,
                districts=tuple(sorted({r.district or "—" for r in members})),
                reports=members,
                network_names={r.network_id: names.get(r.network_id, "?") for r in members},
            )
        )
    rows.sort(key=lambda i: (-i.day.toordinal(), i.districts, i.setting, _band(i.time_of_day)))
    return rows


def moderation_page(
    *, session: Session, organiser: Organiser, today: date, filters: Filters
) -> ModerationPage:
    """The incidents to show for these filters, one page of them, and the tab counts."""
    reports = window_reports(session=session, organiser=organiser, today=today)
    incidents = incidents_of(session=session, reports=reports)
    narrowed = [
        i
        for i in incidents
        if (not filters.week or i.week == filters.week)
        and (not filters.setting or i.setting == filters.setting)
        and (not filters.district or filters.district in i.districts)
    ]
    tabs = {"": len(narrowed)}
    for status in STATUSES:
        tabs[status] = sum(1 for i in narrowed if any(r.status == status for r in i.reports))
    matching = [
        i
        for i in narrowed
        if not filters.status or any(r.status == filters.status for r in i.reports)
    ]
    pages = max(1, math.ceil(len(matching) / PAGE_SIZE))
    page = min(filters.page, pages)
    return ModerationPage(
        incidents=matching[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        matching=len(matching),
        reports=sum(len(i.reports) for i in matching),
        tabs=tabs,
        weeks=sorted({i.week for i in incidents}, reverse=True),
        page=page,
        pages=pages,
    )


@dataclass(frozen=True)
class Moderated:
    """What one moderation action did: the status it set, on how many reports, of which week."""

    status: Status
    reports: int
    week: str

    @property
    def message(self) -> str:
        what = "Marked as" if self.reports == 1 else f"{self.reports} reports marked as"
        return f"{what} {self.status.value}. The release of week {self.week} will reflect it."


def moderate(
    *,
    session: Session,
    organiser: Organiser,
    report_id: uuid.UUID,
    action: str,
    today: date,
    whole_incident: bool = False,
) -> Moderated:
    """Apply an action to one report, or to every report of its incident (of the organiser's
    own networks). Raises LookupError for a report the organiser may not see or that is not
    open to moderation yet, ValueError for a refusal."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    report = session.get(Report, report_id)
    networks = {n.id: n for n in visible_networks(session=session, organiser=organiser)}
    if report is None or report.network_id not in networks or not report.mixed:
        raise LookupError("no such report")  # not yet mixed: as if it did not exist yet
    week = iso_week(report.occurred_on)
    if week_start(week) >= week_start(iso_week(today)):
        raise LookupError("not open to moderation before its week ends")  # the open week
    if not open_weeks(session=session, today=today, weeks=[week]):
        raise ValueError(f"Week {week} is already released and frozen; it cannot change.")
    targets: list[Report] = [report]
    if whole_incident:
        own = window_reports(session=session, organiser=organiser, today=today)
        same_day = [r for r in own if r.occurred_on == report.occurred_on]
        targets = next(
            list(i.reports)
            for i in incidents_of(session=session, reports=same_day)
            if report.id in {r.id for r in i.reports}
        )
    status = ACTIONS[action][0]
    for target in targets:
        target.status = status.value
        session.add(target)
    slugs = sorted({networks[t.network_id].slug for t in targets})
    audit.record(
        session=session,
        username=organiser.username,
        action=f"report {status.value}",
        day=today,
        detail=(
            f"a report of week {week} ({slugs[0]})"
            if len(targets) == 1
            else f"{len(targets)} reports of one incident of week {week} ({', '.join(slugs)})"
        ),
        commit=False,
    )
    session.commit()
    return Moderated(status=status, reports=len(targets), week=week)


def _band(band: str) -> int:
    return _BAND_ORDER.get(band, len(_BAND_ORDER))
