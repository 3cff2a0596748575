"""`raidwatch demo`: refuses a non-empty database; otherwise builds a realistic history whose
releases and exports behave like real ones."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from server.demo.history import NotEmpty, run_demo
from server.demo.synthetic import History
from server.publishing.series import load_gazetteer
from server.weeks import iso_week
from tests.factories import make_network
from tests.synthetic import run_cli, table_rows

AS_OF = "2026-03-18"  # a Wednesday: the week that ended on Sunday is due today


@pytest.fixture
def cli(settings, monkeypatch, capsys):
    return lambda *argv: run_cli(monkeypatch, capsys, settings, *argv)


def test_demo_refuses_a_non_empty_database(cli, settings, session):
    make_network(session, "A real network")
    code, _, err = cli("demo")
    assert code == 2 and "not empty" in err
    assert table_rows(settings, "SELECT count(*) FROM reports") == [(0,)]
    with pytest.raises(NotEmpty):
        run_demo(settings=settings, as_of=date(2026, 3, 18), weeks=1)


def test_demo_then_publish_yields_frozen_releases_above_the_floor(cli, settings):
    code, out, _ = cli("demo", "--as-of", AS_OF)
    assert code == 0, out
    links = [line for line in out.splitlines() if ": /r/" in line]
    assert len(links) == 3 and all("(demo)" in line for line in links)
    rules = sorted(r.counting_rule for r in table_rows(settings, "SELECT * FROM networks"))
    assert rules == ["all", "all", "confirmed_or_corroborated"]
    assert cli("publish", "--as-of", AS_OF)[1].strip() == "nothing due"
    releases = json.loads(cli("releases", "--json")[1])
    weeks = [r["week"] for r in releases]
    assert weeks[-1] == "2026-W11" and len(weeks) == 16 + 11  # history + empty catch-up
    assert sum(r["late_total"] for r in releases) > 0
    statuses = {r.status for r in table_rows(settings, "SELECT status FROM reports")}
    assert statuses == {"pending", "confirmed", "rejected"}
    # Reports of the current, unreleased week exist but are not released.
    assert (
        table_rows(
            settings, "SELECT count(*) FROM reports WHERE occurred_on >= :d", d=date(2026, 3, 16)
        )[0][0]
        > 0
    )
    for window in ("1", "4", "12"):
        meta = json.loads(cli("export", "--window", window, "--format", "metadata")[1])
        threshold = float(meta["threshold"])
        rows = list(csv.DictReader(io.StringIO(cli("export", "--window", window)[1])))
        assert rows, f"the {window}-week view shows something"
        assert all(int(row["count"]) >= max(threshold, settings.k) for row in rows)
        geo = json.loads(cli("export", "--window", window, "--format", "geojson")[1])
        assert {f["properties"]["area_id"] for f in geo["features"]} == {r["area_id"] for r in rows}
    assert cli("publish", "--as-of", "2026-03-25")[1].strip() == "released 2026-W12"


def test_the_generator_clusters_in_cities_and_sends_several_reports_per_raid():
    history = History(gazetteer=load_gazetteer(settings_stub()), networks=3, seed=7)
    week = history.week(iso_week(date(2026, 3, 2)), visits=300)
    rows = week.on_time + week.late
    per_visit = {}
    for row in rows:
        per_visit.setdefault((row["cell"], row["occurred_on"], row["setting"]), []).append(row)
    assert max(len(v) for v in per_visit.values()) >= 3
    london = sum(
        1
        for row in rows
        if row["district"][:1] in {"E", "N", "W", "S"}
        and row["district"][:2]
        not in {
            "SA",
            "SK",
            "SN",
            "SO",
            "SP",
            "SR",
            "SS",
            "ST",
            "SY",
            "WA",
            "WD",
            "WF",
            "WN",
            "WR",
            "WS",
            "WV",
            "NE",
            "NG",
            "NN",
            "NP",
            "NR",
        }
    )
    assert london > 0.2 * len(rows)
    assert 0 < len(week.late) < 0.1 * len(rows)
    assert any(row["status"] == "rejected" for row in rows)


def settings_stub():
    from server.config import Settings

    return Settings(env="test", secret_key="x" * 40)
