"""True incident counts per publication area for one week, read from the raw reports.

Invariant: these exact counts exist only in memory, on their way into `noisy_counts`; they
are never stored, logged or returned by any route. Reports are deduplicated into incidents
(`incidents.group_incidents`) and an incident counts under the rules of the networks that
support it (`incidents.counts_across_networks`), so rejected reports never count and ten
reports of one raid count once. Reports flagged late belong to weeks already released and
are left out: a frozen week is never reopened. An incident whose cell lies in a region
with no postcodes at all has no listed area; it counts under `ELSEWHERE`, which reaches the
national total only.

Late incidents (`late_incidents`) are grouped the same way, with every report of their day,
and count once, ever: an incident counts as late only when it counts now and did not count
with the reports already counted before (its week's on-time reports, or late reports an
earlier late total settled). Statuses of released weeks are frozen and counting only grows
with support, so each incident adds at most 1 to its week's areas and the late totals
together: the late total has sensitivity 1.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from sqlalchemy import String, case, cast, func, select
from sqlalchemy.engine import Connection

from server.models.tables import NETWORKS, REPORTS
from server.publishing.areas import Partition
from server.publishing.incidents import (
    SUPPORTING,
    TIME_BANDS,
    UNKNOWN_BAND,
    Incident,
    ReportFacts,
    corroborated,
    counts_across_networks,
    group_incidents,
)
from server.vocabulary import CountingRule, Setting, Status
from server.weeks import week_start

ELSEWHERE = "*elsewhere"  # not an H3 id, so it can never collide with an area
PENDING_MARK = "+late"  # ends the stand-in id of a late report not yet counted


@dataclass(frozen=True)
class WeekTally:
    """True counts of one week: per area, per setting, per network (every key present)."""

    areas: dict[str, int]
    settings: dict[str, int]
    networks: dict[str, int]  # incidents a network supported (an incident may count for several)


def week_counts(*, conn: Connection, week: str, partition: Partition) -> dict[str, int]:
    """Incidents of `week` per area, every listed area present (zeros too), plus ELSEWHERE."""
    return week_tally(conn=conn, week=week, partition=partition).areas


def week_tally(*, conn: Connection, week: str, partition: Partition) -> WeekTally:
    """Incidents of `week` per area (plus ELSEWHERE), per setting and per network.

    The database does the counting (`_band_rows`): one row per (cell, setting, time band,
    network) of a day with how many of its reports support it and whether one is
    confirmed, so a busy day costs one row per band and network, not per report. Python
    then applies the incident rules to those rows (`_day_incidents`), exactly as
    `incidents.group_incidents` and `incidents.counts_across_networks` do on reports.
    Incidents never span days, so this goes one day at a time: memory stays bounded by the
    busiest day, not the week.
    """
    rules = _rules(conn)
    totals: Counter[str] = Counter(dict.fromkeys(partition.areas(), 0))
    totals[ELSEWHERE] = 0
    settings: Counter[str] = Counter(dict.fromkeys(Setting.labels(), 0))
    networks: Counter[str] = Counter(dict.fromkeys(rules, 0))
    area_of: dict[str, str] = {}
    for offset in range(7):
        day = week_start(week) + timedelta(days=offset)
        for cell, setting, contributors in _day_incidents(_band_rows(conn, day), rules=rules):
            area = area_of.get(cell)
            if area is None:
                area = partition.area_of_cell(cell)
                area = area_of[cell] = area if not partition.is_fallback(area) else ELSEWHERE
            totals[area] += 1
            settings[setting] += 1
            for network in contributors:
                networks[network] += 1
    return WeekTally(areas=dict(totals), settings=dict(settings), networks=dict(networks))


# (supporting reports, has a confirmed one, networks with a supporting report)
def _band_rows(conn: Connection, day: date) -> list[tuple[str, str, str, str, int, int]]:
    """(cell, setting, band, network, supporting reports, 1 if one is confirmed) for the
    on-time reports of `day`, counted by the database, one row per group of those facts.
    `ix_reports_counting` serves it in index order; the network id comes back as text."""
    supporting = func.sum(case((REPORTS.c.status.in_(tuple(SUPPORTING)), 1), else_=0))
    confirmed = func.max(case((REPORTS.c.status == Status.CONFIRMED.value, 1), else_=0))
    facts = (REPORTS.c.cell, REPORTS.c.setting, REPORTS.c.time_of_day, REPORTS.c.network_id)
    query = (
        select(*facts[:3], cast(REPORTS.c.network_id, String), supporting, confirmed)
        .where(REPORTS.c.occurred_on == day, REPORTS.c.late.is_(False))
        .group_by(*facts)
    )
    return [tuple(row) for row in conn.execute(query).all()]


def _day_incidents(
    rows: list[tuple[str, str, str, str, int, int]], *, rules: Mapping[str, str]
) -> Iterator[tuple[str, str, set[str]]]:
    """(cell, setting, contributing networks) for every counted incident of one day's
    `_band_rows`: the rules of `incidents.group_incidents` (a known band is an incident;
    unknown-time reports join the first known band with a supporting report, else the first
    known band, else form their own) and of `incidents.counts_across_networks` (counted when
    the rule of a network with a supporting report passes on the whole incident)."""
    # Network ids as `_rules` names them (SQLite hands back 32 hex digits), once per value.
    known = {_key(network): network for network in rules}
    names: dict[str, str] = {}
    strict = {n for n, rule in rules.items() if rule != CountingRule.ALL}
    # Per (cell, setting), per band: [supporting reports, any confirmed, contributing networks]
    places: dict[tuple[str, str], dict[str, list[Any]]] = {}
    for cell, setting, band, raw, n_supporting, any_confirmed in rows:
        bands = places.get((cell, setting))
        if bands is None:
            bands = places[(cell, setting)] = {}
        entry = bands.get(band)
        if entry is None:
            entry = bands[band] = [0, 0, set()]
        if n_supporting:
            entry[0] += n_supporting
            name = names.get(raw)
            if name is None:
                name = names[raw] = known.get(_key(raw)) or str(uuid.UUID(raw))
            entry[2].add(name)
        entry[1] |= any_confirmed
    for (cell, setting), bands in places.items():
        unknown = bands.pop(UNKNOWN_BAND, None)
        if unknown is not None:
            present = [band for band in TIME_BANDS if band in bands]
            if present:
                anchor = bands[next((b for b in present if bands[b][0] > 0), present[0])]
                anchor[0] += unknown[0]
                anchor[1] |= unknown[1]
                anchor[2] |= unknown[2]
            else:
                bands[UNKNOWN_BAND] = unknown
        for count, confirmed, contributors in bands.values():
            if contributors and (
                not contributors <= strict  # a network counting every incident took part
                or corroborated(supporting=count, confirmed=bool(confirmed))
            ):
                yield cell, setting, contributors


def _key(network_id: str) -> str:
    """One spelling of a network id, whether from `_rules` or as text from the database."""
    return network_id.replace("-", "").lower()


def late_incidents(*, conn: Connection) -> int:
    """Incidents that count only thanks to late reports not yet settled (see the docstring)."""
    days = conn.execute(
        select(REPORTS.c.occurred_on).distinct().where(REPORTS.c.late_pending.is_(True))
    )
    rules = _rules(conn)
    total = 0
    for (day,) in sorted(days):
        reports = _reports_on(conn, day, late=None)
        pending = {report.id for report in reports if report.id.endswith(PENDING_MARK)}
        for incident in group_incidents(reports=reports):
            if not counts_across_networks(incident, rules=rules):
                continue
            before = _without(incident, pending)
            if before is None or not counts_across_networks(before, rules=rules):
                total += 1
    return total


def _without(incident: Incident, drop: set[str]) -> Incident | None:
    """The incident as it was before the reports in `drop` arrived (None if it had none)."""
    kept = [i for i, rid in enumerate(incident.report_ids) if rid not in drop]
    if not kept:
        return None
    return replace(
        incident,
        report_ids=tuple(incident.report_ids[i] for i in kept),
        networks=tuple(incident.networks[i] for i in kept),
        statuses=tuple(incident.statuses[i] for i in kept),
    )


def _rules(conn: Connection) -> dict[str, str]:
    rows = conn.execute(select(NETWORKS.c.id, NETWORKS.c.counting_rule))
    return {str(row.id): row.counting_rule for row in rows}


def _reports_on(conn: Connection, day: date, *, late: bool | None = False) -> list[ReportFacts]:
    """The reports of `day` as the incident rules see them, counted by the database.

    On-time reports only by default, every one with `late=None`. The database groups
    reports by every fact the rules read (cell, setting, band, network, status, and whether
    a late report is still pending), so a busy day costs one row per group, not per report.
    Each group stands for at most two reports: no rule distinguishes two supporting
    reports from more (`incidents.counts`), and a group's reports share every fact. A
    stand-in's id marks its group and whether it is a pending late report (`PENDING_MARK`).
    """
    n = func.count().label("n")
    facts = (
        REPORTS.c.cell,
        REPORTS.c.setting,
        REPORTS.c.time_of_day,
        REPORTS.c.network_id,
        REPORTS.c.status,
        REPORTS.c.late_pending,
    )
    query = select(*facts, n).where(REPORTS.c.occurred_on == day).group_by(*facts)
    if late is not None:
        query = query.where(REPORTS.c.late.is_(late))
    stand_ins: list[ReportFacts] = []
    for index, row in enumerate(conn.execute(query)):
        mark = PENDING_MARK if row.late_pending else ""
        stand_ins.extend(
            ReportFacts(
                id=f"{index}.{copy}{mark}",
                network_id=str(row.network_id),
                cell=row.cell,
                occurred_on=day,
                setting=row.setting,
                time_of_day=row.time_of_day,
                status=row.status,
            )
            for copy in range(min(row.n, 2))
        )
    return stand_ins
