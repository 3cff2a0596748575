"""Notices after a redirect: fixed codes mapped to fixed texts.

Invariant: a redirect carries only a code (`?message=key-on`) and, where a notice names
something, that thing's id (`&about=<uuid>`); the name is looked up among what the
organiser may see. No text from the URL ever reaches the official notice box, so a crafted
link cannot make the app say anything: an unknown code, or an id the organiser may not
see, shows nothing. Refusals that carry a specific reason are answered directly (the page
again, with status 422), not through a redirect.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlencode

from fastapi.responses import RedirectResponse

from server.vocabulary import Status

_REFLECTED = "The release of week {week} will reflect it."
NOTICES: Mapping[str, str] = {
    # Networks ({about}: the network's name)
    "link-unconfirmed": "{about}: tick the box to confirm; the link was not changed.",
    "key-on": "{about}: notes are now on.",
    "key-off": "{about}: notes are now off.",
    "rule-saved": "{about}: the counting rule is saved.",
    "emergency-own": "{about}: the member form now shows your emergency text.",
    "emergency-default": "{about}: the member form now shows the default emergency text.",
    "area-saved": "{about}: the home area is saved.",
    # Organisers ({about}: the organiser's username)
    "organiser-created": "Created {about}.",
    "organiser-enabled": "{about} is now enabled.",
    "organiser-disabled": "{about} is now disabled.",
    "factor-reset": "{about} sets up a new authenticator app at the next login.",
    # Your account
    "password-changed": "Your password was changed.",
    # Moderation
    **{f"marked-{status.value}": f"Marked as {status.value}. {_REFLECTED}" for status in Status},
    **{
        f"incident-{status.value}": f"{{n}} reports marked as {status.value}. {_REFLECTED}"
        for status in Status
    },
}


MAX_COUNT = 10_000
WEEK = re.compile(r"[0-9]{4}-W[0-9]{2}")


def notice(code: str, about: str | None = None, n: str = "", week: str = "") -> str:
    """The text for a code; empty for an unknown code, a missing name, a count that is not
    a plain number or a week that is not an ISO week."""
    text = NOTICES.get(code, "")
    if "{about}" in text:
        if not about:
            return ""
        text = text.replace("{about}", about)
    if "{n}" in text:
        if not (n.isascii() and n.isdigit() and 0 < int(n) <= MAX_COUNT):
            return ""
        text = text.replace("{n}", str(int(n)))
    if "{week}" in text:
        if not WEEK.fullmatch(week):
            return ""
        text = text.replace("{week}", week)
    return text


def redirect_with(
    to: str,
    code: str,
    *,
    about: object = None,
    n: int | None = None,
    week: str = "",
    query: str = "",
) -> RedirectResponse:
    """303 to `to` (with an already encoded `query`) carrying a notice code."""
    if code not in NOTICES:
        raise ValueError(f"unknown notice {code!r}")
    params = {"message": code}
    if about is not None:
        params["about"] = str(about)
    if n is not None:
        params["n"] = str(n)
    if week:
        params["of_week"] = week  # not "week": that filters the moderation page
    joined = f"{query}&" if query else ""
    return RedirectResponse(f"{to}?{joined}{urlencode(params)}", status_code=303)
