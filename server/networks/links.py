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

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from server.models import Network

TOKEN_BYTES = 16  # 128 bits
# Built once: on every member request, building the query cost more than running it.
_BY_LINK_HASHES = select(Network).where(
    col(Network.link_hash).in_(bindparam("digests", expanding=True))
)


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


def link_hash_of(token: str, *, key: bytes) -> str | None:
    """The stored hash a token would have; None for a token of the wrong shape, which
    cannot be ours (no point hashing junk)."""
    if not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", token or ""):
        return None
    return hash_token(token, key=key)


def network_for_token(*, session: Session, token: str, key: bytes) -> Network | None:
    digest = link_hash_of(token, key=key)
    return None if digest is None else network_for_link_hash(session=session, digest=digest)


def network_for_link_hash(*, session: Session, digest: str) -> Network | None:
    return networks_for_link_hashes(session=session, digests={digest}).get(digest)


def networks_for_link_hashes(*, session: Session, digests: set[str]) -> dict[str, Network]:
    """The active networks with these link hashes, by hash (one query for many requests)."""
    found = session.scalars(_BY_LINK_HASHES, {"digests": list(digests)})
    return {network.link_hash: network for network in found if network.active}


def network_by_slug(*, session: Session, slug: str) -> Network | None:
    return session.exec(select(Network).where(Network.slug == slug)).first()
