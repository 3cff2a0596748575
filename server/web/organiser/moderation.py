"""Organiser moderation pages: incidents of the organiser's own networks in weeks that have
closed and are not yet released, coarse fields only; plain forms, POST-redirect-GET."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qsl

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import Response

from server.deps import CheckedOrganiser, CurrentOrganiser, SessionDep, SettingsDep
from server.intake.fields import CHOICES
from server.organising.logins import Active
from server.organising.moderation import (
    Filters,
    moderate,
    moderation_page,
    offered_actions,
)
from server.vocabulary import Status
from server.web.organiser.notices import notice, redirect_with
from server.web.organiser.pages import is_htmx, page

router = APIRouter(prefix="/organise", include_in_schema=False)


@router.get("/reports")
def reports(
    request: Request,
    active: CurrentOrganiser,
    session: SessionDep,
    settings: SettingsDep,
    message: str = "",
    n: str = "",
    of_week: str = "",
) -> Response:
    """Reports of closed, unreleased weeks, grouped by incident, for moderation."""
    filters = Filters.parse(**request.query_params)
    said = notice(message, n=n, week=of_week)
    return _render(request, active, session, settings, filters, said)


@router.post("/reports/{report_id}/{action}")
def act(
    request: Request,
    report_id: uuid.UUID,
    action: str,
    active: CheckedOrganiser,
    session: SessionDep,
    settings: SettingsDep,
    back: str = Form(""),
    status: str = Form(""),
) -> Response:
    """Reject, confirm, mark duplicate or reset one report."""
    return _apply(request, report_id, action, active, session, settings, back, status, False)


@router.post("/incidents/{report_id}/{action}")
def act_on_incident(
    request: Request,
    report_id: uuid.UUID,
    action: str,
    active: CheckedOrganiser,
    session: SessionDep,
    settings: SettingsDep,
    back: str = Form(""),
) -> Response:
    """Reject, confirm or reset every report (of your networks) of this report's incident."""
    return _apply(request, report_id, action, active, session, settings, back, "", True)


def _apply(
    request: Request,
    report_id: uuid.UUID,
    action: str,
    active: Active,
    session: SessionDep,
    settings: SettingsDep,
    back: str,
    status: str,
    whole_incident: bool,
) -> Response:
    filters = Filters.parse(**{**dict(parse_qsl(back)), **({"status": status} if status else {})})
    try:
        done = moderate(
            session=session,
            organiser=active.organiser,
            report_id=report_id,
            action=action,
            today=settings.today(),
            whole_incident=whole_incident,
        )
    except LookupError:
        raise HTTPException(404) from None
    except ValueError as exc:  # a refusal with its reason: said on the page, not in a URL
        refused = 200 if is_htmx(request) else 422  # htmx swaps only a 2xx answer in
        return _render(request, active, session, settings, filters, str(exc), refused)
    if is_htmx(request):
        return _render(request, active, session, settings, filters, done.message)
    if whole_incident and done.reports != 1:  # "3 reports marked as …": say how many
        return redirect_with(
            "/organise/reports",
            f"incident-{done.status.value}",
            n=done.reports,
            week=done.week,
            query=filters.query(),
        )
    return redirect_with(
        "/organise/reports", f"marked-{done.status.value}", week=done.week, query=filters.query()
    )


def _render(
    request: Request,
    active: Active,
    session: SessionDep,
    settings: SettingsDep,
    filters: Filters,
    message: str,
    status_code: int = 200,
) -> Response:
    view = moderation_page(
        session=session, organiser=active.organiser, today=settings.today(), filters=filters
    )
    return page(
        request,
        "organiser/reports.html",
        active,
        nav="reports",
        block="table",
        view=view,
        filters=filters,
        statuses=Status.labels(),
        offered_actions=offered_actions,
        message=message,
        labels=CHOICES,
        delay_days=settings.delay_days,
        mix_window_minutes=settings.mix_window_minutes,
        status_code=status_code,
    )
