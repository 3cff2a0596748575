"""The organiser's second factor: TOTP (RFC 6238) and one-time recovery codes. Pure: no I/O.

Invariants: the TOTP secret is stored only sealed under a key derived from
``RAIDWATCH_SECRET_KEY`` (a copy of the database alone yields no secret); recovery codes
(80 random bits each) are stored only as HMACs under that key and work once; a code is
compared in constant time. The secret leaves the server once, at enrolment, as an
``otpauth://`` URI (printed by the CLI, or drawn as a QR code on the enrolment page).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

import pyotp
from nacl.exceptions import CryptoError
from nacl.secret import SecretBox

ISSUER = "raidwatch"
RECOVERY_CODES = 10
TOTP_DIGITS = 6
CODE_MAX_CHARS = 40  # a recovery code with its dashes and spaces fits many times


def _box(key: bytes) -> SecretBox:
    return SecretBox(hashlib.sha256(b"raidwatch second factor\x00" + key).digest())


def new_secret() -> str:
    return pyotp.random_base32(32)  # 160 bits, as RFC 4226 recommends


def seal_secret(secret: str, *, key: bytes) -> str:
    return base64.b64encode(_box(key).encrypt(secret.encode())).decode()


def open_secret(sealed: str, *, key: bytes) -> str | None:
    try:
        return _box(key).decrypt(base64.b64decode(sealed)).decode()
    except (CryptoError, ValueError):
        return None  # sealed under another key: the factor must be reset


def provisioning_uri(secret: str, *, username: str, issuer: str = ISSUER) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())[:CODE_MAX_CHARS]


def totp_matches(secret: str, code: str, *, now: float | None = None) -> bool:
    """The code of this 30-second step or of either neighbour (clock drift)."""
    code = normalise(code)
    if len(code) != TOTP_DIGITS or not code.isdigit():
        return False
    return pyotp.TOTP(secret).verify(
        code, for_time=time.time() if now is None else now, valid_window=1
    )


def new_recovery_codes() -> list[str]:
    """Ten codes of 80 random bits, written as four groups of four base32 letters."""
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = base64.b32encode(secrets.token_bytes(10)).decode()
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def recovery_hash(code: str, *, key: bytes) -> str:
    return hmac.new(key, b"recovery\x00" + normalise(code).encode(), hashlib.sha256).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    return len(normalise(code)) == 16
