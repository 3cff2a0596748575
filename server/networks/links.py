"""Member links (P8): 128-bit random tokens of which only a keyed hash is ever stored.

The raw token exists in exactly two places: the output of ``create``/``rotate`` (shown once to
the operator) and the URL the member opens. Rotating a link replaces the hash, so the old
token matches nothing from then on.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

from sqlmodel import Session, select

from server.models import Network

TOKEN_BYTES = 16  # 128 bits


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str, *, key: bytes) -> str:
    return hmac.new(key, b"member-link:" + token.encode(), hashlib.sha256).hexdigest()


def link_path(token: str) -> str:
    return f"/r/{token}"


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:48] or "network"


def create_network(*, session: Session, name: str, key: bytes) -> tuple[Network, str]:
    """Create a network; returns it with its raw token (shown once, never stored)."""
    base = slugify(name)
    slug, n = base, 2
    while session.exec(select(Network).where(Network.slug == slug)).first():
        slug, n = f"{base}-{n}", n + 1
    token = new_token()
    network = Network(slug=slug, name=name.strip()[:120], link_hash=hash_token(token, key=key))
    session.add(network)
    session.commit()
    session.refresh(network)
    return network, token


def rotate_link(*, session: Session, network: Network, key: bytes) -> str:
    token = new_token()
    network.link_hash = hash_token(token, key=key)
    session.add(network)
    session.commit()
    return token


def network_for_token(*, session: Session, token: str, key: bytes) -> Network | None:
    # A token of the wrong shape cannot be ours; skip the lookup rather than hash junk.
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", token or ""):
        return None
    digest = hash_token(token, key=key)
    network = session.exec(select(Network).where(Network.link_hash == digest)).first()
    if network is None or not network.active:
        return None
    return network


def network_by_slug(*, session: Session, slug: str) -> Network | None:
    return session.exec(select(Network).where(Network.slug == slug)).first()
