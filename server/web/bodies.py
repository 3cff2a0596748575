"""Request bodies are small, or refused before they are read.

Invariant: no request body larger than its path's cap is ever read into memory or written
to disk. A declared ``Content-Length`` over the cap is answered 413 at once (the body is
never received); a chunked body is counted as it arrives and cut off at the cap. Nothing
the app serves takes a file upload, so ``multipart/form-data`` is refused everywhere (415):
the member form, the login form and the organiser forms are urlencoded, the API is JSON.

The member form is the exception to "answer at once": its refusal must be the calm form
page, which needs the network, so the request goes on to the route with an empty body and
``scope["state"]["body_refused"]`` set; the route renders the form with status 413.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.i18n import LazyText, gettext
from server.i18n import lazy_gettext as _l
from server.web.templating import templates

FORM_AND_API_CAP = 16 * 1024  # a member report with a 1,000-character note fits many times
LOGIN_CAP = 4 * 1024  # username, password, code and two tokens
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
MEMBER_PREFIX = "/r/"
TOO_LARGE = _l("The request is larger than this service accepts; nothing was read or stored.")
NOT_FORM = _l("Send forms as application/x-www-form-urlencoded and the API as JSON.")


def cap_for(path: str) -> int:
    return LOGIN_CAP if path == "/login" else FORM_AND_API_CAP


class BodyTooLarge(HTTPException):
    """A chunked body passed its cap while being received (answered by the app's handler)."""

    def __init__(self) -> None:
        super().__init__(413, str(TOO_LARGE))


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _content_type(scope: Scope) -> bytes:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return value.split(b";")[0].strip().lower()
    return b""


async def refuse(send: Send, status: int, detail: LazyText, path: str) -> None:
    """A short refusal: JSON under /api/, a plain page elsewhere; the connection closes.
    Said in the request's language (the language middleware runs outside this one)."""
    if path.startswith("/api/"):
        body, kind = json.dumps({"detail": str(detail)}).encode(), b"application/json"
    else:
        page = templates.get_template("errors/refusal.html")
        body = page.render(title=gettext("Refused"), detail=str(detail)).encode()
        kind = b"text/html; charset=utf-8"
    headers = [
        (b"content-type", kind),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),  # the unread body must not be taken for the next request
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _empty(_: Receive) -> Message:
    return {"type": "http.request", "body": b"", "more_body": False}


class BodyLimit:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        path, cap = scope["path"], cap_for(scope["path"])
        member = path.startswith(MEMBER_PREFIX)
        if _content_type(scope) == b"multipart/form-data":
            await refuse(send, 415, NOT_FORM, path)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > cap:
            if member:  # the route answers with the form page; it never sees the body
                scope.setdefault("state", {})["body_refused"] = True

                async def nothing() -> Message:
                    return await _empty(receive)

                await self.app(scope, nothing, send)
                return
            await refuse(send, 413, TOO_LARGE, path)
            return

        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise BodyTooLarge()
            return message

        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except BodyTooLarge:
            if not started:
                await refuse(send, 413, TOO_LARGE, path)
