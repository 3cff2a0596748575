"""`raidwatch demo`: three networks and a synthetic history, published week by week.

Invariant: demo data never mixes into a real deployment by accident. The demo refuses any
database that already holds networks, reports or releases unless forced, and its networks
are marked "(demo)". The history is replayed as it would have happened: each week's
reports are stored, the week is released on its publication date, then its late reports
arrive (flagged late, as intake would) and land in the next release's late total.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.engine import Engine
from sqlmodel import Session

from server.config import Settings
from server.db import get_engine
from server.demo.synthetic import History
from server.models.tables import NETWORKS, RELEASES, REPORTS
from server.networks.links import create_network, link_path
from server.publishing.release import publish
from server.publishing.schedule import is_due
from server.publishing.series import load_gazetteer
from server.vocabulary import CountingRule
from server.weeks import iso_week, previous_weeks, week_end

DEMO_NETWORKS = (  # (name, counting rule): one network only counts confirmed or corroborated
    ("East London Rapid Response (demo)", CountingRule.ALL),
    ("Greater Manchester Raid Watch (demo)", CountingRule.ALL),
    ("Glasgow Southside Network (demo)", CountingRule.CONFIRMED_OR_CORROBORATED),
)


class NotEmpty(Exception):
    """The database already holds data; the demo will not mix into it."""


@dataclass
class DemoResult:
    links: list[tuple[str, str]] = field(default_factory=list)  # (network name, link path)
    reports: int = 0
    late: int = 0
    released: list[str] = field(default_factory=list)


def is_empty(*, engine: Engine) -> bool:
    with engine.connect() as conn:
        return all(
            conn.execute(select(func.count()).select_from(model)).scalar_one() == 0
            for model in (NETWORKS, REPORTS, RELEASES)
        )


def run_demo(
    *,
    settings: Settings,
    as_of: date,
    weeks: int = 16,
    visits_per_week: int = 180,
    seed: int = 2024,
    force: bool = False,
) -> DemoResult:
    """Create the demo networks and `weeks` closed weeks of history ending before `as_of`."""
    engine = get_engine(settings)
    if not force and not is_empty(engine=engine):
        raise NotEmpty(
            "the database is not empty: the demo refuses to mix synthetic data "
            "into it (use --force on a throwaway database only)"
        )
    result = DemoResult()
    network_ids, result.links = create_demo_networks(settings=settings)

    gazetteer = load_gazetteer(settings)
    history = History(gazetteer=gazetteer, networks=len(network_ids), seed=seed)
    last_closed = iso_week(as_of - timedelta(days=as_of.isoweekday()))
    this_week = iso_week(as_of)
    for week in [*previous_weeks(last_closed, weeks), this_week]:
        drawn = history.week(week, visits=visits_per_week)
        on_time = [row for row in drawn.on_time if row["occurred_on"] < as_of]
        result.reports += store(engine=engine, rows=on_time, network_ids=network_ids)
        published_on = week_end(week) + timedelta(days=max(settings.delay_days, 1))
        if not is_due(week, as_of=as_of, delay_days=settings.delay_days):
            continue
        result.released += publish(settings=settings, as_of=published_on, gazetteer=gazetteer)
        result.late += store(engine=engine, rows=drawn.late, network_ids=network_ids, late=True)
    return result


def create_demo_networks(*, settings: Settings) -> tuple[list[uuid.UUID], list[tuple[str, str]]]:
    """The three demo networks: their ids and (name, member link path)."""
    ids, links = [], []
    with Session(get_engine(settings)) as session:
        for name, rule in DEMO_NETWORKS:
            network, token = create_network(session=session, name=name, key=settings.key())
            network.counting_rule = rule.value
            session.add(network)
            session.commit()
            ids.append(network.id)
            links.append((name, link_path(token)))
    return ids, links


def store(
    *, engine: Engine, rows: list[dict], network_ids: list[uuid.UUID], late: bool = False
) -> int:
    """Insert synthetic report rows (their `network` is an index into `network_ids`)."""
    if not rows:
        return 0
    values = [
        {
            **{k: v for k, v in row.items() if k != "network"},
            "network_id": network_ids[row["network"]],
            "sealed_note": None,
            "late": late,
            "late_pending": late,
            "mixed": True,  # a synthetic past: long since re-mixed
        }
        for row in rows
    ]
    with engine.begin() as conn:
        for start in range(0, len(values), 5000):
            conn.execute(insert(REPORTS), values[start : start + 5000])
    return len(values)
