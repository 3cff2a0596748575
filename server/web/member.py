"""Member pages: the report form and its receipt. Plain HTML forms, no JavaScript (P7).

Every page speaks the member's language (server/i18n): chosen by the language links,
kept in the links and in the form's hidden ``lang`` field, never in a cookie.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from server.deps import GazetteerDep, LimitsDep, SenderDep, SessionDep, SettingsDep
from server.i18n import choose_language, current_language, format_day, gettext, speak
from server.i18n import lazy_gettext as _l
from server.i18n.places import place_label
from server.intake import formtoken
from server.intake.accept import accept_report
from server.intake.fields import (
    CHOICES,
    DAY_CHOICES,
    MAX_DAYS_BACK,
    NOTE_MAX_CHARS,
    PLACE_MAX_CHARS,
    day_from_form,
)
from server.models import Network
from server.networks.links import network_for_token
from server.web.templating import templates

router = APIRouter(include_in_schema=False)

# Shown when the network's organisers have not written their own emergency text.
DEFAULT_EMERGENCY = _l(
    "If a raid is happening now, phone or message your network's organisers directly. "
    "If someone is hurt, call 999 for an ambulance."
)


def with_language(path: str) -> str:
    """A member link that keeps the language chosen (no cookie carries it)."""
    return f"{path}?lang={current_language().code}"


templates.env.filters["place_label"] = place_label


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


def _day_choices(settings) -> list[tuple[str, str, str]]:
    """(value, label, the day written out) for "Today", "Yesterday", "2 days ago"."""
    today = settings.today()
    return [
        (value, str(label), format_day(today - timedelta(days=int(value))))
        for value, label in DAY_CHOICES.items()
        if value != "earlier"
    ]


def _error_targets(values: dict[str, str], place_choices) -> dict[str, str]:
    """The input each error-summary link lands on; otherwise the one named like the field
    (a text box, or the first radio of a group)."""
    day = values.get("day")
    earlier = day == "earlier" or (not day and values.get("occurred_on"))
    return {
        "occurred_on": "occurred_on-date" if earlier else "occurred_on",
        "place": "place_choice" if place_choices else "place",
        "form_token": "send",
    }


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
    values = values or {}
    return templates.TemplateResponse(
        request,
        "member/form.html",
        {
            "network_name": network.name,
            "emergency": network.emergency_text or str(DEFAULT_EMERGENCY),
            "action": with_language(request.url.path),
            "form_token": formtoken.issue(key=settings.key(), today=today),
            "choices": CHOICES,
            "day_choices": _day_choices(settings),
            "earlier_label": str(DAY_CHOICES["earlier"]),
            "values": values,
            "errors": errors or {},
            "targets": _error_targets(values, place_choices),
            "place_choices": place_choices,
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
    form = await request.form()
    raw = {name: value for name, value in form.items() if isinstance(value, str)}
    if raw.get("lang"):
        speak(
            choose_language(
                explicit=raw["lang"], accept_language=request.headers.get("accept-language")
            )
        )
    network = network_for_token(session=session, token=token, key=settings.key())
    if network is None:
        return not_found(request)
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
    if not limits.allow(link_hash=network.link_hash, address=sender):
        return _refuse(
            request,
            429,
            gettext("Too many reports just now"),
            [
                gettext(
                    "This link has sent a lot of reports in a short time, so we are "
                    "pausing it to stop floods of fake reports."
                ),
                gettext("Please wait a few minutes and send again. Nothing was saved."),
            ],
            token,
        )
    today = settings.today()
    spent = formtoken.spend_hash(str(raw.get("form_token", "")), key=settings.key(), today=today)
    values = {
        k: v for k, v in raw.items() if k not in {"form_token", "website", "place_choice", "lang"}
    }
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
                    "Check your answers and press \u201cSend report\u201d again."
                )
            },
        )
    raw["occurred_on"] = day_from_form(raw, today=today)
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
    return RedirectResponse(with_language(f"/r/{token}/received"), status_code=303)


@router.get("/r/{token}/received")
def receipt(token: str, request: Request, session: SessionDep, settings: SettingsDep):
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
