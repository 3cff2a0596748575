"""Member pages: the report form and its receipt. Plain HTML forms, no JavaScript (P7)."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from server.deps import GazetteerDep, LimitsDep, SenderDep, SessionDep, SettingsDep
from server.intake import formtoken
from server.intake.accept import accept_report
from server.intake.fields import CHOICES, MAX_DAYS_BACK, NOTE_MAX_CHARS
from server.models import Network
from server.networks.links import network_for_token
from server.web.templating import templates

router = APIRouter(include_in_schema=False)
TOO_LONG = (
    "What you sent was much longer than a report can be, so it was not read and nothing "
    "was saved. Fill in the form again; a note can hold at most "
    f"{NOTE_MAX_CHARS} characters."
)


def not_found(request: Request) -> Response:
    return templates.TemplateResponse(
        request,
        "member/message.html",
        {
            "title": "Page not found",
            "lines": [
                "This link does not work. It may have been changed by your network.",
                "Ask your network for the current link.",
            ],
        },
        status_code=404,
    )


def too_large(request: Request) -> Response:
    """A body cut off at its cap while arriving (see server/web/bodies.py)."""
    return templates.TemplateResponse(
        request,
        "member/message.html",
        {"title": "Your report was too long", "lines": [TOO_LONG]},
        status_code=413,
    )


def _form(
    request: Request,
    *,
    network: Network,
    settings,
    values=None,
    errors=None,
    place_choices=(),
    status_code: int = 200,
) -> Response:
    today = settings.today()
    return templates.TemplateResponse(
        request,
        "member/form.html",
        {
            "network_name": network.name,
            "action": request.url.path,
            "form_token": formtoken.issue(key=settings.key(), today=today),
            "choices": CHOICES,
            "values": values or {},
            "errors": errors or {},
            "place_choices": place_choices,
            "notes_enabled": bool(network.public_key),
            "note_max": NOTE_MAX_CHARS,
            "today": today.isoformat(),
            "min_day": (today - timedelta(days=MAX_DAYS_BACK)).isoformat(),
            "max_days": MAX_DAYS_BACK,
        },
        status_code=status_code,
    )


@router.get("/r/{token}")
def report_form(token: str, request: Request, session: SessionDep, settings: SettingsDep):
    """The member form."""
    network = network_for_token(session=session, token=token, key=settings.key())
    if network is None:
        return not_found(request)
    return _form(request, network=network, settings=settings)


@router.post("/r/{token}")
async def submit_report(
    token: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    gazetteer: GazetteerDep,
    limits: LimitsDep,
    sender: SenderDep,
):
    """Accept a report from the member form."""
    network = network_for_token(session=session, token=token, key=settings.key())
    if network is None:
        return not_found(request)
    if request.scope.get("state", {}).get("body_refused"):  # see server/web/bodies.py
        return _form(
            request,
            network=network,
            settings=settings,
            errors={"report": TOO_LONG},
            status_code=413,
        )
    form = await request.form()
    raw = {name: value for name, value in form.items() if isinstance(value, str)}
    if raw.get("website"):
        return _refuse(
            request,
            422,
            "This looks automatic",
            [
                "The hidden box at the end of the form must stay empty. "
                "Go back, leave it empty and send again."
            ],
            token,
        )
    if not limits.allow(link_hash=network.link_hash, address=sender):
        return _refuse(
            request,
            429,
            "Too many reports just now",
            [
                "This link has sent a lot of reports in a short time, so we are "
                "pausing it to stop floods of fake reports.",
                "Please wait a few minutes and send again. Nothing was saved.",
            ],
            token,
        )
    today = settings.today()
    spent = formtoken.spend_hash(str(raw.get("form_token", "")), key=settings.key(), today=today)
    values = {k: v for k, v in raw.items() if k not in {"form_token", "website", "place_choice"}}
    if spent is None:
        return _form(
            request,
            network=network,
            settings=settings,
            values=values,
            status_code=422,
            errors={
                "form_token": "This form was opened on another day and has expired. "
                "Check your answers and press \u201cSend report\u201d again."
            },
        )
    outcome = accept_report(
        session=session,
        network=network,
        raw=raw,
        gazetteer=gazetteer,
        today=today,
        spent_token_hash=spent,
    )
    if outcome.errors:
        return _form(
            request,
            network=network,
            settings=settings,
            values=values,
            errors=outcome.errors,
            place_choices=outcome.place_choices,
            status_code=422,
        )
    return RedirectResponse(f"/r/{token}/received", status_code=303)


@router.get("/r/{token}/received")
def receipt(token: str, request: Request, session: SessionDep, settings: SettingsDep):
    """The receipt page: what was kept and what was not."""
    if network_for_token(session=session, token=token, key=settings.key()) is None:
        return not_found(request)
    return templates.TemplateResponse(
        request,
        "member/received.html",
        {"again": f"/r/{token}", "retention_days": settings.retention_days},
    )


def _refuse(request: Request, status: int, title: str, lines: list[str], token: str) -> Response:
    return templates.TemplateResponse(
        request,
        "member/message.html",
        {"title": title, "lines": lines, "again": f"/r/{token}"},
        status_code=status,
    )
