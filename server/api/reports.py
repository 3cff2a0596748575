"""``POST /api/v1/reports``: the same report as the form, as JSON, for member apps and bots.

Invariant: ``201 {"status": "stored"}`` means exactly one report was stored; every other
answer stores nothing.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from server.api.schema import Message, Problems, ReportIn, Stored, read_report
from server.deps import GazetteerDep, LimitsDep, SenderDep, SessionDep, SettingsDep
from server.i18n import gettext
from server.i18n.places import place_label
from server.intake.accept import accept_report
from server.intake.fields import validate_answers
from server.networks.links import network_for_token

router = APIRouter(prefix="/api/v1", tags=["reports"])
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="memberToken",
    description="The member link's token: the part after `/r/` in the link.",
)
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
TOKEN_MAX = 64  # tokens are 22 characters; anything much longer is not one


def _problem(
    errors: dict[str, str], choices: list[dict[str, str]] | None = None, reason: str = ""
) -> JSONResponse:
    detail: list[dict[str, Any]] = []
    for name, message in errors.items():
        item: dict[str, Any] = {"field": name, "message": message}
        # No silent guess: an ambiguous name, a whole city or a near miss is answered with
        # the places to choose from (send one back as place_choice).
        if name == "place" and reason:
            item["reason"] = reason
        if name == "place" and choices:
            item["choices"] = choices
        detail.append(item)
    return JSONResponse({"detail": detail}, status_code=422)


@router.post(
    "/reports",
    status_code=201,
    response_model=Stored,
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
            "description": "Stored, exactly once. The body holds no identifier, only `place`: "
            'what the place was understood as (e.g. "Dalston, Hackney (E8)").'
        },
        401: {"model": Message, "description": "Missing or unknown member token"},
        403: {"model": Message, "description": "Sent by a page of another site"},
        413: {"model": Message, "description": "Body over 16 KiB; not read, nothing stored"},
        415: {"model": Message, "description": "Not JSON (multipart is never accepted)"},
        422: {
            "model": Problems,
            "description": "`detail` lists `{field, message}` for every bad field; a place "
            "that needs a choice adds `reason` (ambiguous, whole, near_miss, unknown) and "
            "`choices` (`{key, label}`; send a key back as `place_choice`)",
        },
        429: {
            "model": Message,
            "description": "Rate limit reached; nothing stored. `Retry-After` says how many "
            "seconds to wait. Only stored reports count against a link's hourly allowance.",
        },
    },
)
async def create_report(
    request: Request,
    credentials: Credentials,
    session: SessionDep,
    settings: SettingsDep,
    gazetteer: GazetteerDep,
    limits: LimitsDep,
    sender: SenderDep,
) -> JSONResponse:
    """Submit a report with `Authorization: Bearer <member token>`."""
    network = None
    token = credentials.credentials.strip() if credentials else ""
    if token and len(token) <= TOKEN_MAX:
        network = network_for_token(session=session, token=token, key=settings.key())
    if network is None:
        return JSONResponse(
            {"detail": gettext("Missing or unknown member token.")},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    raw, type_errors = read_report(await request.body())
    if raw is None:
        return _problem(type_errors)
    wait = limits.sender_wait(address=sender) or limits.link_wait(link_hash=network.link_hash)
    if wait:
        return JSONResponse(
            {
                "detail": gettext(
                    "Too many reports just now; nothing was stored. Send it again after "
                    "%(seconds)s seconds (Retry-After).",
                    seconds=wait,
                )
            },
            status_code=429,
            headers={"Retry-After": str(wait)},
        )
    if type_errors:  # name the other fields' mistakes too, but store nothing
        _, errors = validate_answers(
            raw, today=settings.today(), notes_enabled=bool(network.public_key)
        )
        return _problem({**errors, **type_errors})
    outcome = accept_report(
        session=session, network=network, raw=raw, gazetteer=gazetteer, today=settings.today()
    )
    if outcome.errors or not outcome.stored:
        choices = [{"key": p.key, "label": place_label(p.label)} for p in outcome.place_choices]
        return _problem(
            outcome.errors or {"body": gettext("Nothing was stored.")},
            choices,
            outcome.place_reason,
        )
    limits.count_stored(link_hash=network.link_hash)  # only stored reports use the allowance
    understood = place_label(outcome.understood.label) if outcome.understood else ""
    return JSONResponse({"status": "stored", "place": understood}, status_code=201)
