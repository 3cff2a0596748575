"""P3: reduce any place to an H3 resolution-7 cell and a postcode district, immediately.

This is the only door a location passes through. Whatever the member typed (a full
postcode, a district, a town) or the API sent (a coordinate) comes out as two coarse
facts; nothing finer is returned, so nothing finer can be stored or logged downstream.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import h3

from server.i18n import gettext
from server.places.gazetteer import Gazetteer, Place, Resolution

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


def coarsen_place_text(text: str, *, gazetteer: Gazetteer, choice: str = "") -> CoarsePlace:
    """Resolve what a member typed (or the choice they picked) and coarsen it."""
    if choice:
        place = gazetteer.by_key(choice)
        if place is not None:
            return coarsen_point(place.lat, place.lng, gazetteer=gazetteer, district=place.district)
    resolution: Resolution = gazetteer.resolve(text)
    if resolution.place is not None:
        place = resolution.place
        return coarsen_point(place.lat, place.lng, gazetteer=gazetteer, district=place.district)
    if resolution.choices:
        raise PlaceAmbiguous(resolution.choices)
    raise PlaceNotFound(
        gettext(
            "We could not find that place. Try a postcode district like E8 or M14, "
            "a postcode like B11 1AA, or a town or borough like Hackney or Leeds."
        )
    )


def round_coordinate(lat: float, lng: float) -> tuple[float, float]:
    if (
        not (math.isfinite(lat) and math.isfinite(lng))
        or not (-90 <= lat <= 90)
        or not (-180 <= lng <= 180)
    ):
        raise PlaceNotFound(gettext("lat must be between -90 and 90 and lng between -180 and 180."))
    return round(lat, COORDINATE_DECIMALS), round(lng, COORDINATE_DECIMALS)


def coarsen_point(
    lat: float, lng: float, *, gazetteer: Gazetteer, district: str | None = None
) -> CoarsePlace:
    lat, lng = round_coordinate(lat, lng)
    if district is None:
        district = gazetteer.nearest_district(lat, lng)
        if not district:
            raise PlaceNotFound(
                gettext("That point is too far from any place this network covers.")
            )
    return CoarsePlace(cell=h3.latlng_to_cell(lat, lng, STORAGE_RESOLUTION), district=district)
