"""When the database is away: a calm 503 that asks to try again, never a 500 or a lost answer.

Invariant: an error reaching the database (refused or dropped connection, pool exhausted,
SQLite file that cannot be opened, locked past its busy timeout or on a failing disk),
raised before a response has started, is answered 503 with ``Retry-After``: a JSON error
for the API, for the member form the "try again in a minute" page that carries every
answer sent in hidden fields behind one button, a plain page for organisers. A 503 is never
an acknowledgement: the request's transaction did not commit (an error reaching the
database is raised before or by the commit), so the member or app sends again and nothing
acknowledged is lost. Only the exception's type is logged, as in `protocol.CrashGuard`.
"""

from __future__ import annotations

import logging
import sqlite3
from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse, Response
from sqlalchemy import exc as sa_exc
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.i18n import choose_language, speak
from server.web.headers import ORGANISER_PREFIXES
from server.web.templating import templates

log = logging.getLogger("raidwatch")
RETRY_AFTER_SECONDS = 60
MEMBER_PREFIX = "/r/"
# SQLite says "operational error" for a missing table too; only these mean "not reachable".
SQLITE_AWAY = (
    "unable to open database file",
    "database is locked",
    "disk I/O error",
    "database or disk is full",
    "attempt to write a readonly database",
)
API_MESSAGE = (
    "The database is unavailable for a moment, so nothing was stored. "
    "Send the same request again after Retry-After seconds."
)
ORGANISER_MESSAGE = (
    "The database is unavailable for a moment. Nothing was changed: try again in a minute."
)


def is_database_away(exc: BaseException) -> bool:
    """Whether `exc` says the database cannot be reached now (not that a query is wrong)."""
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    if not isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return False
    if isinstance(exc.orig, sqlite3.Error):
        reason = str(exc.orig)  # matched here, never logged
        return any(away in reason for away in SQLITE_AWAY)
    return True  # psycopg: OperationalError is a connection that failed or was lost


class DatabaseAway:
    """Innermost middleware: sees the body as the route read it, and the route's error."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        whole = False
        started = False

        async def recording() -> Message:
            nonlocal whole
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
                whole = not message.get("more_body", False)
            return message

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, recording, watch)
        except Exception as exc:
            if started or not is_database_away(exc):
                raise
            log.warning("database unavailable (%s): answered 503", type(exc).__name__)
            while scope["method"] == "POST" and not whole:  # the route had not read it all
                await recording()
            response = away_response(Request(scope), b"".join(chunks))
            response.headers["retry-after"] = str(RETRY_AFTER_SECONDS)
            await response(scope, receive, send)


def away_response(request: Request, body: bytes) -> Response:
    path = request.url.path
    if path.startswith(MEMBER_PREFIX):
        return _member_page(request, body)
    if path.startswith(ORGANISER_PREFIXES):
        from server.web.organiser.pages import organiser_error

        return organiser_error(request, 503, ORGANISER_MESSAGE)
    return JSONResponse({"detail": API_MESSAGE}, status_code=503)


def _member_page(request: Request, body: bytes) -> Response:
    """The member's answers go back to them whole, to send again with one button."""
    answers = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    sent = dict(answers)
    if sent.get("lang"):  # the form's own language wins, as in server/web/member.py
        accept = request.headers.get("accept-language")
        speak(choose_language(explicit=sent["lang"], accept_language=accept))
    query = f"?{request.url.query}" if request.url.query else ""
    return templates.TemplateResponse(
        request,
        "member/try_again.html",
        {
            "action": request.url.path + query,
            "posted": request.method == "POST",
            "fields": [(name, value) for name, value in answers if name != "confirm"],
            "confirm": sent.get("confirm", ""),
        },
        status_code=503,
    )
