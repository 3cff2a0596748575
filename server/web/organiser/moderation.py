"""Organiser moderation pages: reports of weeks not yet released, coarse fields only."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse

from server.deps import SessionDep, SettingsDep
from server.intake.fields import CHOICES
from server.organising.moderation import (
    moderate,
    moderation_rows,
    offered_actions,
    status_counts,
)
from server.vocabulary import Status
from server.web.organiser.auth import CheckedOrganiser, CurrentOrganiser
from server.web.organiser.pages import is_htmx, page

router = APIRouter(prefix="/organise", include_in_schema=False)


@router.get("/reports")
def reports(
    request: Request,
    active: CurrentOrganiser,
    session: SessionDep,
    status: str = "",
    message: str = "",
):
    """Reports awaiting release, for moderation."""
    rows = moderation_rows(session=session, organiser=active.organiser)
    shown = [row for row in rows if not status or row.report.status == status]
    return page(
        request,
        "organiser/reports.html",
        active,
        nav="reports",
        block="table",
        rows=shown,
        counts=status_counts(rows),
        status=status,
        message=message,
        labels=CHOICES,
        statuses=Status.labels(),
        offered_actions=offered_actions,
    )


@router.post("/reports/{report_id}/{action}")
def act(
    request: Request,
    report_id: uuid.UUID,
    action: str,
    active: CheckedOrganiser,
    session: SessionDep,
    settings: SettingsDep,
    status: str = Form(""),
):
    """Reject, confirm, mark duplicate or reset one report."""
    try:
        message = moderate(
            session=session,
            organiser=active.organiser,
            report_id=report_id,
            action=action,
            today=settings.today(),
        )
    except LookupError:
        raise HTTPException(404) from None
    except ValueError as exc:
        message = str(exc)
    if is_htmx(request):
        return reports(request, active, session, status=status, message=message)
    query = urlencode({"status": status, "message": message} if status else {"message": message})
    return RedirectResponse(f"/organise/reports?{query}", status_code=303)
