"""The API's wire format: the request body's types and every response body, as documented
in ``/api/v1/openapi.json``.

Invariant: a value of the wrong JSON type is refused, never coerced (``"occurred_on":
20261129``, ``"place": false``, ``"note": {}`` are errors, not strings); unknown fields are
refused; a body that is not a JSON object, is nested too deeply, holds a number too large
for a float or a lone surrogate is refused with a message. What the values mean (which
choices exist, which days are allowed, where a place is) is checked by the same validator
the member form uses (``server.intake``).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import from_json

from server.i18n import lazy_gettext as _l
from server.intake.fields import CHOICES, NOTE_MAX_CHARS, PLACE_MAX_CHARS


def _choice(name: str, description: str) -> Any:
    return Field(description=description, json_schema_extra={"enum": list(CHOICES[name])})


class ReportIn(BaseModel):
    """A report. Send `place`, or `lat` and `lng` (rounded to about 1 km before any use)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    occurred_on: date = Field(
        description="The day it happened (YYYY-MM-DD); not in the future, at most 30 days back"
    )
    time_of_day: str = _choice("time_of_day", "A coarse time band")
    place: str | None = Field(
        None,
        min_length=1,
        max_length=PLACE_MAX_CHARS,
        description="Postcode district, full postcode or place name",
    )
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    lng: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    setting: str = _choice("setting", "Where it happened")
    officers: str = _choice("officers", "How many officers")
    vehicles: str = _choice("vehicles", "How many vehicles")
    detained: str = _choice("detained", "How many people were taken away")
    source: str = _choice("source", "How the reporter knows")
    note: str | None = Field(
        None,
        max_length=NOTE_MAX_CHARS,
        description="Sealed to the network's key; only if it has one",
    )
    place_choice: str | None = Field(
        None, max_length=120, description="A `key` from an ambiguous-place error"
    )


class Stored(BaseModel):
    status: str = Field(description='Always "stored": the report was stored, exactly once')
    place: str = Field(
        description='What the place was understood as, e.g. "Dalston, Hackney (E8)": show it '
        "to the member"
    )


class Message(BaseModel):
    detail: str


class PlaceChoice(BaseModel):
    key: str
    label: str


class FieldError(BaseModel):
    field: str = Field(description='A field name, or "body" for the body as a whole')
    message: str
    choices: list[PlaceChoice] | None = Field(
        None, description="For an ambiguous `place`: send one `key` back as `place_choice`"
    )
    reason: Literal["ambiguous", "whole", "near_miss", "unknown"] | None = Field(
        None, description="With a `place` error: why a choice or another place is needed"
    )


class Problems(BaseModel):
    detail: list[FieldError]


BODY_NOT_OBJECT = _l(
    "The body must be one JSON object (at most 16 KiB, nested at most a few levels)."
)
MESSAGES = {
    "string_type": _l("Send this as a JSON string."),
    "float_type": _l("Send this as a JSON number."),
    "finite_number": _l("Send this as an ordinary number."),
    "date_type": _l("Send the day as a string, year-month-day."),
    "extra_forbidden": _l("Unknown field."),
}
# Right type, wrong value: the shared validator explains these in the member form's words.
VALUE_ERRORS = {
    "string_too_long",
    "string_too_short",
    "greater_than_equal",
    "less_than_equal",
    "date_parsing",
    "date_from_datetime_parsing",
    "date_from_datetime_inexact",
}


def read_report(body: bytes) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The body as a dict of correctly typed values, and a message per badly typed field.

    ``(None, {"body": ...})`` when the body is not one JSON object at all. Missing fields
    are not reported here: the shared validator says what each missing answer needs.
    """
    try:
        raw = from_json(body)
    except ValueError:  # bad JSON, too deep, a lone surrogate: pydantic-core refuses them all
        return None, {"body": str(BODY_NOT_OBJECT)}
    if not isinstance(raw, dict):
        return None, {"body": str(BODY_NOT_OBJECT)}
    errors: dict[str, str] = {}
    try:
        ReportIn.model_validate_json(body)
    except ValidationError as exc:
        for error in exc.errors():
            if error["type"] == "missing" or error["type"] in VALUE_ERRORS or not error["loc"]:
                continue
            name = str(error["loc"][0])
            known = MESSAGES.get(error["type"])
            errors.setdefault(name, str(known) if known else error["msg"] + ".")
    typed = {name: value for name, value in raw.items() if name not in errors}
    return typed, errors
