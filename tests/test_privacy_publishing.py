"""P4 and P5 (DESIGN.md), publishing side: each test fails if its invariant breaks.

P4: organisers and exports only ever see releases — noisy counts per fixed area, frozen,
after the delay — and only the areas and regions that pass the floor; nothing per report.
P5: raw reports (and their sealed notes) are deleted once their week has been published
for longer than the retention period; releases remain.
"""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from server.db import get_engine
from server.demo.history import run_demo
from server.models.tables import LEDGER
from server.publishing.exports import CSV_COLUMNS, to_csv, to_geojson, to_metadata_json
from server.publishing.release import Policy, publish, release_week
from server.publishing.series import ensure_series, load_gazetteer, plan_series
from tests.conftest import PG_URL
from tests.factories import add_report, make_network
from tests.synthetic import published, publishing_settings, purge_on, table_rows, view_of

AS_OF = date(2026, 3, 18)
NOTE = b"\x8a\x19zq-sealed-note-canary-\x01\x02"


@pytest.fixture
def demo(settings):
    run_demo(settings=settings, as_of=AS_OF, weeks=12)
    return settings


def test_P4_exports_show_only_areas_passing_the_floor_and_nothing_per_report(demo):
    reports = table_rows(demo, "SELECT cell, occurred_on, setting FROM reports")
    cells = {r.cell for r in reports}
    days = {str(r.occurred_on) for r in reports}  # text() gives SQLite dates as strings
    for window in (1, 4, 12):
        view = view_of(demo, window=window)
        floor = max(view.threshold, demo.k)
        assert view.rows and all(row.count >= floor for row in view.rows)
        text = to_csv(view)
        rows = list(csv.DictReader(io.StringIO(text)))
        assert tuple(rows[0]) == CSV_COLUMNS
        assert all(int(row["count"]) >= floor for row in rows)
        geo = to_geojson(view)
        assert all(f["properties"]["count"] >= floor for f in json.loads(geo)["features"])
        meta = to_metadata_json(view)
        for export in (text, geo, meta):
            assert not cells & set(re.findall(r"[0-9a-f]{15}", export))  # no storage cell
            assert not any(day in export for day in days)  # weeks only, never a day


def test_P4_releases_are_frozen_and_noised_once(settings, tmp_path, session):
    pub = publishing_settings(settings, tmp_path, epsilon=1.0)
    net = make_network(session)
    add_report(session, net, day=date(2026, 3, 10))
    weeks = publish(settings=pub, as_of=AS_OF)
    before = {week: published(pub, week) for week in weeks}
    add_report(session, net, day=date(2026, 3, 11), late=True)  # arrives after release
    changed = pub.model_copy(update={"epsilon": 0.0, "k": 1})
    assert publish(settings=changed, as_of=AS_OF + timedelta(days=1)) == []
    gazetteer = load_gazetteer(pub)
    plan = plan_series(gazetteer=gazetteer, min_postcodes=pub.min_postcodes)
    series_id = ensure_series(engine=get_engine(pub), plan=plan, gazetteer=gazetteer)
    assert not release_week(
        engine=get_engine(pub),
        plan=plan,
        series_id=series_id,
        week=weeks[-1],
        as_of=AS_OF,
        policy=Policy.of(changed),
    )
    assert {week: published(pub, week) for week in weeks} == before
    with pytest.raises(IntegrityError), get_engine(pub).begin() as conn:
        release_id = uuid.UUID(str(table_rows(pub, "SELECT id FROM releases")[0].id))
        conn.execute(insert(LEDGER).values(week=weeks[-1], release_id=release_id, epsilon=1.0))


def test_P4_nothing_is_released_before_the_delay(settings, tmp_path, session):
    pub = publishing_settings(settings, tmp_path, delay_days=3)
    add_report(session, make_network(session), day=date(2026, 3, 15))  # a Sunday
    assert "2026-W11" not in publish(settings=pub, as_of=date(2026, 3, 17))
    assert publish(settings=pub, as_of=date(2026, 3, 18)) == ["2026-W11"]


def test_P5_raw_reports_and_sealed_notes_expire_after_retention(settings, tmp_path, session):
    pub = publishing_settings(settings, tmp_path, retention_days=30)
    net = make_network(session)
    add_report(session, net, day=date(2026, 3, 10), note=NOTE)
    add_report(session, net, day=date(2026, 3, 11), setting="home")
    publish(settings=pub, as_of=AS_OF)
    assert purge_on(pub, AS_OF + timedelta(days=30)) == 0
    assert len(table_rows(pub, "SELECT id FROM reports")) == 2
    assert purge_on(pub, AS_OF + timedelta(days=31)) == 2
    assert table_rows(pub, "SELECT count(*) FROM reports") == [(0,)]
    assert len(table_rows(pub, "SELECT id FROM releases")) == 12  # releases stay
    session.close()
    get_engine(pub).dispose()  # checkpoint SQLite's WAL into the file we search
    if not PG_URL:
        stored = b"".join(p.read_bytes() for p in Path(pub.data_dir).rglob("*") if p.is_file())
        assert NOTE not in stored and b"sealed-note-canary" not in stored
