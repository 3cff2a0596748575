"""Member pages: the report form, its confirmation step and its receipt. Plain HTML forms,
no JavaScript (P7).

Sending the form stores nothing: it shows what the answers (above all the place) were
understood as, with the answers carried in hidden fields and the same one-time form
token. Only "Send report" on that page stores the report and spends the token, so a
confirmation page sent twice still stores one report.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from server.deps import GazetteerDep, LimitsDep, SenderDep, SessionDep, SettingsDep
from server.intake import formtoken
from server.intake.accept import accept_report
from server.intake.fields import CHOICES, FIELDS, MAX_DAYS_BACK, NOTE_MAX_CHARS
from server.models import Network
from server.networks.links import network_for_token
from server.web.templating import templates

router = APIRouter(include_in_schema=False)


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


def _form(
    request: Request,
    *,
    network: Network,
    settings,
    values=None,
    errors=None,
    place_choices=(),
    choices_legend: str = "Which one did you mean?",
    status_code: int = 200,
    form_token: str | None = None,
) -> Response:
    today = settings.today()
    return templates.TemplateResponse(
        request,
        "member/form.html",
        {
            "network_name": network.name,
            "action": request.url.path,
            "form_token": form_token or formtoken.issue(key=settings.key(), today=today),
            "choices": CHOICES,
            "values": values or {},
            "errors": errors or {},
            "place_choices": place_choices,
            "choices_legend": choices_legend,
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
    confirming = raw.get("confirm") == "yes"
    if confirming and not limits.allow(link_hash=network.link_hash, address=sender):
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
    form_token = str(raw.get("form_token", ""))
    spent = formtoken.spend_hash(form_token, key=settings.key(), today=today)
    values = {k: v for k, v in raw.items() if k in FIELDS}
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
    if raw.get("confirm") == "edit":  # understood afresh, so the other places are offered
        raw = {k: v for k, v in raw.items() if k != "place_choice"}
    outcome = accept_report(
        session=session,
        network=network,
        raw=raw,
        gazetteer=gazetteer,
        today=today,
        spent_token_hash=spent,
        store=confirming,
    )
    if outcome.errors:
        legend = {
            "whole": "Or choose a part:",
            "near_miss": "Did you mean?",
        }.get(outcome.place_reason, "Which one did you mean?")
        return _form(
            request,
            network=network,
            settings=settings,
            values=values,
            errors=outcome.errors,
            place_choices=outcome.place_choices,
            choices_legend=legend,
            status_code=422,
            form_token=form_token,
        )
    if raw.get("confirm") == "edit":  # "Change my answers": back to the form, nothing lost
        return _form(
            request,
            network=network,
            settings=settings,
            values=values,
            place_choices=outcome.place_others,
            choices_legend="Not the place you meant? Choose another:",
            form_token=form_token,
        )
    if not confirming:
        return _confirm(request, values=values, outcome=outcome, form_token=form_token)
    return RedirectResponse(f"/r/{token}/received", status_code=303)


def _confirm(request: Request, *, values: dict[str, str], outcome, form_token: str) -> Response:
    """Is this right? The understood place and the answers, to send or to change."""
    place = outcome.understood
    return templates.TemplateResponse(
        request,
        "member/confirm.html",
        {
            "action": request.url.path,
            "form_token": form_token,
            "values": values,
            "place": place,
            "place_key": place.key if place else "",
            "choices": CHOICES,
        },
    )


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
