"""``POST /api/v1/reports``: the same report as the form, as JSON, for member apps and bots.

Invariant: ``201 {"status": "stored"}`` means exactly one report was stored, durably (the
201 is sent after the commit of its group, see server/intake/group_commit.py); every other
answer stores nothing. Refusals come first and cost least: a link over its hourly limit is
answered from its hash, before the database is asked or the body read.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from server.api.schema import Message, Problems, ReportIn, Stored, read_report
from server.deps import (
    GazetteerDep,
    LimitsDep,
    LinkReaderDep,
    SenderDep,
    SettingsDep,
    WriterDep,
)
from server.i18n import gettext
from server.i18n.places import place_label
from server.intake.accept import accept_report
from server.intake.fields import validate_answers
from server.intake.limits import pause_refusal
from server.networks.links import link_hash_of

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
        503: {
            "model": Message,
            "description": "The database is away; nothing stored. `Retry-After` says when "
            "to try again.",
        },
    },
)
async def create_report(
    request: Request,
    credentials: Credentials,
    settings: SettingsDep,
    gazetteer: GazetteerDep,
    limits: LimitsDep,
    sender: SenderDep,
    links: LinkReaderDep,
    writer: WriterDep,
) -> JSONResponse:
    """Submit a report with `Authorization: Bearer <member token>`."""
    token = credentials.credentials.strip() if credentials else ""
    digest = link_hash_of(token, key=settings.key()) if len(token) <= TOKEN_MAX else None
    if digest is None:
        return _unknown_token()
    # A link over its hourly allowance is refused from its hash alone: no database, no body.
    # Only a link that stored reports can be over it (see server/intake/limits.py).
    if wait := limits.link_wait(link_hash=digest):
        await pause_refusal()
        return _too_many(wait)
    network = await links.network(digest)
    if network is None:
        return _unknown_token()
    raw, type_errors = read_report(await request.body())
    if raw is None:
        return _problem(type_errors)
    if wait := limits.sender_wait(address=sender):
        await pause_refusal()
        return _too_many(wait)
    if type_errors:  # name the other fields' mistakes too, but store nothing
        _, errors = validate_answers(
            raw, today=settings.today(), notes_enabled=bool(network.public_key)
        )
        return _problem({**errors, **type_errors})
    outcome = accept_report(network=network, raw=raw, gazetteer=gazetteer, today=settings.today())
    if outcome.errors or outcome.report is None:
        choices = [{"key": p.key, "label": place_label(p.label)} for p in outcome.place_choices]
        return _problem(
            outcome.errors or {"body": gettext("Nothing was stored.")},
            choices,
            outcome.place_reason,
        )
    stored = await writer.store(outcome.report)  # returns once its group has committed
    if stored.link_gone:  # rotated while the report waited: the old link is dead (P8)
        return _unknown_token()
    if not stored.stored:
        return _problem({"body": gettext("Nothing was stored.")})
    limits.count_stored(link_hash=network.link_hash)  # only stored reports use the allowance
    understood = place_label(outcome.understood.label) if outcome.understood else ""
    return JSONResponse({"status": "stored", "place": understood}, status_code=201)


def _too_many(wait: int) -> JSONResponse:
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


def _unknown_token() -> JSONResponse:
    return JSONResponse(
        {"detail": gettext("Missing or unknown member token.")},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )
