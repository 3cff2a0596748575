"""Accepting a report: validate every field, understand and coarsen the place, seal the
note; the result is a report ready to store, or errors and nothing to store.

Shared by the web form and the JSON API so both behave identically. Nothing from the
request other than the answers themselves reaches this module, and it does no I/O: the
routes hand the ready report to the process's group-commit writer
(server/intake/group_commit.py) and acknowledge it only once that has committed. The form
stores on the member's confirmation, with the place they confirmed; before that, the
outcome only says what the place was understood as.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from server.i18n import gettext
from server.intake.coarsen import (
    CoarsePlace,
    PlaceAmbiguous,
    PlaceNotFound,
    coarsen_place,
    coarsen_point,
)
from server.intake.fields import MISSING, PLACE_MAX_CHARS, in_field_order, validate_answers
from server.intake.store import NewReport, prepare_report
from server.intake.understand import (
    AMBIGUOUS,
    ONLY_ELSEWHERE,
    PlaceNearMiss,
    PlaceTooWide,
    Understood,
    home_of,
    understand_place,
)
from server.models import Network
from server.places.gazetteer import Gazetteer, Place


@dataclass
class Outcome:
    report: NewReport | None = None  # every answer valid: this is what to store
    errors: dict[str, str] = field(default_factory=dict)
    place_choices: tuple[Place, ...] = ()
    place_reason: str = ""  # ambiguous | whole | near_miss | unknown, with a place error
    understood: Place | None = None  # what the place was understood as (form or point)
    place_others: tuple[Place, ...] = ()  # other places of that name


def accept_report(
    *,
    network: Network,
    raw: Mapping[str, object],
    gazetteer: Gazetteer,
    today: date,
    spent_token_hash: str | None = None,
) -> Outcome:
    """Check `raw`; with every answer valid, `outcome.report` is the report to store."""
    answers, errors = validate_answers(raw, today=today, notes_enabled=bool(network.public_key))
    outcome = Outcome(errors=errors)
    place: CoarsePlace | None = None
    try:
        place = _coarse_point(raw, gazetteer=gazetteer)
        if place is not None:  # the API's lat+lng: the district is what it was understood as
            outcome.understood = gazetteer.by_key(f"district:{place.district}")
        elif understood := _understand(raw, gazetteer=gazetteer, network=network):
            outcome.understood, outcome.place_others = understood.place, understood.others
            place = coarsen_place(understood.place, gazetteer=gazetteer)
    except PlaceTooWide as wide:
        errors["place"], outcome.place_choices, outcome.place_reason = (
            wide.message,
            wide.choices,
            "whole",
        )
    except PlaceAmbiguous as ambiguous:
        question = ONLY_ELSEWHERE if len(ambiguous.choices) == 1 else AMBIGUOUS
        errors["place"], outcome.place_choices = str(question), ambiguous.choices
        outcome.place_reason = "ambiguous"
    except PlaceNearMiss as near:
        errors["place"], outcome.place_choices = str(near), near.choices
        outcome.place_reason = "near_miss"
    except PlaceNotFound as not_found:
        errors.setdefault("place", str(not_found))
        outcome.place_reason = "unknown"
    if place is None:  # an acknowledgement must mean a stored report: no place, no report
        errors.setdefault("place", str(MISSING["place"]))
    outcome.errors = in_field_order(errors)
    if errors or answers is None or place is None:
        return outcome
    outcome.report = prepare_report(
        network=network, answers=answers, place=place, spent_token_hash=spent_token_hash
    )
    return outcome


def _coarse_point(raw: Mapping[str, object], *, gazetteer: Gazetteer) -> CoarsePlace | None:
    lat, lng = raw.get("lat"), raw.get("lng")
    if lat is None and lng is None:
        return None
    if (
        isinstance(lat, bool)
        or isinstance(lng, bool)
        or not isinstance(lat, int | float)
        or not isinstance(lng, int | float)
    ):
        raise PlaceNotFound(gettext("Send both lat and lng as numbers, or send place instead."))
    try:
        point = float(lat), float(lng)
    except OverflowError:  # a 400-digit integer is a number, but no coordinate
        raise PlaceNotFound(
            gettext("lat must be between -90 and 90 and lng between -180 and 180.")
        ) from None
    return coarsen_point(*point, gazetteer=gazetteer)


def _understand(
    raw: Mapping[str, object], *, gazetteer: Gazetteer, network: Network
) -> Understood | None:
    place, choice = raw.get("place"), raw.get("place_choice")
    text = place.strip() if isinstance(place, str) else ""
    if not text or len(text) > PLACE_MAX_CHARS:
        return None  # the field validator already explained what is wrong
    return understand_place(
        text,
        gazetteer=gazetteer,
        home=home_of(network, gazetteer),
        choice=choice if isinstance(choice, str) else "",
    )
