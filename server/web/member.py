"""Member pages: the report form, its confirmation step and its receipt. Plain HTML forms,
no JavaScript (P7).

Sending the form stores nothing: it shows what the answers (above all the place) were
understood as, with the answers carried in hidden fields and the same one-time form
token. Only "Send report" on that page stores the report and spends the token, so a
confirmation page sent twice still stores one report.
"""

from __future__ import annotations

import math
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from server.config import Settings
from server.deps import GazetteerDep, LimitsDep, SenderDep, SessionDep, SettingsDep
from server.intake import formtoken
from server.intake.accept import Outcome, accept_report
from server.intake.fields import CHOICES, FIELDS, MAX_DAYS_BACK, NOTE_MAX_CHARS
from server.networks.links import network_for_token
from server.places.gazetteer import Place
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
    network_name: str,
    notes_enabled: bool,
    settings: Settings,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    place_choices: tuple[Place, ...] = (),
    choices_legend: str = "Which one did you mean?",
    refusal: list[str] | None = None,
    status_code: int = 200,
    form_token: str | None = None,
) -> Response:
    today = settings.today()
    return templates.TemplateResponse(
        request,
        "member/form.html",
        {
            "network_name": network_name,
            "action": request.url.path,
            "form_token": form_token or formtoken.issue(key=settings.key(), today=today),
            "choices": CHOICES,
            "values": values or {},
            "errors": errors or {},
            "place_choices": place_choices,
            "choices_legend": choices_legend,
            "refusal": refusal or [],
            "notes_enabled": notes_enabled,
            "note_max": NOTE_MAX_CHARS,
            "today": today.isoformat(),
            "min_day": (today - timedelta(days=MAX_DAYS_BACK)).isoformat(),
            "max_days": MAX_DAYS_BACK,
        },
        status_code=status_code,
    )


@router.get("/r/{token}")
def report_form(
    token: str, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """The member form."""
    network = network_for_token(session=session, token=token, key=settings.key())
    if network is None:
        return not_found(request)
    return _form(
        request,
        network_name=network.name,
        notes_enabled=bool(network.public_key),
        settings=settings,
    )


@router.post("/r/{token}")
async def submit_report(
    token: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    gazetteer: GazetteerDep,
    limits: LimitsDep,
    sender: SenderDep,
) -> Response:
    """Accept a report from the member form."""
    network = network_for_token(session=session, token=token, key=settings.key())
    if network is None:
        return not_found(request)
    if request.scope.get("state", {}).get("body_refused"):  # see server/web/bodies.py
        return _form(
            request,
            network_name=network.name,
            notes_enabled=bool(network.public_key),
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
    values = {k: v for k, v in raw.items() if k in FIELDS}
    confirming = raw.get("confirm") == "yes"
    # Only "Send report" counts: a look at what the place was understood as stores nothing.
    burst = limits.sender_wait(address=sender) if confirming else 0
    wait = burst or limits.link_wait(link_hash=network.link_hash)
    if wait:
        # Nothing is spent or stored: the same answers come back with a fresh form token.
        return _form(
            request,
            network_name=network.name,
            notes_enabled=bool(network.public_key),
            settings=settings,
            values=values,
            refusal=_wait_lines(wait, sender=bool(burst)),
            status_code=429,
        )
    today = settings.today()
    form_token = str(raw.get("form_token", ""))
    spent = formtoken.spend_hash(form_token, key=settings.key(), today=today)
    if spent is None:
        return _form(
            request,
            network_name=network.name,
            notes_enabled=bool(network.public_key),
            settings=settings,
            values=values,
            status_code=422,
            errors={
                "form_token": "This form was opened on another day and has expired. "
                "Check your answers and press \u201cNext: check the place\u201d again."
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
            network_name=network.name,
            notes_enabled=bool(network.public_key),
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
            network_name=network.name,
            notes_enabled=bool(network.public_key),
            settings=settings,
            values=values,
            place_choices=outcome.place_others,
            choices_legend="Not the place you meant? Choose another:",
            form_token=form_token,
        )
    if not confirming:
        return _confirm(request, values=values, outcome=outcome, form_token=form_token)
    if outcome.stored:
        limits.count_stored(link_hash=network.link_hash)
    return RedirectResponse(f"/r/{token}/received", status_code=303)


def _confirm(
    request: Request, *, values: dict[str, str], outcome: Outcome, form_token: str
) -> Response:
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


def _wait_lines(seconds: int, *, sender: bool) -> list[str]:
    minutes = max(1, math.ceil(seconds / 60))
    when = "about a minute" if minutes == 1 else f"about {minutes} minutes"
    why = (
        "You sent several reports very quickly, so we are pausing for a moment to stop "
        "automatic floods."
        if sender
        else "Many reports were sent through this link in the last hour, so it is paused "
        "for a while to stop floods of fake reports."
    )
    return [
        why,
        f"Nothing was saved yet. Your answers are kept below: press \u201cNext: check the "
        f"place\u201d again in {when}.",
    ]


@router.get("/r/{token}/received")
def receipt(token: str, request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The receipt page: what was kept and what was not."""
    if network_for_token(session=session, token=token, key=settings.key()) is None:
        return not_found(request)
    return templates.TemplateResponse(
        request,
        "member/received.html",
        {
            "again": f"/r/{token}",
            "retention_days": settings.retention_days,
            "delay_days": settings.delay_days,
            "noisy": settings.epsilon > 0,
        },
    )


def _refuse(request: Request, status: int, title: str, lines: list[str], token: str) -> Response:
    return templates.TemplateResponse(
        request,
        "member/message.html",
        {"title": title, "lines": lines, "again": f"/r/{token}"},
        status_code=status,
    )
