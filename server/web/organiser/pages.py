"""Rendering organiser pages: one helper adds who is logged in and the CSRF token, and
renders just a named block when htmx asks for a fragment."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from server.organising.logins import Active
from server.web.templating import templates


def is_htmx(request: Request) -> bool:
    # Going Back after an hx-push-url, htmx refetches the URL (HX-History-Restore-Request)
    # and swaps the answer in as the whole page: that request must get the whole page.
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def page(
    request: Request,
    template: str,
    active: Active,
    *,
    nav: str = "",
    block: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> Response:
    context.update(organiser=active.organiser, csrf_token=active.record.csrf_token, nav=nav)
    if block and is_htmx(request):
        return templates.TemplateResponse(
            request, template, context, block_name=block, status_code=status_code
        )
    return templates.TemplateResponse(request, template, context, status_code=status_code)


TITLES = {403: "Not allowed", 404: "Not found", 422: "Not understood"}


def organiser_error(request: Request, status_code: int, message: str) -> Response:
    """A plain page for a refused or missing organiser resource (never data)."""
    if message in {"", "Not Found", "Forbidden"}:
        message = {
            403: "Your account may not see this.",
            404: "There is nothing here, or it belongs to a network you do not look after.",
        }.get(status_code, "This request could not be handled.")
    return templates.TemplateResponse(
        request,
        "organiser/error.html",
        {"title": TITLES.get(status_code, "Error"), "message": message, "organiser": None},
        status_code=status_code,
    )
