"""P3: reduce any place to an H3 resolution-7 cell and a postcode district, immediately.

This is the only door a location passes through. Whatever the member typed (a full
postcode, a district, a town) or the API sent (a coordinate) comes out as two coarse
facts; nothing finer is returned, so nothing finer can be stored or logged downstream.

Invariant: the stored cell is the cell of the district's public centroid, whatever the
input was: "E8", "E8 3RL", "Hackney" (whose nearest district is E8) and a coordinate in E8
all store E8's centroid cell, so one visit described differently by two witnesses is one
incident. A coordinate is rounded, then only used to find its district. Only a named place
with no district within reach keeps its own (public) centroid's cell.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import h3

from server.i18n import gettext
from server.places.gazetteer import Gazetteer, Place

STORAGE_RESOLUTION = 7  # ~5 km² hexagons
COORDINATE_DECIMALS = 2  # ~1 km: coordinates are rounded before any other use


@dataclass(frozen=True)
class CoarsePlace:
    cell: str
    district: str


class PlaceNotFound(Exception):
    """The text named no place we know; carries a message for the member."""


class PlaceAmbiguous(Exception):
    def __init__(self, choices: tuple[Place, ...]) -> None:
        super().__init__("ambiguous place")
        self.choices = choices


def round_coordinate(lat: float, lng: float) -> tuple[float, float]:
    if (
        not (math.isfinite(lat) and math.isfinite(lng))
        or not (-90 <= lat <= 90)
        or not (-180 <= lng <= 180)
    ):
        raise PlaceNotFound(gettext("lat must be between -90 and 90 and lng between -180 and 180."))
    return round(lat, COORDINATE_DECIMALS), round(lng, COORDINATE_DECIMALS)


def coarsen_point(lat: float, lng: float, *, gazetteer: Gazetteer) -> CoarsePlace:
    """A coordinate: rounded, then reduced to its district, stored as the district's cell."""
    lat, lng = round_coordinate(lat, lng)
    centre = gazetteer.by_key(f"district:{gazetteer.nearest_district(lat, lng)}")
    if centre is None:
        raise PlaceNotFound(gettext("That point is too far from any place this network covers."))
    return _coarse_place(centre, gazetteer=gazetteer)


def coarsen_place(place: Place, *, gazetteer: Gazetteer) -> CoarsePlace:
    """A place already understood (and confirmed by the member): its district's cell."""
    return _coarse_place(place, gazetteer=gazetteer)


def _coarse_place(place: Place, *, gazetteer: Gazetteer) -> CoarsePlace:
    """The district's centroid cell (a place with no district keeps its own centroid)."""
    centre = gazetteer.by_key(f"district:{place.district}") if place.district else None
    anchor = centre or place
    return CoarsePlace(
        cell=h3.latlng_to_cell(anchor.lat, anchor.lng, STORAGE_RESOLUTION),
        district=centre.district if centre else "",
    )
