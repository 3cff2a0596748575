"""Security headers on every response (P7: nothing may load from another host).

The default policy allows no script at all; organiser pages that need htmx or a map
declare their own ``Content-Security-Policy`` and this middleware leaves it alone.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

STRICT_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)

# Organiser pages load htmx from this origin and frame the map pages served by it.
ORGANISER_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
ORGANISER_PREFIXES = ("/organise", "/login", "/logout")

BASE_HEADERS = {
    b"referrer-policy": b"no-referrer",
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"cross-origin-opener-policy": b"same-origin",
    b"cross-origin-resource-policy": b"same-origin",
    b"permissions-policy": b"camera=(), geolocation=(), microphone=(), interest-cohort=()",
    b"x-robots-tag": b"noindex, nofollow",
}


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        is_static = path.startswith(("/static/", "/maps-assets/", "/vendor/"))
        csp = ORGANISER_CSP if path.startswith(ORGANISER_PREFIXES) else STRICT_CSP

        async def add_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"server"]
                present = {k.lower() for k, _ in headers}
                for name, value in BASE_HEADERS.items():
                    if name not in present:
                        headers.append((name, value))
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", csp.encode()))
                if scope.get("scheme") == "https":  # only meaningful, and only honoured, on TLS
                    headers.append(
                        (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
                    )
                if b"cache-control" not in present:
                    headers.append(
                        (b"cache-control", b"public, max-age=3600" if is_static else b"no-store")
                    )
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, add_headers)
