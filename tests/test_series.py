"""The stored series of publication areas: built from the gazetteer and P alone, stored
once, and replaced by a new series only when those inputs change."""

from __future__ import annotations

import shapely

from server.places.gazetteer import Gazetteer
from server.publishing.series import plan_series
from tests.factories import make_series
from tests.synthetic import P, publishing_settings, table_rows


def test_stored_areas_are_the_partition_with_outlines_sizes_and_names(settings, tmp_path):
    pub = publishing_settings(settings, tmp_path)
    series_id, plan = make_series(pub)
    rows = table_rows(pub, "SELECT * FROM publication_areas")
    assert sorted(r.area for r in rows) == plan.partition.areas()
    for row in rows:
        assert row.postcodes >= P
        shape = shapely.from_geojson(row.geometry)
        assert shape.is_valid and shape.geom_type in {"Polygon", "MultiPolygon"}
        assert row.km2 > 0 and row.name and row.region == plan.partition.region_of(row.area)
    regions = table_rows(pub, "SELECT region, name FROM publication_regions")
    assert {r.region for r in regions} == {r.region for r in rows}
    assert all(r.name for r in regions)
    assert make_series(pub)[0] == series_id  # found again, not rebuilt
    assert len(table_rows(pub, "SELECT id FROM area_series")) == 1


def test_new_p_or_gazetteer_starts_a_new_active_series(settings, tmp_path):
    pub = publishing_settings(settings, tmp_path)
    first, _ = make_series(pub)
    second, _ = make_series(pub.model_copy(update={"min_postcodes": 5000}))
    assert second != first
    with open(pub.gazetteer, "a") as fh:  # one more populated place
        fh.write("Newtown,52.0,-1.0,3000,Testshire\n")
    third, _ = make_series(pub)
    assert len({first, second, third}) == 3
    active = table_rows(pub, "SELECT id FROM area_series WHERE active = :t", t=True)
    assert [str(r.id).replace("-", "") for r in active] == [third.hex]
    assert make_series(pub)[0] == third


def test_P4_every_area_of_the_shipped_gazetteer_holds_p_postcodes():
    plan = plan_series(gazetteer=Gazetteer.uk(), min_postcodes=2000)
    partition = plan.partition
    counts = Gazetteer.uk().res6_postcode_counts()
    assert sum(partition.postcodes(a) for a in partition.areas()) == sum(counts.values())
    assert min(partition.postcodes(a) for a in partition.areas()) >= 2000  # 139 rests folded
    assert 300 < len(partition.areas()) < 3000
    assert plan_series(gazetteer=Gazetteer.uk(), min_postcodes=2000) is plan  # cached
