"""The report's fields and their validation: pure, no I/O.

One validator serves the web form and the JSON API, so both accept exactly the same
values and say exactly the same thing about a mistake. Every message names what to do,
in the language of the current request (server/i18n).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from server.i18n import LazyText, format_day, gettext
from server.i18n import lazy_gettext as _l
from server.vocabulary import CHOICE_FIELDS

MAX_DAYS_BACK = 30
NOTE_MAX_CHARS = 1000
PLACE_MAX_CHARS = 80

# Each choice field: value -> label shown on the form (see `server.vocabulary`). Labels are
# English here; member pages translate them where they are shown.
CHOICES: dict[str, dict[str, str]] = {
    name: choice.labels() for name, choice in CHOICE_FIELDS.items()
}

MISSING = {
    "occurred_on": _l("Choose the day it happened. For an earlier day, enter the date."),
    "time_of_day": _l("Choose a time of day, or \u201cI don't know\u201d."),
    "place": _l("Enter a postcode district (like E8), a postcode, or a town or area name."),
    "setting": _l("Choose what kind of place it was."),
    "officers": _l("Choose how many officers, or \u201cI don't know\u201d."),
    "vehicles": _l("Choose how many vehicles, or \u201cI don't know\u201d."),
    "detained": _l("Choose how many people were taken, or \u201cI don't know\u201d."),
    "source": _l("Choose how you know about it."),
}
NOT_AN_OPTION = _l("Choose one of the options given.")

# The form asks for the day as a choice; the JSON API sends `occurred_on` directly.
DAY_CHOICES: dict[str, LazyText] = {
    "0": _l("Today"),
    "1": _l("Yesterday"),
    "2": _l("2 days ago"),
    "earlier": _l("Earlier"),
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


def day_from_form(raw: Mapping[str, object], *, today: date) -> str:
    """The form's day choice as the API's ``occurred_on`` text ("" when none was given).

    "Today", "Yesterday" and "2 days ago" name the day; "Earlier" (or no choice, with a
    date typed) takes the date field, which the validator then checks like the API's.
    """
    choice = str(raw.get("day") or "").strip()
    if choice in {"0", "1", "2"}:
        return (today - timedelta(days=int(choice))).isoformat()
    return str(raw.get("occurred_on") or "").strip()


def in_field_order(errors: Mapping[str, str]) -> dict[str, str]:
    """Errors in the order the fields appear on the form (the summary's order)."""
    order = {name: n for n, name in enumerate(("form_token", *FIELDS))}
    return dict(sorted(errors.items(), key=lambda item: order.get(item[0], len(order))))


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
            errors[name] = gettext("Remove the unusual characters from this answer and send again.")

    day = None
    earliest = today - timedelta(days=MAX_DAYS_BACK)
    if not values["occurred_on"]:
        errors["occurred_on"] = str(MISSING["occurred_on"])
    elif "occurred_on" not in errors:
        day = parse_day(values["occurred_on"])
        if day is None:
            errors["occurred_on"] = gettext(
                "Enter the date as year-month-day, for example %(example)s.",
                example=today.isoformat(),
            )
        elif day > today:
            errors["occurred_on"] = gettext(
                "This day is in the future. Choose the day it happened."
            )
        elif day < earliest:
            # TRANSLATORS: days is always 30.
            errors["occurred_on"] = gettext(
                "Only visits from the last %(days)s days can be reported (on or after %(day)s).",
                days=MAX_DAYS_BACK,
                day=format_day(earliest),
            )

    for name, options in CHOICES.items():
        if not values[name]:
            errors[name] = str(MISSING[name])
        elif values[name] not in options:
            errors[name] = f"{NOT_AN_OPTION} {MISSING[name]}"

    if not values["place"] and raw.get("lat") is None and raw.get("lng") is None:
        errors["place"] = str(MISSING["place"])
    elif len(values["place"]) > PLACE_MAX_CHARS:
        errors["place"] = gettext("That is too long for a place.") + " " + str(MISSING["place"])

    if values["note"] and "note" not in errors:
        if not notes_enabled:
            errors["note"] = gettext("This network does not accept notes. Leave the note empty.")
        elif len(values["note"]) > NOTE_MAX_CHARS:
            errors["note"] = gettext(
                "Keep the note under %(max)s characters (now: %(count)s).",
                max=NOTE_MAX_CHARS,
                count=len(values["note"]),
            )

    if errors or day is None:
        return None, in_field_order(errors)
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
