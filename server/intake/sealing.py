"""P6: the note is sealed to the network's public key at intake; the server cannot open it.

A libsodium sealed box is anonymous (no sender key) and needs only the recipient's
public key, so the server holds nothing that decrypts what it stores.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from nacl.public import PrivateKey, PublicKey, SealedBox


class BadKey(ValueError):
    pass


def parse_public_key(text: str) -> str:
    """Accept a base64 (or hex) X25519 public key; return it normalised to base64."""
    raw = _decode(text.strip())
    if raw is None or len(raw) != PublicKey.SIZE:
        raise BadKey("A public key is 32 bytes, written as base64 (44 characters) or hex.")
    return base64.b64encode(raw).decode()


def key_fingerprint(public_key: str) -> str:
    """A short, public fingerprint of a note key ("3f2a 9c1b 7d4e 0a55"): the first 64
    bits of the SHA-256 of its 32 bytes, so people can compare the key the server seals
    to with the one on their offline machine (`raidwatch network keygen` prints it too)."""
    digest = hashlib.sha256(base64.b64decode(public_key)).hexdigest()[:16]
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


def _decode(text: str) -> bytes | None:
    try:
        if len(text) == 64:
            return bytes.fromhex(text)
        return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        return None


def seal_note(note: str, *, public_key: str) -> bytes:
    return SealedBox(PublicKey(base64.b64decode(public_key))).encrypt(note.encode())


def private_key_bytes(text: str) -> bytes:
    """A base64 (or hex) X25519 private key as its 32 bytes."""
    raw = _decode(text.strip())
    if raw is None or len(raw) != PrivateKey.SIZE:
        raise BadKey("A private key is 32 bytes, written as base64 or hex.")
    return raw


def open_note(sealed: bytes, *, private_key: str) -> str:
    return SealedBox(PrivateKey(private_key_bytes(private_key))).decrypt(sealed).decode()


def new_keypair() -> tuple[str, str]:
    """(public, private) as base64, for `raidwatch network keygen`."""
    private = PrivateKey.generate()
    return (
        base64.b64encode(bytes(private.public_key)).decode(),
        base64.b64encode(bytes(private)).decode(),
    )
