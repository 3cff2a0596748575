"""``POST /api/v1/reports``: the same report as the form, as JSON, for member apps and bots."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from server.deps import GazetteerDep, LimitsDep, SenderDep, SessionDep, SettingsDep
from server.i18n import gettext
from server.i18n.places import place_label
from server.intake.accept import accept_report
from server.networks.links import network_for_token

router = APIRouter(prefix="/api/v1", tags=["reports"])


class ReportIn(BaseModel):
    """A report. Send `place`, or `lat` and `lng` (rounded to about 1 km before any use)."""

    occurred_on: date = Field(
        description="The day it happened; not in the future, at most 30 days back"
    )
    time_of_day: Literal["night", "morning", "afternoon", "evening", "unknown"]
    place: str | None = Field(None, description="Postcode district, full postcode or place name")
    lat: float | None = None
    lng: float | None = None
    setting: Literal[
        "home",
        "workplace",
        "shop",
        "street",
        "transport",
        "health",
        "school",
        "council_office",
        "bank",
        "reporting_centre",
        "other",
    ]
    officers: Literal["1-2", "3-5", "6-10", "11+", "unknown"]
    vehicles: Literal["0", "1", "2-3", "4+", "unknown"]
    detained: Literal["none_seen", "1", "2-5", "6+", "unknown"]
    source: Literal["saw_it", "told_by_witness", "online"]
    note: str | None = Field(None, description="Sealed to the network's key; only if it has one")
    place_choice: str | None = Field(None, description="A `key` from an ambiguous-place error")


def _problem(status: int, errors: list[dict[str, object]]) -> JSONResponse:
    return JSONResponse({"detail": errors}, status_code=status)


@router.post(
    "/reports",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "content": {
                "application/json": {
                    "schema": ReportIn.model_json_schema(
                        ref_template="#/components/schemas/{model}"
                    )
                }
            },
            "required": True,
        }
    },
    responses={
        201: {"description": "Stored. The body holds no identifier."},
        401: {"description": "Missing or unknown member token"},
        422: {"description": "`detail` lists `{field, message}` for every bad field"},
        429: {"description": "Rate limit reached; nothing stored"},
    },
)
async def create_report(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    gazetteer: GazetteerDep,
    limits: LimitsDep,
    sender: SenderDep,
):
    """Submit a report with `Authorization: Bearer <member token>`."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    network = None
    if scheme.lower() == "bearer" and token:
        network = network_for_token(session=session, token=token.strip(), key=settings.key())
    if network is None:
        return JSONResponse(
            {"detail": gettext("Missing or unknown member token.")},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        raw = await request.json()
    except ValueError:
        raw = None
    if not isinstance(raw, dict):
        message = gettext("The body must be a JSON object.")
        return _problem(422, [{"field": "body", "message": message}])
    if not limits.allow(link_hash=network.link_hash, address=sender):
        return JSONResponse(
            {
                "detail": gettext(
                    "Too many reports from this link just now; nothing was stored. Try again later."
                )
            },
            status_code=429,
        )
    unknown = sorted(set(raw) - set(ReportIn.model_fields))
    if unknown:
        message = gettext("Unknown field.")
        return _problem(422, [{"field": name, "message": message} for name in unknown])
    outcome = accept_report(
        session=session, network=network, raw=raw, gazetteer=gazetteer, today=settings.today()
    )
    if outcome.errors:
        errors: list[dict[str, object]] = [
            {"field": name, "message": message} for name, message in outcome.errors.items()
        ]
        for error in errors:
            if error["field"] == "place" and outcome.place_choices:
                error["choices"] = [
                    {"key": p.key, "label": place_label(p.label)} for p in outcome.place_choices
                ]
        return _problem(422, errors)
    return JSONResponse({"status": "stored"}, status_code=201)
