"""The active series of publication areas: built once from the gazetteer and P, then frozen.

Invariant: the areas a release counts in depend only on the gazetteer and P, never on
reports. A series is identified by a fingerprint of its partition and of the postcode
counts it was built from; the same inputs always find the stored series again, and changed
inputs start a new one (the old one stays, so its releases stay readable). Outlines and
names are computed once per fingerprint and process, and stored once per database.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import weakref
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

import h3
import shapely
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine

from server.config import Settings
from server.locking import publisher_transaction
from server.models.tables import AREAS, REGIONS, SERIES
from server.places.gazetteer import Gazetteer
from server.publishing.areas import (
    AREA_RES,
    Partition,
    area_polygons,
    build_partition,
    region_polygons,
)

MAX_NAME = 200


@dataclass(frozen=True)
class SeriesPlan:
    partition: Partition
    fingerprint: str


_PLANS: weakref.WeakKeyDictionary[Gazetteer, dict[int, SeriesPlan]] = weakref.WeakKeyDictionary()
_OUTLINES: dict[str, tuple[list[dict], list[dict]]] = {}


def load_gazetteer(settings: Settings) -> Gazetteer:
    """The deployment's gazetteer, as the web app loads it."""
    return Gazetteer.configured(settings.gazetteer)


def plan_series(*, gazetteer: Gazetteer, min_postcodes: int) -> SeriesPlan:
    """The partition for these inputs and its fingerprint (cached per gazetteer object)."""
    plans = _PLANS.setdefault(gazetteer, {})
    if min_postcodes not in plans:
        counts = gazetteer.res6_postcode_counts()
        partition = build_partition(res6_postcodes=counts, min_postcodes=min_postcodes)
        digest = hashlib.sha256(json.dumps(sorted(counts.items())).encode()).hexdigest()
        fingerprint = hashlib.sha256(f"{partition.fingerprint()}:{digest}".encode()).hexdigest()
        plans[min_postcodes] = SeriesPlan(partition=partition, fingerprint=fingerprint)
    return plans[min_postcodes]


def ensure_series(*, engine: Engine, plan: SeriesPlan, gazetteer: Gazetteer) -> uuid.UUID:
    """Id of the stored series for `plan`, storing it (and making it the active one) if new."""
    with engine.connect() as conn:
        found = conn.execute(
            select(SERIES.c.id, SERIES.c.active).where(SERIES.c.fingerprint == plan.fingerprint)
        ).first()
    if found is not None and found.active:
        return uuid.UUID(str(found.id))
    areas, regions = ([], []) if found is not None else _outlines(plan=plan, gazetteer=gazetteer)
    with publisher_transaction(engine) as conn:
        row = conn.execute(
            select(SERIES.c.id).where(SERIES.c.fingerprint == plan.fingerprint)
        ).first()
        series_id = uuid.UUID(str(row.id)) if row is not None else uuid.uuid4()
        if row is None:
            conn.execute(
                insert(SERIES).values(
                    id=series_id,
                    fingerprint=plan.fingerprint,
                    min_postcodes=plan.partition.min_postcodes,
                    active=True,
                )
            )
            conn.execute(insert(AREAS), [{**a, "series_id": series_id} for a in areas])
            if regions:
                conn.execute(insert(REGIONS), [{**r, "series_id": series_id} for r in regions])
        conn.execute(update(SERIES).values(active=SERIES.c.id == series_id))
    return series_id


def _outlines(*, plan: SeriesPlan, gazetteer: Gazetteer) -> tuple[list[dict], list[dict]]:
    """Area and region rows (outline as GeoJSON, size, name), computed once per fingerprint."""
    if plan.fingerprint in _OUTLINES:
        return _OUTLINES[plan.fingerprint]
    partition = plan.partition
    labels = _cell_districts(partition=partition, gazetteer=gazetteer)
    names = gazetteer.district_names()
    areas = [
        {
            "area": row.area,
            "region": row.region,
            "postcodes": int(row.postcodes),
            "km2": float(row.km2),
            "geometry": _geojson(row.geometry),
            "name": _name(
                partition.members(row.area),
                labels,
                names,
                partition,
                rest=":" in row.area,
                fallback=row.area,
            ),
        }
        for row in area_polygons(partition).itertuples()
    ]
    members: dict[str, list[str]] = {}
    for area in partition.areas():
        members.setdefault(partition.region_of(area), []).extend(partition.members(area))
    regions = [
        {
            "region": row.region,
            "postcodes": int(row.postcodes),
            "km2": float(row.km2),
            "geometry": _geojson(row.geometry),
            "name": _name(
                members[row.region],
                labels,
                names,
                partition,
                rest=False,
                fallback=row.region,
                councils_only=True,
            ),
        }
        for row in region_polygons(partition).itertuples()
    ]
    _OUTLINES[plan.fingerprint] = (areas, regions)
    return areas, regions


def _cell_districts(*, partition: Partition, gazetteer: Gazetteer) -> dict[str, list[str]]:
    """The postcode districts whose centre lies in each populated cell, else the nearest."""
    inside: dict[str, list[str]] = {}
    for code in sorted(gazetteer.district_names()):
        place = gazetteer.by_key(f"district:{code}")
        if place is not None:
            inside.setdefault(h3.latlng_to_cell(place.lat, place.lng, AREA_RES), []).append(code)
    cells = [cell for area in partition.areas() for cell in partition.members(area)]
    nearest = {
        cell: gazetteer.nearest_district(*h3.cell_to_latlng(cell))
        for cell in cells
        if cell not in inside
    }
    return {
        cell: inside.get(cell) or ([nearest[cell]] if nearest.get(cell) else []) for cell in cells
    }


def _name(
    cells: list[str],
    districts: Mapping[str, list[str]],
    labels: Mapping[str, str],
    partition: Partition,
    *,
    rest: bool,
    fallback: str,
    councils_only: bool = False,
) -> str:
    """ "E8, E5, N16 (Hackney)": the 1–3 main districts, then their 1–2 main councils.

    A district weighs the postcodes of the cells it labels (shared equally when several
    districts have their centre in one cell). A region reads "Manchester, Salford, Bolton".
    """
    weight: dict[str, float] = defaultdict(float)
    for cell in cells:
        for code in districts.get(cell, []):
            weight[code] += partition.cell_postcodes(cell) / len(districts[cell])
    if not weight:
        return fallback
    ranked = [code for code, _ in sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))]
    top = ranked[:3]
    councils: dict[str, float] = defaultdict(float)
    # An area is named by its main districts' councils (a region by all of them), so a sliver
    # of a neighbouring council does not end up in the name.
    for code in ranked if councils_only else top:
        label = labels.get(code, code)
        if label.startswith(f"{code} (") and label.endswith(")"):
            councils[label[len(code) + 2 : -1]] += weight[code]
    context = [c for c, _ in sorted(councils.items(), key=lambda kv: (-kv[1], kv[0]))]
    if councils_only and context:
        name = ", ".join(context[:3])
    else:
        name = ", ".join(top) + (f" ({', '.join(context[:2])})" if context else "")
    return (("rest of " if rest else "") + name)[:MAX_NAME]


def _geojson(geometry: object) -> str:
    # Six decimals (~0.1 m) is far finer than an H3 edge; it only keeps the text short.
    return str(shapely.to_geojson(shapely.set_precision(geometry, 1e-6)))
