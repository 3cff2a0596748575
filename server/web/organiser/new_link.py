"""A new member link, held for one display between the POST that makes it and the GET
that shows it (POST-redirect-GET), so reloading the page never rotates the link again.

Invariant: the server stores only the link's HMAC (as before). The raw token rides in a
short-lived cookie sealed under a key derived from the secret key and bound to the
organiser's session and the network; the page that shows it deletes the cookie, so it is
shown once. A reload, another session or another network finds nothing to show.
"""

from __future__ import annotations

import hashlib
import json
import uuid

from fastapi import Request
from fastapi.responses import Response
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

from server.config import Settings
from server.organising.logins import Active
from server.web.organiser.auth import cookie_is_secure

HOLD_SECONDS = 300  # long enough to follow the redirect, short enough to lapse if it is not


def _box(settings: Settings) -> SecretBox:
    return SecretBox(hashlib.sha256(b"raidwatch new member link\x00" + settings.key()).digest())


def _name(request: Request, settings: Settings) -> str:
    return "__Host-rw_new_link" if cookie_is_secure(request, settings) else "rw_new_link"


def hold(
    response: Response,
    request: Request,
    settings: Settings,
    *,
    active: Active,
    network_id: uuid.UUID,
    token: str,
) -> None:
    """Seal the new token into a cookie for the next page of this session to show."""
    payload = {"session": active.record.id_hash, "network": str(network_id), "token": token}
    sealed = _box(settings).encrypt(json.dumps(payload).encode())
    response.set_cookie(
        _name(request, settings),
        sealed.hex(),
        max_age=HOLD_SECONDS,
        path="/",
        secure=cookie_is_secure(request, settings),
        httponly=True,
        samesite="strict",
    )


def take(
    request: Request, settings: Settings, *, active: Active, network_id: uuid.UUID
) -> str | None:
    """The held token, if it was made for this session and network; else None."""
    raw = request.cookies.get(_name(request, settings), "")
    try:
        payload = json.loads(_box(settings).decrypt(bytes.fromhex(raw)))
    except (ValueError, CryptoError):
        return None
    if payload.get("session") != active.record.id_hash:
        return None
    if payload.get("network") != str(network_id):
        return None
    token = payload.get("token")
    return token if isinstance(token, str) else None


def forget(response: Response, request: Request, settings: Settings) -> None:
    """Delete the held token: once shown, it is never shown again."""
    response.delete_cookie(
        _name(request, settings),
        path="/",
        secure=cookie_is_secure(request, settings),
        httponly=True,
        samesite="strict",
    )
