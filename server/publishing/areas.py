"""Publication areas: fixed in advance, by population alone (P4).

Invariant: every published count stands for at least P postcodes (unless the whole
gazetteer holds fewer). A resolution-6 H3 cell with ≥ P postcodes is its own area; its
smaller siblings pool into "the rest of" their resolution-5 parent when that rest holds
≥ P, otherwise into the rest of their resolution-4 parent. A rest still below P is folded
into its nearest area, one of its own region when there is one (else of the nearest
region), smallest first, until none is left below P. The partition reads only postcode
counts, never reports, so its shape leaks nothing; `fingerprint` changes whenever it or P
does, starting a new series.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Mapping

import geopandas as gpd
import h3
import numpy as np
from shapely.geometry import Polygon

AREA_RES, REST_RES, REGION_RES = 6, 5, 4
MAX_RINGS = 200  # resolution-4 rings searched for a region to fold into (~4,000 km)
EQUAL_AREA_CRS = "EPSG:6933"  # global equal-area, so km² stays right beyond Great Britain


class Partition:
    """Which publication area each populated resolution-6 cell belongs to."""

    def __init__(
        self,
        *,
        min_postcodes: int,
        assignment: Mapping[str, str],
        cell_postcodes: Mapping[str, int],
    ) -> None:
        self.min_postcodes = min_postcodes
        self._assignment = dict(assignment)
        self._cell_postcodes = dict(cell_postcodes)
        self._members: dict[str, list[str]] = defaultdict(list)
        self._by_region: dict[str, list[str]] = defaultdict(list)
        for cell in sorted(self._assignment):
            self._members[self._assignment[cell]].append(cell)
            self._by_region[h3.cell_to_parent(cell, REGION_RES)].append(cell)

    def areas(self) -> list[str]:
        return sorted(self._members)

    def members(self, area: str) -> list[str]:
        return list(self._members.get(area, []))

    def postcodes(self, area: str) -> int:
        return sum(self._cell_postcodes[cell] for cell in self._members.get(area, []))

    def cell_postcodes(self, cell: str) -> int:
        return self._cell_postcodes.get(cell, 0)

    def is_fallback(self, area: str) -> bool:
        """A zero-postcode `r4:` id for a region the gazetteer says nobody lives in."""
        return area not in self._members

    def region_of(self, area: str) -> str:
        """The resolution-4 cell id of the region an area pools into."""
        cell = area.split(":", 1)[1] if ":" in area else area
        return cell if area.startswith("r4:") else h3.cell_to_parent(cell, REGION_RES)

    def area_of_cell(self, cell: str) -> str:
        """Area of a storage cell (resolution 7, or any resolution finer than 6)."""
        res = _resolution(cell)
        if res < AREA_RES:
            raise ValueError(f"cell {cell!r} is coarser than resolution {AREA_RES}")
        return self.area_of_res6(cell if res == AREA_RES else h3.cell_to_parent(cell, AREA_RES))

    def area_of_res6(self, cell: str) -> str:
        """Exactly one area id for any resolution-6 cell, populated or not.

        An empty cell goes to the finest pooled area above it (rest of its resolution-5,
        then resolution-4 parent); failing that, to the area of the nearest populated cell
        in its region (ties by cell id), so an incident in a park or estuary still counts
        in a listed area. Only if its whole region is empty does it get the fallback
        `r4:<region>`, which `areas()` never lists: listing it once a report lands there
        would make the released area set depend on reports.
        """
        if _resolution(cell) != AREA_RES:
            raise ValueError(f"cell {cell!r} is not resolution {AREA_RES}")
        if cell in self._assignment:
            return self._assignment[cell]
        region = h3.cell_to_parent(cell, REGION_RES)
        for rest in (f"r5:{h3.cell_to_parent(cell, REST_RES)}", f"r4:{region}"):
            if rest in self._members:
                return rest
        populated = self._by_region.get(region, [])
        if not populated:
            return f"r4:{region}"
        nearest = min(populated, key=lambda other: (_grid_distance(cell, other), other))
        return self._assignment[nearest]

    def fingerprint(self) -> str:
        payload = {"min_postcodes": self.min_postcodes, "areas": self._members}
        encoded = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(encoded).hexdigest()


def build_partition(*, res6_postcodes: Mapping[str, int], min_postcodes: int) -> Partition:
    """Partition the populated resolution-6 cells into areas of ≥ `min_postcodes`."""
    if min_postcodes < 1:
        raise ValueError("min_postcodes must be >= 1")
    populated: dict[str, int] = {}
    for cell in sorted(res6_postcodes):
        count = res6_postcodes[cell]
        if _resolution(cell) != AREA_RES or count < 0:
            raise ValueError(f"bad gazetteer row {cell!r}: {count!r}")
        if count > 0:  # a cell where nobody lives is not an area of its own
            populated[cell] = count

    assignment: dict[str, str] = {}
    small_by_res5: dict[str, list[str]] = defaultdict(list)
    for cell, count in populated.items():
        if count >= min_postcodes:
            assignment[cell] = cell
        else:
            small_by_res5[h3.cell_to_parent(cell, REST_RES)].append(cell)

    leftovers_by_res4: dict[str, list[str]] = defaultdict(list)
    for parent, cells in sorted(small_by_res5.items()):
        if sum(populated[cell] for cell in cells) >= min_postcodes:
            assignment.update((cell, f"r5:{parent}") for cell in cells)
        else:
            leftovers_by_res4[h3.cell_to_parent(parent, REGION_RES)].extend(cells)
    for parent, cells in sorted(leftovers_by_res4.items()):
        assignment.update((cell, f"r4:{parent}") for cell in cells)
    _fold_small_areas(assignment, populated, min_postcodes)

    return Partition(min_postcodes=min_postcodes, assignment=assignment, cell_postcodes=populated)


def _fold_small_areas(assignment: dict[str, str], postcodes: Mapping[str, int], p: int) -> None:
    """Fold every area below `p` postcodes into its nearest area (same region first).

    The smallest area goes first (ties by id) and a fold can leave the host still below P,
    when it goes again; the host keeps its id and its region. Distances are between cell
    centres, the shortest between any two member cells.
    """
    members: dict[str, list[str]] = defaultdict(list)
    for cell, area in assignment.items():
        members[area].append(cell)
    size = {area: sum(postcodes[cell] for cell in cells) for area, cells in members.items()}
    home = {area: _home_region(area, cells) for area, cells in members.items()}
    by_region: dict[str, set[str]] = defaultdict(set)
    for area, region in home.items():
        by_region[region].add(area)
    while len(size) > 1:
        small = min(size, key=lambda area: (size[area], area))
        if size[small] >= p:
            break
        host = _nearest_area(small, members, home, by_region)
        for cell in members.pop(small):
            assignment[cell] = host
            members[host].append(cell)
        size[host] += size.pop(small)
        by_region[home.pop(small)].discard(small)


def _home_region(area: str, cells: list[str]) -> str:
    return area[3:] if area.startswith("r4:") else h3.cell_to_parent(cells[0], REGION_RES)


def _nearest_area(
    small: str,
    members: Mapping[str, list[str]],
    home: Mapping[str, str],
    by_region: Mapping[str, set[str]],
) -> str:
    """The nearest other area of the same region; if the region has no other, the nearest
    area of the regions around it (searched ring by ring, one ring past the first hit)."""
    region = home[small]
    candidates = by_region.get(region, set()) - {small}
    ring, last = 0, MAX_RINGS
    while not (by_region.get(region, set()) - {small}) and ring < last:
        ring += 1
        try:
            ring_cells = h3.grid_ring(region, ring)
        except h3.H3BaseException:  # distortion near a pentagon: skip this ring
            continue
        for other in ring_cells:
            candidates |= by_region.get(other, set())
        if candidates and last == MAX_RINGS:
            last = ring + 1
    candidates = candidates or set(members) - {small}
    return min(candidates, key=lambda area: (_km_between(members[small], members[area]), area))


def _km_between(cells: list[str], others: list[str]) -> float:
    """Shortest great-circle distance between the centres of two sets of cells."""
    a = np.radians([h3.cell_to_latlng(cell) for cell in cells])[:, None, :]
    b = np.radians([h3.cell_to_latlng(cell) for cell in others])[None, :, :]
    dlat, dlng = b[..., 0] - a[..., 0], b[..., 1] - a[..., 1]
    h = np.sin(dlat / 2) ** 2 + np.cos(a[..., 0]) * np.cos(b[..., 0]) * np.sin(dlng / 2) ** 2
    return float(2 * 6371.0 * np.arcsin(np.sqrt(h.min())))


def area_polygons(
    partition: Partition, *, names: Mapping[str, str] | None = None
) -> gpd.GeoDataFrame:
    """One polygon per area (dissolved member hexes), EPSG:4326, not clipped to the coast.

    Columns: area, region, postcodes, km2, name, geometry. `names` maps resolution-6
    cells to district or place labels; an area is named by its 1–3 commonest labels,
    and pooled areas read "rest of …".
    """
    hexes = _hexes({area: partition.members(area) for area in partition.areas()}, "area")
    shapes = hexes.dissolve(by="area").reset_index()
    shapes["region"] = [partition.region_of(area) for area in shapes["area"]]
    shapes["postcodes"] = [partition.postcodes(area) for area in shapes["area"]]
    shapes["km2"] = _km2(shapes)
    shapes["name"] = [
        _name(partition.members(area), names, partition, rest=":" in area, fallback=area)
        for area in shapes["area"]
    ]
    return shapes[["area", "region", "postcodes", "km2", "name", "geometry"]]


def region_polygons(
    partition: Partition, *, names: Mapping[str, str] | None = None
) -> gpd.GeoDataFrame:
    """One polygon per resolution-4 region: columns region, areas, postcodes, km2, name."""
    by_region: dict[str, list[str]] = defaultdict(list)
    for area in partition.areas():
        by_region[partition.region_of(area)].append(area)
    cells = {
        region: sorted(c for a in areas for c in partition.members(a))
        for region, areas in by_region.items()
    }
    shapes = _hexes(cells, "region").dissolve(by="region").reset_index()
    shapes["areas"] = [len(by_region[region]) for region in shapes["region"]]
    shapes["postcodes"] = [
        sum(partition.postcodes(a) for a in by_region[region]) for region in shapes["region"]
    ]
    shapes["km2"] = _km2(shapes)
    shapes["name"] = [
        _name(cells[region], names, partition, rest=False, fallback=region)
        for region in shapes["region"]
    ]
    return shapes[["region", "areas", "postcodes", "km2", "name", "geometry"]]


def _hexes(cells_by_key: Mapping[str, list[str]], key: str) -> gpd.GeoDataFrame:
    keys, polygons = [], []
    for group, cells in sorted(cells_by_key.items()):
        for cell in cells:
            keys.append(group)
            # h3 gives (lat, lng); shapely wants (x=lng, y=lat).
            polygons.append(Polygon([(lng, lat) for lat, lng in h3.cell_to_boundary(cell)]))
    return gpd.GeoDataFrame({key: keys}, geometry=polygons, crs="EPSG:4326")


def _km2(shapes: gpd.GeoDataFrame) -> list[float]:
    return [round(a / 1e6, 2) for a in shapes.to_crs(EQUAL_AREA_CRS).geometry.area]


def _name(
    cells: list[str],
    names: Mapping[str, str] | None,
    partition: Partition,
    *,
    rest: bool,
    fallback: str,
) -> str:
    if not names:
        return fallback
    weight: Counter[str] = Counter()
    population: Counter[str] = Counter()
    for cell in cells:
        if cell in names:
            weight[names[cell]] += 1
            population[names[cell]] += partition.cell_postcodes(cell)
    if not weight:
        return fallback
    # Commonest label first; then the one more people live in; then alphabetical, for ties.
    top = sorted(weight, key=lambda label: (-weight[label], -population[label], label))[:3]
    return ("rest of " if rest else "") + ", ".join(top)


def _resolution(cell: str) -> int:
    if not isinstance(cell, str) or not h3.is_valid_cell(cell):
        raise ValueError(f"not an H3 cell: {cell!r}")
    return int(h3.get_resolution(cell))


def _grid_distance(a: str, b: str) -> float:
    try:
        return float(h3.grid_distance(a, b))
    except h3.H3BaseException:  # distortion near pentagons: treat as far away
        return float("inf")
