"""Cross-site requests never change anything: every POST must come from this site.

Invariant: a state-changing request (any method but GET, HEAD, OPTIONS) that a browser
marks as coming from another site is refused with 403 before any route runs. Browsers say
where a request comes from in ``Sec-Fetch-Site`` (Chromium, Firefox and Tor Browser,
Safari 16.4+): only ``same-origin`` and ``none`` (typed or bookmarked) pass. Where it is
absent, ``Origin`` must name this host. Our pages send ``Referrer-Policy: no-referrer``,
which makes browsers send ``Origin: null`` on same-origin form posts, so ``null`` alone is
not evidence of another site; with neither header (curl, member apps, very old browsers)
the request passes, and the session's CSRF token and the login's pre-session cookie are
then what stop a forged form.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

from server.i18n import lazy_gettext as _l
from server.web.bodies import refuse

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
ALLOWED_FETCH_SITES = {b"same-origin", b"none"}
CROSS_SITE = _l("This request came from another site, so nothing was done.")


def _header(scope: Scope, wanted: bytes) -> bytes | None:
    for name, value in scope.get("headers", []):
        if name == wanted:
            return value
    return None


def same_site_request(scope: Scope) -> bool:
    """False when the browser says the request comes from another site."""
    fetch_site = _header(scope, b"sec-fetch-site")
    if fetch_site is not None:
        return fetch_site.strip().lower() in ALLOWED_FETCH_SITES
    origin = _header(scope, b"origin")
    if origin is None or origin.strip() == b"null":
        return True
    host = (_header(scope, b"host") or b"").decode("latin-1").strip().lower()
    try:
        claimed = urlsplit(origin.decode("latin-1").strip()).netloc.lower()
    except ValueError:
        return False
    return bool(host) and claimed == host


class SameOriginPosts:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] not in SAFE_METHODS
            and not same_site_request(scope)
        ):
            await refuse(send, 403, CROSS_SITE, scope["path"])
            return
        await self.app(scope, receive, send)
