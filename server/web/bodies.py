"""Request bodies are small, or refused before they are read.

Invariant: no request body larger than its path's cap is ever read into memory or written
to disk. A declared ``Content-Length`` over the cap is answered 413 at once (the body is
never received); a chunked body is counted as it arrives and cut off at the cap. Nothing
the app serves takes a file upload, so ``multipart/form-data`` is refused everywhere (415):
the member form, the login form and the organiser forms are urlencoded, the API is JSON.

The member form is the exception to "answer at once": its refusal must be the calm form
page with the member's answers kept. Its body is read only up to the cap, never beyond:
when more would follow, the route gets the whole fields that arrived within the cap (the
field the cap cut through, and anything after it, are dropped), with
``scope["state"]["body_refused"]`` set and the cut field's name in
``scope["state"]["body_refused_field"]``; it renders the form with status 413, and the
connection closes after that answer so the rest of the body is never received.
"""

from __future__ import annotations

import json
from urllib.parse import unquote_plus

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


async def read_at_most(receive: Receive, cap: int) -> tuple[bytes, bool] | None:
    """At most `cap` bytes of the body, and whether more was on its way; None if the client
    went away. Never asks for another message once the cap is passed."""
    chunks, received = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        body = message.get("body", b"")
        if received + len(body) > cap:
            chunks.append(body[: cap - received])
            return b"".join(chunks), True
        chunks.append(body)
        received += len(body)
        if not message.get("more_body", False):
            return b"".join(chunks), False


def whole_fields(prefix: bytes) -> tuple[bytes, str]:
    """The urlencoded fields that arrived whole, and the name of the field cut through."""
    cut = prefix.rfind(b"&")
    kept, rest = (prefix[:cut], prefix[cut + 1 :]) if cut >= 0 else (b"", prefix)
    name = unquote_plus(rest.split(b"=", 1)[0][:64].decode("utf-8", "replace"))
    return kept, name


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
        if member:
            await self._member_form(scope, receive, send, cap)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > cap:
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
            if message["type"] == "http.response.start":
                started = True
                if received > cap:  # the rest of the body is never read: close instead
                    headers = [*message.get("headers", []), (b"connection", b"close")]
                    message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, counted, watch)
        except BodyTooLarge:
            if not started:
                await refuse(send, 413, TOO_LARGE, path)

    async def _member_form(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        """Read at most the cap; past it, hand the route the whole fields and close after."""
        read = await read_at_most(receive, cap)
        if read is None:
            return  # the member went away; nobody is left to answer
        body, more = read
        if more:
            body, field = whole_fields(body)
            state = scope.setdefault("state", {})
            state["body_refused"], state["body_refused_field"] = True, field
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            if more:  # the rest of the body is never read: the connection closes instead
                return {"type": "http.disconnect"}
            return await receive()

        async def closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"connection", b"close")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, replay, closing if more else send)
