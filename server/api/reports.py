"""``POST /api/v1/reports``: the same report as the form, as JSON, for member apps and bots."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from server.deps import GazetteerDep, LimitsDep, SenderDep, SessionDep, SettingsDep
from server.intake.accept import accept_report
from server.networks.links import network_for_token
from server.vocabulary import Choice, Detained, Officers, Setting, Source, TimeOfDay, Vehicles

router = APIRouter(prefix="/api/v1", tags=["reports"])


def _one_of(choice: type[Choice]) -> Any:
    # The body is validated by `intake.fields` (as the form is); this model documents it.
    return Field(json_schema_extra={"enum": list(choice.labels())})


class ReportIn(BaseModel):
    """A report. Send `place`, or `lat` and `lng` (rounded to about 1 km before any use)."""

    occurred_on: date = Field(
        description="The day it happened; not in the future, at most 30 days back"
    )
    time_of_day: str = _one_of(TimeOfDay)
    place: str | None = Field(None, description="Postcode district, full postcode or place name")
    lat: float | None = None
    lng: float | None = None
    setting: str = _one_of(Setting)
    officers: str = _one_of(Officers)
    vehicles: str = _one_of(Vehicles)
    detained: str = _one_of(Detained)
    source: str = _one_of(Source)
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
        201: {
            "description": "Stored. The body holds no identifier, only `place`: what the "
            'place was understood as (e.g. "Dalston, Hackney (E8)").'
        },
        401: {"description": "Missing or unknown member token"},
        422: {
            "description": "`detail` lists `{field, message}` for every bad field; a place "
            "that needs a choice adds `reason` (ambiguous, whole, near_miss, unknown) and "
            "`choices` (`{key, label}`; send a key back as `place_choice`)"
        },
        429: {
            "description": "Rate limit reached; nothing stored. `Retry-After` says how many "
            "seconds to wait. Only stored reports count against a link's hourly allowance."
        },
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
            {"detail": "Missing or unknown member token."},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        raw = await request.json()
    except ValueError:
        return _problem(422, [{"field": "body", "message": "The body must be a JSON object."}])
    if not isinstance(raw, dict):
        return _problem(422, [{"field": "body", "message": "The body must be a JSON object."}])
    wait = limits.sender_wait(address=sender) or limits.link_wait(link_hash=network.link_hash)
    if wait:
        return JSONResponse(
            {
                "detail": "Too many reports just now; nothing was stored. Send it again "
                f"after {wait} seconds (Retry-After)."
            },
            status_code=429,
            headers={"Retry-After": str(wait)},
        )
    unknown = sorted(set(raw) - set(ReportIn.model_fields))
    if unknown:
        return _problem(422, [{"field": name, "message": "Unknown field."} for name in unknown])
    outcome = accept_report(
        session=session, network=network, raw=raw, gazetteer=gazetteer, today=settings.today()
    )
    if outcome.errors:
        errors: list[dict[str, object]] = [
            {"field": name, "message": message} for name, message in outcome.errors.items()
        ]
        for error in errors:
            if error["field"] == "place" and outcome.place_reason:
                # No silent guess: an ambiguous name, a whole city or a near miss is
                # answered with the places to choose from (send one back as place_choice).
                error["reason"] = outcome.place_reason
                error["choices"] = [{"key": p.key, "label": p.label} for p in outcome.place_choices]
        return _problem(422, errors)
    if outcome.stored:
        limits.count_stored(link_hash=network.link_hash)
    understood = outcome.understood.label if outcome.understood else ""
    return JSONResponse({"status": "stored", "place": understood}, status_code=201)
