"""The report's fields and their validation: pure, no I/O.

One validator serves the web form and the JSON API, so both accept exactly the same
values and say exactly the same thing about a mistake. Every message names what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from server.vocabulary import CHOICE_FIELDS

MAX_DAYS_BACK = 30
NOTE_MAX_CHARS = 1000
PLACE_MAX_CHARS = 80

# Each choice field: value -> label shown on the form (see `server.vocabulary`).
CHOICES: dict[str, dict[str, str]] = {
    name: choice.labels() for name, choice in CHOICE_FIELDS.items()
}

MISSING = {
    "occurred_on": "Choose the day the visit happened.",
    "time_of_day": "Choose a time of day, or \u201cI don't know\u201d.",
    "place": "Enter a postcode district (like E8), a postcode or a town or area name.",
    "setting": "Choose where it happened.",
    "officers": "Choose how many officers, or \u201cI don't know\u201d.",
    "vehicles": "Choose how many vehicles, or \u201cI don't know\u201d.",
    "detained": "Choose how many people were taken, or \u201cI don't know\u201d.",
    "source": "Choose how you know about it.",
}

FIELDS = (
    "occurred_on",
    "time_of_day",
    "place",
    "setting",
    "officers",
    "vehicles",
    "detained",
    "source",
    "note",
)


@dataclass(frozen=True)
class Answers:
    """Validated answers, before the place is resolved and coarsened."""

    occurred_on: date
    time_of_day: str
    place: str
    setting: str
    officers: str
    vehicles: str
    detained: str
    source: str
    note: str


def _encodable(text: str) -> bool:
    """False for text UTF-8 cannot carry (a lone surrogate from a JSON escape)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


def validate_answers(
    raw: Mapping[str, object], *, today: date, notes_enabled: bool
) -> tuple[Answers | None, dict[str, str]]:
    """Check every field; return the answers, or a message per bad field (never both)."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for name in FIELDS:
        value = raw.get(name)
        values[name] = "" if value is None else str(value).strip()
        if not _encodable(values[name]):
            errors[name] = "Remove the unusual characters from this answer and send again."

    day = None
    if not values["occurred_on"]:
        errors["occurred_on"] = MISSING["occurred_on"]
    else:
        day = parse_day(values["occurred_on"])
        if day is None:
            errors["occurred_on"] = (
                f"Enter the date as year-month-day, for example {today.isoformat()}."
            )
        elif day > today:
            errors["occurred_on"] = "This day is in the future. Choose the day it happened."
        elif day < today - timedelta(days=MAX_DAYS_BACK):
            errors["occurred_on"] = (
                f"Only visits from the last {MAX_DAYS_BACK} days can be reported "
                f"(on or after {(today - timedelta(days=MAX_DAYS_BACK)).isoformat()})."
            )

    for name, options in CHOICES.items():
        if not values[name]:
            errors[name] = MISSING[name]
        elif values[name] not in options:
            errors[name] = f"Choose one of the options given. {MISSING[name]}"

    if not values["place"] and raw.get("lat") is None and raw.get("lng") is None:
        errors["place"] = MISSING["place"]
    elif len(values["place"]) > PLACE_MAX_CHARS:
        errors["place"] = "That is too long for a place. " + MISSING["place"]

    if values["note"] and "note" not in errors:
        if not notes_enabled:
            errors["note"] = "This network does not accept notes. Leave the note empty."
        elif len(values["note"]) > NOTE_MAX_CHARS:
            errors["note"] = (
                f"Keep the note under {NOTE_MAX_CHARS} characters (it has {len(values['note'])})."
            )

    if errors or day is None:
        return None, errors
    return Answers(
        occurred_on=day,
        time_of_day=values["time_of_day"],
        place=values["place"],
        setting=values["setting"],
        officers=values["officers"],
        vehicles=values["vehicles"],
        detained=values["detained"],
        source=values["source"],
        note=values["note"],
    ), {}
