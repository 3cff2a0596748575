"""The language of each request: from ``?lang=`` or ``Accept-Language`` (never a cookie).

Runs around every route and error handler, so any member page (the form, the receipt,
404 and limit pages) and the JSON API's messages speak the member's language. Organiser
pages stay English for now. A member form's hidden ``lang`` field is read by its route.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from server.i18n import ENGLISH, Language, choose_language, speaking
from server.web.headers import ORGANISER_PREFIXES


def _language(scope: Scope) -> Language:
    """The language a request asks for, by its link (``?lang=``) or its browser."""
    if scope["path"].startswith(ORGANISER_PREFIXES):
        return ENGLISH
    query = parse_qs(scope.get("query_string", b"").decode("latin-1")[:512])
    accept = next(
        (v.decode("latin-1") for k, v in scope["headers"] if k == b"accept-language"), None
    )
    return choose_language(explicit=(query.get("lang") or [None])[0], accept_language=accept)


class LanguageFromRequest:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with speaking(_language(scope)):
            await self.app(scope, receive, send)
