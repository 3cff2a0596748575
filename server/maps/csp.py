"""The Content-Security-Policy a rendered map is served with (P7).

Invariant: the browser may run only the map's own inline scripts (admitted one by one by
their SHA-256) and files from this origin, and may fetch nothing but this origin's files
and, when configured, the self-hosted tile server's images. No XHR/fetch at all.
"""

from __future__ import annotations

import base64
import hashlib
import re
from urllib.parse import urlsplit


def _inline(tag: str) -> re.Pattern[str]:
    # Elements without a src= attribute; the body is hashed exactly as the browser sees it.
    return re.compile(
        rf"<{tag}\b(?![^>]*\bsrc\s*=)[^>]*>(.*?)</{tag}\s*>", re.IGNORECASE | re.DOTALL
    )


_SCRIPT, _STYLE = _inline("script"), _inline("style")


def _hashes(pattern: re.Pattern[str], html: str) -> list[str]:
    found = (hashlib.sha256(body.encode()).digest() for body in pattern.findall(html))
    return list(dict.fromkeys(f"'sha256-{base64.b64encode(d).decode()}'" for d in found))


def script_hashes(html: str) -> list[str]:
    """CSP source expressions for every inline <script> in `html`, in order, deduplicated."""
    return _hashes(_SCRIPT, html)


def style_hashes(html: str) -> list[str]:
    """CSP source expressions for every inline <style> block in `html`."""
    return _hashes(_STYLE, html)


def tile_origin(tile_url: str) -> str:
    """The origin to admit for images: '' for a same-origin path; `{s}` becomes `*`."""
    parts = urlsplit(tile_url.replace("{s}", "*"))
    if not parts.scheme or not parts.netloc:
        return ""
    if parts.scheme not in ("http", "https") or not re.fullmatch(r"[\w.*:-]+", parts.netloc):
        raise ValueError("tile_url must be an http(s) URL or a path on this site")
    return f"{parts.scheme}://{parts.netloc}"


def map_csp(html: str, tile_url: str = "") -> str:
    """The policy for one rendered map page."""
    scripts = " ".join(["'self'", *script_hashes(html)])
    # Leaflet positions everything through element.style, which CSP allows; the page's
    # own <style> blocks are admitted by hash, so no 'unsafe-inline' is needed.
    styles = " ".join(["'self'", *style_hashes(html)])
    images = " ".join(filter(None, ["'self'", "data:", tile_origin(tile_url)]))
    return "; ".join(
        [
            "default-src 'none'",
            f"script-src {scripts}",
            f"style-src {styles}",
            f"img-src {images}",
            "connect-src 'none'",
            "frame-ancestors 'self'",
            "base-uri 'none'",
            "object-src 'none'",
            "form-action 'none'",
        ]
    )
