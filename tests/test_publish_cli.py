"""The publishing command line: publish, releases, export, purge, areas import."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest

from tests.factories import add_incidents, add_report, make_network
from tests.synthetic import run_cli, table_rows

MONDAY = date(2026, 1, 5)  # 2026-W02
DUE = "2026-01-14"


pytestmark = pytest.mark.pub(k=3)


@pytest.fixture
def cli(pub, monkeypatch, capsys):
    return lambda *argv: run_cli(monkeypatch, capsys, pub, *argv)


def test_publish_then_nothing_due(cli, pub, session):
    add_incidents(session, make_network(session), day=MONDAY, count=4)
    code, out, _ = cli("publish", "--as-of", DUE)
    assert code == 0 and out.strip().endswith("2026-W02") and out.count("W") == 12
    assert cli("publish", "--as-of", DUE)[1].strip() == "nothing due"
    assert cli("publish", "--as-of", "2026-01-20")[1].strip() == "nothing due"
    assert cli("publish", "--as-of", "2026-01-21")[1].strip() == "released 2026-W03"


def test_releases_lists_frozen_releases(cli, pub, session):
    assert json.loads(cli("releases", "--json")[1]) == []
    add_incidents(session, make_network(session), day=MONDAY, count=4)
    cli("publish", "--as-of", DUE)
    releases = json.loads(cli("releases", "--json")[1])
    assert len(releases) == 12 and releases[-1]["week"] == "2026-W02"
    areas = len(table_rows(pub, "SELECT area FROM publication_areas"))
    for release in releases:
        assert release["epsilon"] == 0.0 and release["areas"] == areas
        assert {"week", "epsilon", "areas", "published_on", "national_total"} <= set(release)
    assert "2026-W02" in cli("releases")[1]


def test_export_csv_and_geojson(cli, pub, session):
    code, _, err = cli("export")
    assert code == 2 and "no releases yet" in err
    add_incidents(session, make_network(session), day=MONDAY, count=4)
    cli("publish", "--as-of", DUE)
    code, out, _ = cli("export", "--window", "1")
    assert code == 0 and out.startswith("name,kind,count,")
    [row] = list(csv.DictReader(io.StringIO(out)))
    assert row["count"] == "4" and row["kind"] in {"area", "pooled area"} and row["name"]
    meta = json.loads(cli("export", "--window", "1", "--format", "metadata")[1])
    assert (meta["k"], meta["window_weeks"], meta["epsilon"]) == (3, 1, 0.0)
    geo = json.loads(cli("export", "--format", "geojson", "--window", "12")[1])
    assert geo["metadata"]["window_weeks"] == 12 and len(geo["metadata"]["weeks_covered"]) == 12
    assert [f["properties"]["count"] for f in geo["features"]] == [4]


def test_purge_with_as_of(cli, pub, session):
    add_report(session, make_network(session), day=MONDAY)
    cli("publish", "--as-of", DUE)
    assert cli("purge", "--as-of", "2026-02-13")[1].startswith("deleted 0 raw report(s)")
    # One report deleted is said as an order of magnitude: exact raw counts are not printed.
    assert cli("purge", "--as-of", "2026-02-14")[1].startswith("deleted 1-9 raw report(s)")
    assert table_rows(pub, "SELECT count(*) FROM reports") == [(0,)]


def test_areas_import_and_export_by_named_area(cli, pub, session, tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    path = tmp_path / "boroughs.geojson"
    gpd.GeoDataFrame(
        {"code": ["L1"], "label": ["All of it"]}, geometry=[box(-1, 51, 1, 52)], crs="EPSG:4326"
    ).to_file(path, driver="GeoJSON")
    code, _, err = cli(
        "areas", "import", str(path), "--code-field", "nope", "--name-field", "label"
    )
    assert code == 2 and "no field 'nope'" in err
    code, out, _ = cli(
        "areas", "import", str(path), "--code-field", "code", "--name-field", "label"
    )
    assert code == 0 and "imported 1 named area(s) into layer 'boroughs'" in out
    add_incidents(session, make_network(session), day=MONDAY, count=4)
    cli("publish", "--as-of", DUE)
    code, out, _ = cli("export", "--named-areas", "--window", "1")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["code"], r["count"], r["layer"]) for r in rows] == [("L1", "4", "boroughs")]
    assert cli("export", "--named-areas", "wards")[0] == 2


def test_publish_as_of_is_optional(cli, pub):
    code, out, _ = cli("publish")
    assert code == 0  # as of today: a fresh deployment releases its last twelve weeks
    assert out.startswith("released") and out.count(", ") == 11
