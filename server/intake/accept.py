"""Accepting a report: validate every field, coarsen the place, store; or store nothing.

Shared by the web form and the JSON API so both behave identically. Nothing from the
request other than the answers themselves reaches this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from server.i18n import gettext
from server.intake.coarsen import (
    CoarsePlace,
    PlaceAmbiguous,
    PlaceNotFound,
    coarsen_place_text,
    coarsen_point,
)
from server.intake.fields import PLACE_MAX_CHARS, in_field_order, validate_answers
from server.intake.store import create_report
from server.models import Network
from server.places.gazetteer import Gazetteer, Place


@dataclass
class Outcome:
    stored: bool = False
    duplicate: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    place_choices: tuple[Place, ...] = ()


def accept_report(
    *,
    session: Session,
    network: Network,
    raw: Mapping[str, object],
    gazetteer: Gazetteer,
    today: date,
    spent_token_hash: str | None = None,
) -> Outcome:
    answers, errors = validate_answers(raw, today=today, notes_enabled=bool(network.public_key))
    place: CoarsePlace | None = None
    choices: tuple[Place, ...] = ()
    try:
        place = _coarsen(raw, gazetteer=gazetteer)
    except PlaceAmbiguous as ambiguous:
        choices = ambiguous.choices
        errors["place"] = gettext(
            "Several places have that name. Choose one below, or type a postcode district."
        )
    except PlaceNotFound as not_found:
        errors.setdefault("place", str(not_found))
    if errors or answers is None or place is None:
        return Outcome(errors=in_field_order(errors), place_choices=choices)
    stored = create_report(
        session=session,
        network=network,
        answers=answers,
        place=place,
        spent_token_hash=spent_token_hash,
    )
    return Outcome(stored=not stored.duplicate, duplicate=stored.duplicate)


def _coarsen(raw: Mapping[str, object], *, gazetteer: Gazetteer) -> CoarsePlace | None:
    lat, lng = raw.get("lat"), raw.get("lng")
    if lat is not None or lng is not None:
        if (
            isinstance(lat, bool)
            or isinstance(lng, bool)
            or not isinstance(lat, int | float)
            or not isinstance(lng, int | float)
        ):
            raise PlaceNotFound(gettext("Send both lat and lng as numbers, or send place instead."))
        return coarsen_point(float(lat), float(lng), gazetteer=gazetteer)
    text = str(raw.get("place") or "").strip()
    if not text or len(text) > PLACE_MAX_CHARS:
        return None  # the field validator already explained what is wrong
    return coarsen_place_text(text, gazetteer=gazetteer, choice=str(raw.get("place_choice") or ""))
