"""An unhandled exception ends as a plain 500 and one log line naming its type (P1).

Invariant: no exception raised while serving a request leaves the application. Starlette's
outermost error middleware re-raises whatever reaches it so that the server can log it,
and uvicorn then prints the whole traceback, whose frames and messages can hold a report's
answers (an SQL error quotes its statement). This barrier sits inside the security
headers, catches everything, logs ``unhandled <Type>`` and sends the error page if no
response has started; the exception goes no further.
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("raidwatch")

ERROR_PAGE = (
    b"<!doctype html><title>Error</title><h1>Something went wrong</h1>"
    b"<p>Nothing was saved. Please try again.</p>"
)


class CrashBarrier:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:  # the point: nothing escapes to a logger with a traceback
            log.error("unhandled %s", type(exc).__name__)
            if not started:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [(b"content-type", b"text/html; charset=utf-8")],
                    }
                )
                await send({"type": "http.response.body", "body": ERROR_PAGE})
