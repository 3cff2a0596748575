"""What the member's words were understood as: one place, or a question back to them.

No silent guess (issue 10): a name shared by several places, a whole city, or a near miss
comes back as a question with choices; only an unambiguous place (or one the member
picked) is understood, and the member sees its label before the report counts.
"""

from __future__ import annotations

from dataclasses import dataclass

from server.i18n import gettext
from server.i18n import lazy_gettext as _l
from server.intake.coarsen import PlaceAmbiguous, PlaceNotFound
from server.models import Network
from server.places.gazetteer import Gazetteer, HomeArea, Place

NOT_FOUND = _l(
    "We could not find that place. Try a postcode district like E8 or M14, "
    "a postcode like B11 1AA, or a town or area like Hackney or Moss Side."
)
NEAR_MISS = _l(
    "We could not find that place. Did you mean one of these? Choose one, or type it again."
)
AMBIGUOUS = _l("Several places have that name. Choose one below, or type a postcode district.")
# One choice comes back only when the network's home area holds no place of that name.
ONLY_ELSEWHERE = _l(
    "We found that name only outside your network's area. Is it the place below? "
    "Choose it, or type a postcode district."
)


class PlaceTooWide(PlaceAmbiguous):
    """A whole city or county: the member is asked which part."""

    def __init__(self, whole: Place, choices: tuple[Place, ...], example: str) -> None:
        super().__init__(choices)
        name = whole.label.split(",")[0].split(" (")[0]
        self.message = gettext(
            "Which part of %(name)s? Type the area or the postcode district, for example "
            "%(example)s.",
            name=name,
            example=example,
        )


class PlaceNearMiss(PlaceNotFound):
    def __init__(self, suggestions: tuple[Place, ...]) -> None:
        super().__init__(str(NEAR_MISS))
        self.choices = suggestions


@dataclass(frozen=True)
class Understood:
    place: Place
    others: tuple[Place, ...] = ()  # other places of that name, offered if the member says no


def home_of(network: Network, gazetteer: Gazetteer) -> HomeArea | None:
    """The network's home area; one no longer readable (a changed gazetteer) ranks nothing."""
    try:
        return gazetteer.home_area(network.home_area) if network.home_area else None
    except ValueError:
        return None


def understand_place(
    text: str, *, gazetteer: Gazetteer, home: HomeArea | None, choice: str = ""
) -> Understood:
    """The place meant, or PlaceAmbiguous / PlaceTooWide / PlaceNearMiss / PlaceNotFound."""
    if choice:
        picked = gazetteer.by_key(choice)
        if picked is not None:
            if picked.whole:
                parts = gazetteer.parts(picked, home)
                raise PlaceTooWide(picked, parts, gazetteer.example_part(picked, home))
            return Understood(place=picked)
    resolution = gazetteer.resolve(text, home)
    if resolution.place is not None:
        return Understood(place=resolution.place, others=resolution.others)
    if resolution.whole is not None:
        whole = resolution.whole
        raise PlaceTooWide(whole, resolution.choices, gazetteer.example_part(whole, home))
    if resolution.choices:
        raise PlaceAmbiguous(resolution.choices)
    if resolution.suggestions:
        raise PlaceNearMiss(resolution.suggestions)
    raise PlaceNotFound(str(NOT_FOUND))
