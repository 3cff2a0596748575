"""A file sealed to an operator's public key: the server can write it, never read it.

Invariant: without the private key a sealed file reveals nothing but its length, and a
truncated, reordered or altered file does not open. Format: ``MAGIC``, a libsodium sealed
box (anonymous, to the X25519 public key) holding a fresh stream key, the secretstream
header, then chunks, each a 4-byte big-endian length and an XChaCha20-Poly1305 secretstream
message; the last one is tagged FINAL. The same keys as sealed notes
(`raidwatch network keygen`) work here.
"""

from __future__ import annotations

import base64
import struct
from typing import IO

from nacl import bindings as sodium
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox

from server.intake.sealing import parse_public_key, private_key_bytes

MAGIC = b"RWSEAL1\n"
CHUNK = 1 << 20
_LENGTH = struct.Struct(">I")
_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
_SEALED_KEY = sodium.crypto_secretstream_xchacha20poly1305_KEYBYTES + sodium.crypto_box_SEALBYTES
_HEADER = sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES


class NotSealedForThisKey(ValueError):
    """The file is not a sealed file, was altered or cut short, or needs another key."""


def seal_stream(source: IO[bytes], target: IO[bytes], *, public_key: str) -> None:
    recipient = PublicKey(base64.b64decode(parse_public_key(public_key)))
    key = sodium.crypto_secretstream_xchacha20poly1305_keygen()
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    header = sodium.crypto_secretstream_xchacha20poly1305_init_push(state, key)
    target.write(MAGIC + SealedBox(recipient).encrypt(key) + header)
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        tag = _MESSAGE if following else _FINAL
        message = sodium.crypto_secretstream_xchacha20poly1305_push(state, chunk, None, tag)
        target.write(_LENGTH.pack(len(message)) + message)
        if not following:
            return
        chunk = following


def open_stream(source: IO[bytes], target: IO[bytes], *, private_key: str) -> None:
    raw = private_key_bytes(private_key)
    if source.read(len(MAGIC)) != MAGIC:
        raise NotSealedForThisKey("not a raidwatch sealed file")
    try:
        key = SealedBox(PrivateKey(raw)).decrypt(source.read(_SEALED_KEY))
        state = sodium.crypto_secretstream_xchacha20poly1305_state()
        sodium.crypto_secretstream_xchacha20poly1305_init_pull(state, source.read(_HEADER), key)
        while True:
            length = source.read(_LENGTH.size)
            if len(length) != _LENGTH.size:
                raise NotSealedForThisKey("the sealed file is cut short")
            message, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(
                state, source.read(_LENGTH.unpack(length)[0]), None
            )
            target.write(message)
            if tag == _FINAL:
                if source.read(1):
                    raise NotSealedForThisKey("the sealed file has bytes after its end")
                return
    except (CryptoError, ValueError) as exc:
        if isinstance(exc, NotSealedForThisKey):
            raise
        raise NotSealedForThisKey("this file does not open with that key") from None
