"""HTTP details every response shares: HEAD where GET works, and a plain 500 that is sent
inside the security-header middleware like any other page.

Invariant: HEAD runs the GET handler (which never changes anything: a test crawls every GET)
and sends its status and headers without the body. An unhandled exception becomes a short
500 page in the request's language (the language middleware runs outside this guard);
only the exception's type is logged, never its message, traceback or arguments,
which could hold a report's answers.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.config import PROJECT_ROOT
from server.i18n import gettext
from server.web.templating import templates

log = logging.getLogger("raidwatch")

# Sent as it is if even the short page below cannot be drawn.
CRASH_PAGE = (PROJECT_ROOT / "templates" / "errors" / "crashed.html").read_bytes()


def crash_page() -> bytes:
    """ "Something went wrong. Nothing was saved.", in the request's language."""
    try:
        return (
            templates.get_template("errors/refusal.html")
            .render(
                title=gettext("Something went wrong"),
                detail=gettext("Nothing was saved. Please try again."),
            )
            .encode()
        )
    except Exception:  # the last line of defence must not fail itself
        return CRASH_PAGE


class HeadAsGet:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class CrashGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:  # the last line of defence: log the type only
            log.error("unhandled %s", type(exc).__name__)
            if started:
                return  # the response is half sent; the server closes the connection
            page = crash_page()
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"text/html; charset=utf-8"),
                        (b"content-length", str(len(page)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": page})
