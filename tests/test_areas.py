"""The population partition and its polygons, on a synthetic gazetteer around London."""

import random

import h3
import pytest

from server.publishing.areas import area_polygons, build_partition, region_polygons

P = 2000
HACKNEY = (51.5465, -0.0553)
LERWICK = (60.155, -1.145)  # far from London: a sparse region of its own


@pytest.fixture(scope="module")
def table():
    rng = random.Random(20250304)
    centre = h3.latlng_to_cell(*HACKNEY, 6)
    counts = {}
    for cell in sorted(h3.grid_disk(centre, 7)):
        # Dense core, thinning outwards, with some empty cells (parks, reservoirs).
        ring = h3.grid_distance(centre, cell)
        counts[cell] = (
            rng.choice([0, 0, 150, 400, 900])
            if ring > 3
            else rng.choice([0, 300, 800, 1500, 2500, 4000])
        )
    counts[h3.latlng_to_cell(*LERWICK, 6)] = 120
    return counts


@pytest.fixture(scope="module")
def partition(table):
    return build_partition(res6_postcodes=table, min_postcodes=P)


def test_every_populated_cell_in_exactly_one_area(table, partition):
    populated = {cell for cell, n in table.items() if n > 0}
    seen = [cell for area in partition.areas() for cell in partition.members(area)]
    assert len(seen) == len(set(seen))
    assert set(seen) == populated
    for cell in populated:
        assert cell in partition.members(partition.area_of_res6(cell))


def test_P4_every_area_holds_p_postcodes_small_rests_folded_into_a_neighbour(table, partition):
    kinds = {"own": 0, "r5": 0, "r4": 0}
    for area in partition.areas():
        kinds["r5" if area.startswith("r5:") else "r4" if area.startswith("r4:") else "own"] += 1
        assert partition.postcodes(area) >= P, area
    assert all(kinds.values()), kinds  # the synthetic table exercises every level
    # Lerwick (120 postcodes, alone in its region) is folded into the nearest area, in London.
    lerwick = h3.latlng_to_cell(*LERWICK, 6)
    host = partition.area_of_res6(lerwick)
    assert partition.postcodes(host) > 120 and len(partition.members(host)) > 1
    assert partition.region_of(host) != h3.cell_to_parent(lerwick, 4)
    assert sum(partition.postcodes(a) for a in partition.areas()) == sum(table.values())
    unfolded = build_partition(res6_postcodes={lerwick: 120}, min_postcodes=P)
    assert unfolded.areas() == [f"r4:{h3.cell_to_parent(lerwick, 4)}"]  # nothing to fold into


def test_own_area_only_when_cell_reaches_p(table, partition):
    for cell, n in table.items():
        if n > 0:
            assert (partition.area_of_res6(cell) == cell) == (n >= P)


def test_members_share_the_area_region_unless_folded_from_a_region_too_small(partition):
    for area in partition.areas():
        region = partition.region_of(area)
        regions = {h3.cell_to_parent(c, 4) for c in partition.members(area)}
        assert region in regions
        for other in regions - {region}:  # a whole region below P, folded in: all of it
            assert all(
                partition.area_of_res6(c) == area
                for a in partition.areas()
                for c in partition.members(a)
                if h3.cell_to_parent(c, 4) == other
            )


def test_deterministic_fingerprint(table, partition):
    shuffled = dict(sorted(table.items(), key=lambda item: item[0][::-1]))
    again = build_partition(res6_postcodes=shuffled, min_postcodes=P)
    assert again.fingerprint() == partition.fingerprint()
    assert again.areas() == partition.areas()
    other = build_partition(res6_postcodes=table, min_postcodes=P + 500)
    assert other.fingerprint() != partition.fingerprint()


def test_area_of_storage_cell(table, partition):
    big = next(c for c, n in sorted(table.items()) if n >= P)
    child = h3.cell_to_children(big, 7)[3]
    assert partition.area_of_cell(child) == big
    with pytest.raises(ValueError):
        partition.area_of_cell(h3.cell_to_parent(big, 5))
    with pytest.raises(ValueError):
        partition.area_of_res6(child)


def test_every_cell_maps_to_one_area(table, partition):
    listed = set(partition.areas())
    populated_regions = {h3.cell_to_parent(c, 4) for c, n in table.items() if n > 0}
    empty_in_populated = [
        c for c, n in table.items() if n == 0 and h3.cell_to_parent(c, 4) in populated_regions
    ]
    assert empty_in_populated
    for cell in empty_in_populated:  # parks and reservoirs still count in a listed area
        area = partition.area_of_cell(h3.cell_to_children(cell, 7)[0])
        assert area in listed
        region = h3.cell_to_parent(cell, 4)
        populated = [c for c, n in table.items() if n > 0 and h3.cell_to_parent(c, 4) == region]
        # Its own region's area, or the area its whole region (below P) was folded into.
        assert partition.region_of(area) == region or {
            partition.area_of_res6(c) for c in populated
        } == {area}
    # A region with no postcodes at all gets the documented unlisted fallback.
    sea = h3.latlng_to_cell(49.0, -12.0, 7)
    area = partition.area_of_cell(sea)
    assert area == f"r4:{h3.cell_to_parent(sea, 4)}"
    assert partition.is_fallback(area) and area not in listed
    assert partition.postcodes(area) == 0 and partition.members(area) == []
    assert partition.region_of(area) == h3.cell_to_parent(sea, 4)


def test_polygons_valid_and_cover_member_hexes(partition):
    names = {
        c: "E8" if i % 3 else "N16"
        for i, c in enumerate(c for a in partition.areas() for c in partition.members(a))
    }
    shapes = area_polygons(partition, names=names)
    assert list(shapes.columns) == ["area", "region", "postcodes", "km2", "name", "geometry"]
    assert shapes.crs.to_epsg() == 4326
    assert shapes.geometry.is_valid.all()
    assert sorted(shapes["area"]) == partition.areas()
    for row in shapes.itertuples():
        hex_km2 = sum(h3.cell_area(c, unit="km^2") for c in partition.members(row.area))
        assert row.km2 == pytest.approx(hex_km2, rel=0.01)
        assert row.name.removeprefix("rest of ").split(", ")[0] in {"E8", "N16"}
        assert row.name.startswith("rest of ") == (":" in row.area)
    union_km2 = shapes.to_crs("EPSG:6933").geometry.union_all().area / 1e6
    assert union_km2 == pytest.approx(shapes["km2"].sum(), rel=0.01)  # areas do not overlap


def test_region_polygons(partition):
    regions = region_polygons(partition)
    assert regions.geometry.is_valid.all()
    assert regions["areas"].sum() == len(partition.areas())
    assert set(regions["region"]) == {partition.region_of(a) for a in partition.areas()}
    assert regions["postcodes"].sum() == sum(partition.postcodes(a) for a in partition.areas())
    assert (regions["name"] == regions["region"]).all()  # no names given: ids stand in


def test_bad_gazetteer_refused():
    with pytest.raises(ValueError):
        build_partition(res6_postcodes={"not-a-cell": 5}, min_postcodes=P)
    with pytest.raises(ValueError):
        build_partition(res6_postcodes={h3.latlng_to_cell(*HACKNEY, 7): 5}, min_postcodes=P)
    with pytest.raises(ValueError):
        build_partition(res6_postcodes={}, min_postcodes=0)
