"""Member pages: the report form, its confirmation step and its receipt. Plain HTML forms,
no JavaScript (P7).

Sending the form stores nothing: it shows what the answers (above all the place) were
understood as, with the answers carried in hidden fields and the same one-time form
token. Only "Send report" on that page stores the report and spends the token, so a
confirmation page sent twice still stores one report.

Every page speaks the member's language (server/i18n): chosen by the language links,
kept in the links and in the forms' hidden ``lang`` field, never in a cookie.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Protocol

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from server.config import Settings
from server.deps import (
    GazetteerDep,
    LimitsDep,
    LinkReaderDep,
    SenderDep,
    SessionDep,
    SettingsDep,
    WriterDep,
)
from server.i18n import choose_language, current_language, format_day, gettext, ngettext, speak
from server.i18n import lazy_gettext as _l
from server.intake import formtoken
from server.intake.accept import Outcome, accept_report
from server.intake.fields import (
    CHOICES,
    DAY_CHOICES,
    FIELDS,
    MAX_DAYS_BACK,
    MISSING,
    NOTE_MAX_CHARS,
    PLACE_MAX_CHARS,
    day_from_form,
    parse_day,
)
from server.intake.limits import pause_refusal
from server.networks.links import link_hash_of, network_for_token
from server.places.gazetteer import Place
from server.web.templating import templates

router = APIRouter(include_in_schema=False)
# Shown when the network's organisers have not written their own emergency text.
DEFAULT_EMERGENCY = _l(
    "If a raid is happening now, phone or message your network's organisers directly. "
    "If someone is hurt, call 999 for an ambulance."
)
KEPT = {*FIELDS, "day"}  # the answers carried back to the member (the day choice too)


class ShownNetwork(Protocol):
    """What the member pages show of the network a link belongs to (`networks.links`)."""

    @property
    def name(self) -> str: ...
    @property
    def emergency_text(self) -> str | None: ...
    @property
    def public_key(self) -> str | None: ...


def with_language(path: str) -> str:
    """A member link that keeps the language chosen (no cookie carries it)."""
    return f"{path}?lang={current_language().code}"


def _too_long() -> str:
    return gettext(
        "What you sent was much longer than a report can be, so it was not read and nothing "
        "was saved. Fill in the form again; a note can hold at most %(max)s characters.",
        max=NOTE_MAX_CHARS,
    )


def _cut_off(field: str, *, notes: bool) -> dict[str, str]:
    """The message for a form cut off at its cap, next to the field that was too long."""
    if field == "place":
        return {"place": gettext("That is too long for a place.") + " " + str(MISSING["place"])}
    return {"note" if field == "note" and notes else "report": _too_long()}


def not_found(request: Request) -> Response:
    return templates.TemplateResponse(
        request,
        "member/message.html",
        {
            "title": gettext("Page not found"),
            "lines": [
                gettext("This link does not work. It may have been changed by your network."),
                gettext("Ask your network for the current link."),
            ],
        },
        status_code=404,
    )


def too_large(request: Request) -> Response:
    """A 413 on a member path that no form page answered (see server/web/bodies.py)."""
    return templates.TemplateResponse(
        request,
        "member/message.html",
        {"title": gettext("Your report was too long"), "lines": [_too_long()]},
        status_code=413,
    )


def _day_choices(today: date) -> list[tuple[str, str, str]]:
    """(value, label, the day written out) for "Today", "Yesterday", "2 days ago"."""
    return [
        (value, str(label), format_day(today - timedelta(days=int(value))))
        for value, label in DAY_CHOICES.items()
        if value != "earlier"
    ]


def _error_targets(values: dict[str, str], place_choices: tuple[Place, ...]) -> dict[str, str]:
    """The input each error-summary link lands on; otherwise the one named like the field
    (a text box, or the first radio of a group)."""
    day = values.get("day")
    earlier = day == "earlier" or (not day and values.get("occurred_on"))
    return {
        "occurred_on": "occurred_on-date" if earlier else "occurred_on",
        "place": "place_choice" if place_choices else "place",
        "form_token": "send",
        "report": "send",
    }


def _form(
    request: Request,
    *,
    network: ShownNetwork,
    settings: Settings,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    place_choices: tuple[Place, ...] = (),
    choices_legend: str = "",
    refusal: list[str] | None = None,
    status_code: int = 200,
    form_token: str | None = None,
) -> Response:
    today = settings.today()
    values = values or {}
    return templates.TemplateResponse(
        request,
        "member/form.html",
        {
            "network_name": network.name,
            "emergency": network.emergency_text or str(DEFAULT_EMERGENCY),
            "action": with_language(request.url.path),
            "form_token": form_token or formtoken.issue(key=settings.key(), today=today),
            "choices": CHOICES,
            "day_choices": _day_choices(today),
            "earlier_label": str(DAY_CHOICES["earlier"]),
            "values": values,
            "errors": errors or {},
            "targets": _error_targets(values, place_choices),
            "place_choices": place_choices,
            "choices_legend": choices_legend or gettext("Which one did you mean?"),
            "refusal": refusal or [],
            "place_max": PLACE_MAX_CHARS,
            "notes_enabled": bool(network.public_key),
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
    return _form(request, network=network, settings=settings)


@router.post("/r/{token}")
async def submit_report(
    token: str,
    request: Request,
    settings: SettingsDep,
    gazetteer: GazetteerDep,
    limits: LimitsDep,
    sender: SenderDep,
    links: LinkReaderDep,
    writer: WriterDep,
) -> Response:
    """Accept a report from the member form."""
    digest = link_hash_of(token, key=settings.key())
    network = None if digest is None else await links.network(digest)
    if network is None:
        return not_found(request)
    form = await request.form()  # over its cap: only the fields that came whole within it
    raw = {name: value for name, value in form.items() if isinstance(value, str)}
    if raw.get("lang"):  # the form's own language wins over the browser's
        accept = request.headers.get("accept-language")
        speak(choose_language(explicit=raw["lang"], accept_language=accept))
    state = request.scope.get("state", {})
    if state.get("body_refused"):  # see server/web/bodies.py: nothing stored, answers kept
        return _form(
            request,
            network=network,
            settings=settings,
            values={k: v for k, v in raw.items() if k in KEPT},
            errors=_cut_off(
                str(state.get("body_refused_field", "")), notes=bool(network.public_key)
            ),
            status_code=413,
        )
    if raw.get("website"):
        return _refuse(
            request,
            422,
            gettext("This looks automatic"),
            [
                gettext(
                    "The hidden box at the end of the form must stay empty. "
                    "Go back, leave it empty and send again."
                )
            ],
            token,
        )
    values = {k: v for k, v in raw.items() if k in KEPT}
    confirming = raw.get("confirm") == "yes"
    # Only "Send report" counts: a look at what the place was understood as stores nothing.
    burst = limits.sender_wait(address=sender) if confirming else 0
    wait = burst or limits.link_wait(link_hash=network.link_hash)
    if wait:
        await pause_refusal()
        # Nothing is spent or stored: the same answers come back with a fresh form token.
        return _form(
            request,
            network=network,
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
            network=network,
            settings=settings,
            values=values,
            status_code=422,
            errors={
                "form_token": gettext(
                    "This form was opened on another day and has expired. "
                    "Check your answers and press \u201cNext: check the place\u201d again."
                )
            },
        )
    if raw.get("confirm") == "edit":  # understood afresh, so the other places are offered
        raw = {k: v for k, v in raw.items() if k != "place_choice"}
    raw["occurred_on"] = day_from_form(raw, today=today)
    outcome = accept_report(
        network=network, raw=raw, gazetteer=gazetteer, today=today, spent_token_hash=spent
    )
    if outcome.errors:
        legend = {
            "whole": gettext("Or choose a part:"),
            "near_miss": gettext("Did you mean?"),
        }.get(outcome.place_reason, "")
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
            choices_legend=gettext("Not the place you meant? Choose another:"),
            form_token=form_token,
        )
    if not confirming:
        day = parse_day(str(raw["occurred_on"]))
        return _confirm(
            request,
            values=values,
            outcome=outcome,
            form_token=form_token,
            day=format_day(day) if day else "",
        )
    if outcome.report is None:  # cannot happen without errors; never a receipt unstored
        raise RuntimeError("accepted without a report")
    stored = await writer.store(outcome.report)  # returns once its group has committed
    if stored.link_gone:  # rotated while the report waited: the old link is dead (P8)
        return not_found(request)
    if stored.stored:  # a duplicate is the same form sent twice: the first one stands
        limits.count_stored(link_hash=network.link_hash)
    return RedirectResponse(with_language(f"/r/{token}/received"), status_code=303)


def _confirm(
    request: Request,
    *,
    values: dict[str, str],
    outcome: Outcome,
    form_token: str,
    day: str,
) -> Response:
    """Is this right? The understood place and the answers, to send or to change."""
    place = outcome.understood
    return templates.TemplateResponse(
        request,
        "member/confirm.html",
        {
            "action": with_language(request.url.path),
            "form_token": form_token,
            "values": values,
            "day": day,
            "place": place,
            "place_key": place.key if place else "",
            "choices": CHOICES,
        },
    )


def _wait_lines(seconds: int, *, sender: bool) -> list[str]:
    minutes = max(1, math.ceil(seconds / 60))
    why = (
        gettext(
            "You sent several reports very quickly, so we are pausing for a moment to stop "
            "automatic floods."
        )
        if sender
        else gettext(
            "Many reports were sent through this link in the last hour, so it is paused "
            "for a while to stop floods of fake reports."
        )
    )
    again = ngettext(
        "Nothing was saved yet. Your answers are kept below: press \u201cNext: check the "
        "place\u201d again in about %(num)s minute.",
        "Nothing was saved yet. Your answers are kept below: press \u201cNext: check the "
        "place\u201d again in about %(num)s minutes.",
        minutes,
    )
    return [why, again]


@router.get("/r/{token}/received")
def receipt(token: str, request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    """The receipt page: what was kept and what was not."""
    network = network_for_token(session=session, token=token, key=settings.key())
    if network is None:
        return not_found(request)
    return templates.TemplateResponse(
        request,
        "member/received.html",
        {
            "again": with_language(f"/r/{token}"),
            "retention_days": settings.retention_days,
            "delay_days": settings.delay_days,
            "noisy": settings.epsilon > 0,
            "notes_enabled": bool(network.public_key),
        },
    )


def _refuse(request: Request, status: int, title: str, lines: list[str], token: str) -> Response:
    return templates.TemplateResponse(
        request,
        "member/message.html",
        {"title": title, "lines": lines, "again": with_language(f"/r/{token}")},
        status_code=status,
    )
