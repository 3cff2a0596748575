"""Counts are counts of incidents, never of reports.

Invariant: reports with the same storage cell, day and setting whose time bands do not
conflict collapse into one incident, whichever network sent them, so ten members
reporting one raid add one to a count, not ten. Grouping is a pure function of the
reports' coarse facts and never of input order, so a re-run yields the same incidents.
Whether an incident is counted is decided by moderation status alone (`counts`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from server.vocabulary import CountingRule, Status, TimeOfDay

UNKNOWN_BAND = TimeOfDay.UNKNOWN
# Band order decides which known band unknown-time reports join when several exist.
TIME_BANDS: tuple[str, ...] = tuple(band for band in TimeOfDay if band != UNKNOWN_BAND)
STATUSES = frozenset(Status)
# A "duplicate" is a copy of another report: it must neither corroborate (that would count
# one witness twice) nor veto (nobody said the visit did not happen). So only these support.
SUPPORTING = frozenset({Status.PENDING, Status.CONFIRMED})


@dataclass(frozen=True)
class ReportFacts:
    id: str
    network_id: str
    cell: str
    occurred_on: date
    setting: str
    time_of_day: str
    status: str

    @classmethod
    def of(cls, report: Any) -> ReportFacts:
        """The facts of a stored report (a `Report` or a row of the reports table)."""
        return cls(
            id=str(report.id),
            network_id=str(report.network_id),
            cell=report.cell,
            occurred_on=report.occurred_on,
            setting=report.setting,
            time_of_day=report.time_of_day,
            status=report.status,
        )


@dataclass(frozen=True)
class Incident:
    """One visit. `report_ids`, `networks` and `statuses` are aligned, one entry per report."""

    cell: str
    occurred_on: date
    setting: str
    time_of_day: str
    report_ids: tuple[str, ...]
    networks: tuple[str, ...]
    statuses: tuple[str, ...]

    @property
    def network_ids(self) -> tuple[str, ...]:
        return tuple(sorted(set(self.networks)))


def group_incidents(*, reports: Sequence[ReportFacts]) -> list[Incident]:
    """Deduplicate reports into incidents, ordered by (day, cell, setting, band).

    Within one (cell, day, setting): each known time band is its own incident, since two
    different known bands conflict. Reports of unknown time join one of them: the only
    known band if there is one; if there are several, the first in band order that holds a
    pending or confirmed report (else simply the first), so a rejected report with a stray
    band cannot pull genuine reports away from the incident they corroborate. With no known
    band at all, the unknown-time reports form one incident.
    """
    _validate(reports)
    groups: dict[tuple[str, date, str], list[ReportFacts]] = defaultdict(list)
    for report in reports:
        groups[(report.cell, report.occurred_on, report.setting)].append(report)

    incidents: list[Incident] = []
    for cell, day, setting in sorted(groups, key=lambda key: (key[1], key[0], key[2])):
        by_band: dict[str, list[ReportFacts]] = defaultdict(list)
        for report in groups[(cell, day, setting)]:
            by_band[report.time_of_day].append(report)
        unknown = by_band.pop(UNKNOWN_BAND, [])
        known = [band for band in TIME_BANDS if band in by_band]
        if not known:
            incidents.append(_incident(cell, day, setting, UNKNOWN_BAND, unknown))
            continue
        anchor = next(
            (band for band in known if any(r.status in SUPPORTING for r in by_band[band])),
            known[0],
        )
        by_band[anchor].extend(unknown)
        incidents.extend(_incident(cell, day, setting, band, by_band[band]) for band in known)
    return incidents


def counts(incident: Incident, rule: str) -> bool:
    """Whether the incident is counted under one network's rule.

    "all": counted unless no report supports it (every report rejected or a duplicate).
    "confirmed_or_corroborated": counted if a report is confirmed or at least two
    pending/confirmed reports corroborate each other.
    """
    if rule not in set(CountingRule):
        raise ValueError(f"unknown counting rule {rule!r}")
    supporting = [status for status in incident.statuses if status in SUPPORTING]
    if rule == CountingRule.ALL:
        return bool(supporting)
    return corroborated(supporting=len(supporting), confirmed=Status.CONFIRMED in supporting)


def corroborated(*, supporting: int, confirmed: bool) -> bool:
    """The stricter rule (`CountingRule.CONFIRMED_OR_CORROBORATED`) on an incident with
    `supporting` pending or confirmed reports: one was confirmed, or two corroborate."""
    return confirmed or supporting >= 2


def counts_across_networks(
    incident: Incident, *, rules: Mapping[str, str], default: str = CountingRule.ALL
) -> bool:
    """Whether an incident, possibly reported by several networks, is counted.

    It is counted when it passes the rule of any network that contributed a supporting
    report (the rule is applied to the whole incident): a network's stricter rule governs
    what its own members' reports can establish, never what another network's can. A
    network missing from `rules` uses `default`.
    """
    contributing = {
        network
        for network, status in zip(incident.networks, incident.statuses, strict=True)
        if status in SUPPORTING
    }
    return any(counts(incident, rules.get(network, default)) for network in sorted(contributing))


def _incident(
    cell: str, day: date, setting: str, band: str, members: Iterable[ReportFacts]
) -> Incident:
    ordered = sorted(members, key=lambda report: report.id)
    return Incident(
        cell=cell,
        occurred_on=day,
        setting=setting,
        time_of_day=band,
        report_ids=tuple(r.id for r in ordered),
        networks=tuple(r.network_id for r in ordered),
        statuses=tuple(r.status for r in ordered),
    )


def _validate(reports: Sequence[ReportFacts]) -> None:
    seen: set[str] = set()
    for report in reports:
        if report.time_of_day != UNKNOWN_BAND and report.time_of_day not in TIME_BANDS:
            raise ValueError(f"unknown time of day {report.time_of_day!r}")
        if report.status not in STATUSES:
            raise ValueError(f"unknown status {report.status!r}")
        if report.id in seen:
            raise ValueError(f"report {report.id!r} appears twice")
        seen.add(report.id)
