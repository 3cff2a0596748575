"""The demo's organiser: an admin with a random password, printed once by `raidwatch demo`."""

from __future__ import annotations

import secrets

from sqlmodel import select

from server.config import Settings
from server.db import session_scope
from server.models import Organiser
from server.organising.accounts import create_organiser
from server.organising.audit import CLI


def demo_organiser(*, settings: Settings) -> tuple[str, str]:
    password = secrets.token_urlsafe(12)
    with session_scope(settings) as session:
        username, n = "demo-admin", 2
        while session.exec(select(Organiser).where(Organiser.username == username)).first():
            username, n = f"demo-admin-{n}", n + 1
        create_organiser(
            session=session,
            username=username,
            password=password,
            actor=CLI,
            day=settings.today(),
            is_admin=True,
        )
    return username, password
