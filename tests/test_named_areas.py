"""Operator-supplied named areas: import (GeoJSON, GeoPackage) and views read per named area."""

from __future__ import annotations

import geopandas as gpd
import h3
import pytest
from shapely.geometry import box

from server.db import get_engine
from server.publishing.named_areas import import_named_areas, layers, view_by_named_area
from tests.factories import freeze, make_series
from tests.synthetic import DENSE, HACKNEY, area_of, table_rows, view_of

LAT, LNG = h3.cell_to_latlng(HACKNEY)


def imported(pub, **kwargs):
    with get_engine(pub).begin() as conn:
        return import_named_areas(conn=conn, **kwargs)


def known_layers(pub):
    with get_engine(pub).connect() as conn:
        return layers(conn=conn)


def by_named_area(pub, **kwargs):
    with get_engine(pub).connect() as conn:
        return view_by_named_area(conn=conn, **kwargs)


def boroughs(path, *, driver=None, crs="EPSG:4326"):
    """Two boroughs split at Hackney's longitude, so the Hackney area straddles both."""
    frame = gpd.GeoDataFrame(
        {"CODE": ["W01", "E01"], "NAME": ["Westside", "Eastside"]},
        geometry=[
            box(LNG - 0.5, LAT - 0.5, LNG, LAT + 0.5),
            box(LNG, LAT - 0.5, LNG + 0.5, LAT + 0.5),
        ],
        crs="EPSG:4326",
    ).to_crs(crs)
    frame.to_file(path, driver=driver)
    return path


def test_import_geojson_and_geopackage_replacing_a_layer(pub, tmp_path):
    geojson = boroughs(tmp_path / "boroughs.geojson", driver="GeoJSON")
    assert imported(pub, path=geojson, code_field="CODE", name_field="NAME") == (
        "boroughs",
        2,
    )
    assert imported(pub, path=geojson, code_field="CODE", name_field="NAME") == (
        "boroughs",
        2,
    )  # replaced, not doubled
    gpkg = boroughs(tmp_path / "wards.gpkg", driver="GPKG", crs="EPSG:27700")
    imported(pub, path=gpkg, code_field="CODE", name_field="NAME")
    assert known_layers(pub) == ["boroughs", "wards"]
    rows = table_rows(pub, "SELECT code, geometry FROM named_areas WHERE layer='wards'")
    assert sorted(r.code for r in rows) == ["E01", "W01"]
    assert f"{LNG:.2f}"[:5] in rows[0].geometry  # reprojected back to WGS84


def test_import_refuses_a_missing_field_or_repeated_codes(pub, tmp_path):
    path = boroughs(tmp_path / "b.geojson", driver="GeoJSON")
    with pytest.raises(ValueError, match="no field 'WARD'"):
        imported(pub, path=path, code_field="WARD", name_field="NAME")
    with pytest.raises(ValueError, match="not unique"):
        gpd.GeoDataFrame(
            {"CODE": ["X", "X"], "NAME": ["a", "b"]},
            geometry=[box(0, 0, 1, 1), box(1, 1, 2, 2)],
            crs="EPSG:4326",
        ).to_file(path, driver="GeoJSON")
        imported(pub, path=path, code_field="CODE", name_field="NAME")


def test_view_per_named_area_sums_shown_areas_and_states_straddles(pub, tmp_path):
    imported(
        pub,
        path=boroughs(tmp_path / "b.geojson", driver="GeoJSON"),
        code_field="CODE",
        name_field="NAME",
    )
    series_id, plan = make_series(pub)
    west = min(DENSE, key=lambda cell: h3.cell_to_latlng(cell)[1])
    middle, west_area = area_of(pub, HACKNEY), area_of(pub, west)
    freeze(
        pub,
        series_id,
        "2026-W10",
        {middle: 12, west_area: 20, area_of(pub, DENSE[0]): 3},
        areas=plan.partition.areas(),
    )
    view = view_of(pub, window=1)
    rows = {row.code: row for row in by_named_area(pub, view=view, layer="b")}
    assert set(rows) == {"W01", "E01"}, rows
    assert west_area in rows["W01"].areas
    total = sum(row.count or 0 for row in rows.values())
    assert total == 32  # every shown area counted once; the hidden 3 nowhere
    home = "W01" if middle in rows["W01"].areas else "E01"
    other = "E01" if home == "W01" else "W01"
    assert any(note.startswith(f"{middle} straddles") for note in rows[home].straddles)
    assert any(f"counted in {home}" in note for note in rows[other].straddles)


def test_named_areas_never_change_releases(pub, tmp_path):
    series_id, plan = make_series(pub)
    freeze(pub, series_id, "2026-W10", {}, areas=plan.partition.areas())
    before = table_rows(pub, "SELECT * FROM published_counts ORDER BY area")
    imported(
        pub,
        path=boroughs(tmp_path / "b.geojson", driver="GeoJSON"),
        code_field="CODE",
        name_field="NAME",
    )
    assert table_rows(pub, "SELECT * FROM published_counts ORDER BY area") == before
