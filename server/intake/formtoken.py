"""One-time form tokens: the same form sent twice (back button, flaky network) stores one report.

A token is signed and names only the day it was issued, so it is valid for that day alone.
Spent tokens are remembered as keyed hashes with no time at all (P2); the table is emptied
when the day changes, which is safe because yesterday's tokens are already invalid.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date

from itsdangerous import BadSignature, URLSafeSerializer

SALT = "raidwatch-form-token"


def issue(*, key: bytes, today: date) -> str:
    return URLSafeSerializer(key, salt=SALT).dumps([secrets.token_urlsafe(16), today.isoformat()])


def spend_hash(token: str, *, key: bytes, today: date) -> str | None:
    """The hash to record for a valid token of today; None for a forged or stale one."""
    try:
        nonce, day = URLSafeSerializer(key, salt=SALT).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if day != today.isoformat():
        return None
    return hmac.new(key, b"form-token:" + str(nonce).encode(), hashlib.sha256).hexdigest()
