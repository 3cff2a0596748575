"""The weekly release on the database: incidents, counting rules, noise, delay, idempotency,
late reports, crashes and concurrent publishers."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from datetime import date, timedelta

import h3
import pytest

from server.config import PROJECT_ROOT
from server.publishing import release as release_module
from server.publishing.release import REGION_SHARE, due_weeks, publish
from server.publishing.schedule import is_due, latest_due_week
from server.weeks import previous_weeks
from tests.factories import add_incidents, add_report, make_network, new_report, storage_cell
from tests.synthetic import (
    DENSE,
    EMPTY_SEA,
    HACKNEY,
    LERWICK,
    RAIDWATCH,
    SPARSE,
    area_of,
    cli_env,
    published,
    publishing_settings,
    table_rows,
)

WEEK = "2026-W02"  # Monday 5 to Sunday 11 January 2026
MONDAY, SUNDAY = date(2026, 1, 5), date(2026, 1, 11)
DUE = SUNDAY + timedelta(days=3)


def count_here(pub, week=WEEK, res6=HACKNEY):
    return published(pub, week)[area_of(pub, res6)]


def test_reports_of_one_raid_count_once_across_networks(pub, session):
    a, b = make_network(session, "A"), make_network(session, "B")
    add_report(session, a, day=MONDAY, band="morning")
    add_report(session, b, day=MONDAY, band="unknown")  # compatible: joins the morning visit
    add_report(session, b, day=MONDAY, band="morning", status="confirmed")
    add_report(session, a, day=MONDAY, band="evening")  # conflicting band: another visit
    add_report(session, a, day=MONDAY, setting="home")  # another setting: another visit
    add_report(session, a, day=MONDAY + timedelta(days=1))  # another day: another visit
    assert publish(settings=pub, as_of=DUE)[-1] == WEEK
    assert count_here(pub) == 4


def test_rejected_reports_never_count(pub, session):
    net = make_network(session)
    add_report(session, net, day=MONDAY, status="rejected")
    add_report(session, net, day=MONDAY, setting="home", status="rejected")
    add_report(session, net, day=MONDAY, setting="home", status="duplicate")
    add_report(session, net, day=MONDAY, setting="street")  # the only real one
    publish(settings=pub, as_of=DUE)
    assert count_here(pub) == 1
    assert sum(published(pub, WEEK).values()) == 1


def test_counting_rule_confirmed_or_corroborated(pub, session):
    strict = make_network(session, "Strict", rule="confirmed_or_corroborated")
    add_report(session, strict, day=MONDAY, setting="home")  # one pending: not counted
    add_report(session, strict, day=MONDAY, setting="street", status="confirmed")
    add_report(session, strict, day=MONDAY, setting="transport")
    add_report(session, strict, day=MONDAY, setting="transport", band="unknown")
    publish(settings=pub, as_of=DUE)
    assert count_here(pub) == 2  # the confirmed one and the corroborated one


def test_default_rule_counts_every_incident_not_rejected(pub, session):
    net = make_network(session)
    add_incidents(session, net, day=MONDAY, count=5)
    publish(settings=pub, as_of=DUE)
    assert count_here(pub) == 5


def test_every_area_is_released_zeros_included_and_elsewhere_only_nationally(pub, session):
    net = make_network(session)
    add_incidents(session, net, day=MONDAY, count=3)
    add_report(session, net, day=MONDAY, cell=storage_cell(EMPTY_SEA))  # nobody lives there
    publish(settings=pub, as_of=DUE)
    counts = published(pub, WEEK)
    assert set(counts) == {area_of(pub, cell) for cell in (*DENSE, *SPARSE, LERWICK)}
    assert sorted(counts.values(), reverse=True)[:2] == [3, 0]
    [(total,)] = table_rows(pub, "SELECT national_total FROM releases WHERE week=:w", w=WEEK)
    assert total == 4


def test_noise_is_applied_once_and_recorded_in_the_ledger(settings, tmp_path, session, monkeypatch):
    pub = publishing_settings(settings, tmp_path, epsilon=1.0)
    net = make_network(session)
    add_incidents(session, net, day=MONDAY, count=6)
    calls = []
    real = release_module.noisy_counts

    def counting(counts, epsilon, **kwargs):
        calls.append(epsilon)
        return real(counts, epsilon=epsilon, **kwargs)

    monkeypatch.setattr(release_module, "noisy_counts", counting)
    weeks = publish(settings=pub, as_of=DUE)
    # Area counts and region counts, the map budget split between them (no trend or late).
    assert len(weeks) == 12 and len(calls) == 24
    assert calls[:2] == [1.0 - REGION_SHARE, REGION_SHARE]
    noisy = [count for week in weeks for count in published(pub, week).values()]
    assert any(count != 0 for count in noisy if count != 6)  # ~130 zeros: noise shows
    ledger = table_rows(pub, "SELECT week, epsilon FROM budget_ledger ORDER BY week")
    assert [row.week for row in ledger] == weeks and {row.epsilon for row in ledger} == {1.0}
    before = {week: published(pub, week) for week in weeks}
    assert publish(settings=pub, as_of=DUE + timedelta(days=2)) == []
    assert len(calls) == 24  # never noised twice
    assert {week: published(pub, week) for week in weeks} == before


def test_epsilon_zero_means_no_noise(pub, session):
    add_incidents(session, make_network(session), day=MONDAY, count=7)
    for week in publish(settings=pub, as_of=DUE):
        assert sum(published(pub, week).values()) == (7 if week == WEEK else 0)


@pytest.mark.parametrize(
    ("delay", "first_due"),
    [
        (3, SUNDAY + timedelta(days=3)),
        (0, SUNDAY + timedelta(days=1)),
        (7, SUNDAY + timedelta(days=7)),
    ],
)
def test_delay_boundaries(settings, tmp_path, session, delay, first_due):
    pub = publishing_settings(settings, tmp_path, delay_days=delay)
    add_incidents(session, make_network(session), day=SUNDAY, count=1)
    assert not is_due(WEEK, as_of=first_due - timedelta(days=1), delay_days=delay)
    assert WEEK not in publish(settings=pub, as_of=first_due - timedelta(days=1))
    assert published(pub, WEEK) == {}
    assert publish(settings=pub, as_of=first_due) == [WEEK]
    [(day,)] = table_rows(pub, "SELECT published_on FROM releases WHERE week=:w", w=WEEK)
    assert str(day) == first_due.isoformat()


def test_first_run_catches_up_twelve_weeks_and_older_weeks_with_reports(pub, session):
    net = make_network(session)
    old = MONDAY - timedelta(weeks=20)
    add_report(session, net, day=old)
    weeks = publish(settings=pub, as_of=DUE)
    assert weeks == ["2025-W34", *previous_weeks(WEEK, 12)]  # in order, oldest first
    assert latest_due_week(as_of=DUE, delay_days=3) == WEEK


def test_running_twice_changes_nothing(pub, session):
    add_incidents(session, make_network(session), day=MONDAY, count=2)
    publish(settings=pub, as_of=DUE)
    snapshot = table_rows(pub, "SELECT * FROM releases ORDER BY week")
    counts = table_rows(pub, "SELECT * FROM published_counts ORDER BY release_id, area")
    assert publish(settings=pub, as_of=DUE) == []
    assert table_rows(pub, "SELECT * FROM releases ORDER BY week") == snapshot
    assert table_rows(pub, "SELECT * FROM published_counts ORDER BY release_id, area") == counts
    assert len(table_rows(pub, "SELECT * FROM area_series")) == 1


def test_late_reports_count_in_the_next_late_total_and_never_reopen(pub, session, monkeypatch):
    pub = pub.model_copy(update={"late_epsilon": 1.0})
    monkeypatch.setattr(release_module, "noisy_counts", lambda counts, **_: dict(counts))
    net = make_network(session)
    add_incidents(session, net, day=MONDAY, count=2)
    publish(settings=pub, as_of=DUE)
    # Late reports for the released week (intake flags them): a new visit seen by two, a
    # second witness of a visit already counted on time, and spam.
    add_report(session, net, day=MONDAY, setting="transport", band="evening", late=True)
    add_report(session, net, day=MONDAY, setting="transport", band="unknown", late=True)
    add_report(session, net, day=MONDAY, setting="home", band="night", late=True)
    add_report(session, net, day=MONDAY, setting="street", late=True, status="rejected")
    add_report(session, net, day=MONDAY + timedelta(days=8))  # next week, on time
    assert publish(settings=pub, as_of=DUE + timedelta(days=7)) == ["2026-W03"]
    assert count_here(pub) == 2  # frozen
    assert count_here(pub, "2026-W03") == 1
    late = dict(table_rows(pub, "SELECT week, late_total FROM releases"))
    assert late[WEEK] == 0 and late["2026-W03"] == 1
    assert table_rows(pub, "SELECT count(*) FROM reports WHERE late_pending = :t", t=True) == [(0,)]
    publish(settings=pub, as_of=DUE + timedelta(days=14))
    assert dict(table_rows(pub, "SELECT week, late_total FROM releases"))["2026-W04"] == 0


@pytest.mark.parametrize("failing", ["_store_ledger", "noisy_counts"])
def test_crash_mid_release_leaves_nothing_partial(pub, session, monkeypatch, failing):
    net = make_network(session)
    add_incidents(session, net, day=MONDAY, count=2)
    add_report(session, net, day=MONDAY - timedelta(days=7), late=True)

    def crash(*args, **kwargs):
        raise RuntimeError("power cut")

    monkeypatch.setattr(release_module, failing, crash)
    with pytest.raises(RuntimeError):
        publish(settings=pub, as_of=DUE)
    for table in ("releases", "published_counts", "budget_ledger"):
        assert table_rows(pub, f"SELECT count(*) FROM {table}") == [(0,)]
    assert table_rows(pub, "SELECT count(*) FROM reports WHERE late_pending = :t", t=True) == [(1,)]
    monkeypatch.undo()
    assert len(publish(settings=pub, as_of=DUE)) == 12


def _env(pub):
    return {**os.environ, **cli_env(pub.model_copy(update={"epsilon": 1.0}))}


def test_process_killed_mid_release_leaves_nothing_partial(pub, session):
    add_incidents(session, make_network(session), day=MONDAY, count=2)
    script = (
        "import os, sys\n"
        "from datetime import date\n"
        "from server.config import get_settings\n"
        "from server.publishing import release\n"
        "release._store_ledger = lambda *a, **k: os._exit(9)\n"
        "release.publish(settings=get_settings(), as_of=date.fromisoformat(sys.argv[1]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, DUE.isoformat()],
        env=_env(pub),
        cwd=PROJECT_ROOT,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 9, done.stderr.decode()
    for table in ("releases", "published_counts", "budget_ledger"):
        assert table_rows(pub, f"SELECT count(*) FROM {table}") == [(0,)]
    assert len(publish(settings=pub, as_of=DUE)) == 12


def test_two_publisher_processes_produce_one_release_per_week(pub, session):
    add_incidents(session, make_network(session), day=MONDAY, count=3)
    command = [*RAIDWATCH, "publish", "--as-of", DUE.isoformat()]
    procs = [
        subprocess.Popen(
            command,
            env=_env(pub),
            cwd=PROJECT_ROOT,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    outputs = [proc.communicate(timeout=120) for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    released = [
        week
        for out, _ in outputs
        if out.startswith("released ")
        for week in out.removeprefix("released ").strip().split(", ")
    ]
    assert sorted(released) == previous_weeks(WEEK, 12)  # each week by exactly one of them
    assert len(table_rows(pub, "SELECT week FROM releases")) == 12
    assert len(table_rows(pub, "SELECT week FROM budget_ledger")) == 12
    assert len(table_rows(pub, "SELECT id FROM area_series")) == 1


def test_due_weeks_skip_released_weeks(pub, session):
    from server.db import get_engine

    publish(settings=pub, as_of=DUE)
    with get_engine(pub).connect() as conn:
        assert due_weeks(conn=conn, as_of=DUE, delay_days=3) == []
        assert due_weeks(conn=conn, as_of=DUE + timedelta(days=7), delay_days=3) == ["2026-W03"]


def _intake(engine, net, *, day):
    """Intake's own store (server/intake/store.py, as the group-commit writer calls it),
    serialised with releases."""
    from sqlmodel import Session

    from server.intake.store import store_reports

    report = new_report(net, day=day, band="night", setting="home")
    with Session(engine) as session:
        [stored] = store_reports(session=session, reports=[report])
    assert stored.stored


def test_a_report_stored_during_a_release_is_late_never_lost(pub, session, monkeypatch):
    import threading
    import time

    from server.db import get_engine

    net = make_network(session)
    add_incidents(session, net, day=MONDAY, count=1)
    publish(settings=pub, as_of=DUE - timedelta(days=7))  # the earlier weeks
    real, inside = release_module.week_tally, threading.Event()

    def slow_counts(**kwargs):
        inside.set()
        time.sleep(0.5)  # a report arrives while the week is being counted
        return real(**kwargs)

    monkeypatch.setattr(release_module, "week_tally", slow_counts)
    publisher = threading.Thread(target=publish, kwargs={"settings": pub, "as_of": DUE})
    publisher.start()
    assert inside.wait(10)
    _intake(get_engine(pub), net, day=MONDAY)
    publisher.join()
    assert count_here(pub) == 1  # counted the one visit it read ...
    [(late,)] = table_rows(pub, "SELECT count(*) FROM reports WHERE late_pending = :t", t=True)
    assert late == 1  # ... and the one that arrived meanwhile waits for the next late total


def test_a_release_waits_for_a_report_being_stored(pub, session):
    import threading

    from sqlmodel import Session

    from server.db import get_engine
    from server.locking import hold_off_publisher

    net = make_network(session)
    engine = get_engine(pub)
    with Session(engine) as intake:
        add_report(intake, net, day=MONDAY, band="night", setting="home", commit=False)
        hold_off_publisher(intake)  # holds until commit
        publisher = threading.Thread(target=publish, kwargs={"settings": pub, "as_of": DUE})
        publisher.start()
        publisher.join(0.5)
        assert publisher.is_alive() and published(pub, WEEK) == {}
        intake.commit()
    publisher.join()
    assert count_here(pub) == 1


def test_trend_lines_are_noised_with_their_own_budget_and_ledgered(settings, tmp_path, session):
    pub = publishing_settings(settings, tmp_path, epsilon=1.0, trend_epsilon=0.5)
    a, b = make_network(session, "A"), make_network(session, "B")
    add_incidents(session, a, day=MONDAY, count=4)
    publish(settings=pub, as_of=DUE)
    rows = table_rows(
        pub,
        "SELECT t.series, t.count FROM trend_counts t JOIN releases r "
        "ON r.id = t.release_id WHERE r.week = :w",
        w=WEEK,
    )
    series = {row.series for row in rows}
    assert {f"network:{a.id}", f"network:{b.id}", "setting:home", "setting:workplace"} <= series
    assert {"setting:health", "setting:school", "setting:council_office"} <= series
    assert len(series) == 11 + 2  # every setting and every network, zeros included
    ledger = table_rows(pub, "SELECT epsilon FROM budget_ledger WHERE week = :w", w=WEEK)
    assert ledger == [(1.5,)]  # areas and trends, both accounted


def test_no_trend_lines_without_a_trend_budget(pub, session):
    add_incidents(session, make_network(session), day=MONDAY, count=2)
    publish(settings=pub, as_of=DUE)
    assert table_rows(pub, "SELECT count(*) FROM trend_counts") == [(0,)]


def test_region_counts_are_released_for_every_region_within_the_same_budget(
    settings, tmp_path, session
):
    pub = publishing_settings(settings, tmp_path, epsilon=1.0)
    add_incidents(session, make_network(session), day=MONDAY, count=5)
    weeks = publish(settings=pub, as_of=DUE)
    [(regions,)] = table_rows(pub, "SELECT count(DISTINCT region) FROM publication_areas")
    per_release = table_rows(
        pub,
        "SELECT r.week, r.epsilon, r.region_epsilon, l.epsilon AS ledger, "
        "(SELECT count(*) FROM published_region_counts c WHERE c.release_id = r.id) AS n "
        "FROM releases r JOIN budget_ledger l ON l.release_id = r.id ORDER BY r.week",
    )
    assert [row.week for row in per_release] == weeks
    for row in per_release:
        assert row.n == regions  # zeros included: which regions had incidents stays hidden
        assert 0 < row.region_epsilon < row.epsilon
        assert math.isclose(row.ledger, row.epsilon)  # areas + regions together spend ε


def test_database_counting_agrees_with_the_incident_rules_report_by_report(pub, session):
    # week_tally lets the database count reports per (cell, setting, band, network); the
    # result must equal grouping every single report with incidents.group_incidents.
    import random
    from collections import Counter

    from sqlalchemy import select

    from server.db import get_engine
    from server.models.tables import REPORTS
    from server.publishing.counting import week_tally
    from server.publishing.incidents import ReportFacts, counts_across_networks, group_incidents
    from server.publishing.series import load_gazetteer, plan_series
    from server.vocabulary import CountingRule

    rng = random.Random(5)
    nets = [
        make_network(session, "A", rule=CountingRule.ALL.value),
        make_network(session, "B", rule=CountingRule.CONFIRMED_OR_CORROBORATED.value),
        make_network(session, "C", rule=CountingRule.CONFIRMED_OR_CORROBORATED.value),
    ]
    cells = [storage_cell(), *(h3.cell_to_center_child(c, 7) for c in h3.grid_ring(HACKNEY, 1))]
    for _ in range(400):
        add_report(
            session,
            rng.choice(nets),
            day=MONDAY + timedelta(days=rng.randrange(7)),
            cell=rng.choice(cells[:3]),
            band=rng.choice(["night", "morning", "afternoon", "evening", "unknown", "unknown"]),
            setting=rng.choice(["home", "workplace"]),
            status=rng.choice(["pending", "pending", "confirmed", "rejected", "duplicate"]),
            late=rng.random() < 0.05,
            commit=False,
        )
    session.commit()
    plan = plan_series(gazetteer=load_gazetteer(pub), min_postcodes=pub.min_postcodes)
    with get_engine(pub).connect() as conn:
        tally = week_tally(conn=conn, week=WEEK, partition=plan.partition)
        rules = {str(n.id): n.counting_rule for n in nets}
        reports = [
            ReportFacts.of(r)
            for r in conn.execute(select(REPORTS).where(REPORTS.c.late.is_(False)))
        ]
    areas: Counter[str] = Counter()
    by_network: Counter[str] = Counter()
    for incident in group_incidents(reports=reports):
        if counts_across_networks(incident, rules=rules):
            areas[plan.partition.area_of_cell(incident.cell)] += 1
            for network in {
                n
                for n, s in zip(incident.networks, incident.statuses, strict=True)
                if s in ("pending", "confirmed")
            }:
                by_network[network] += 1
    assert sum(areas.values()) > 20  # the mix produced real incidents, some not counted
    assert {a: n for a, n in tally.areas.items() if n} == dict(areas)
    assert {n: c for n, c in tally.networks.items() if c} == dict(by_network)
