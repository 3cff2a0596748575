"""Organiser tables. Sessions carry expiry instants (organisers are not the people P2
protects, and a session must expire); every other row is dated by day at most."""

from __future__ import annotations

import uuid
from datetime import date

from sqlmodel import Field, SQLModel

from server.models.base import NO_ROWID


class Organiser(SQLModel, table=True):
    __tablename__ = "organisers"
    __table_args__ = NO_ROWID

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    password_hash: str = Field(max_length=256)
    is_admin: bool = False
    active: bool = True
    # The TOTP secret, sealed under a key derived from RAIDWATCH_SECRET_KEY; None until the
    # organiser enrols. Unconfirmed until a first code proves the app holds it.
    totp_secret: str | None = Field(default=None, max_length=200)
    totp_confirmed: bool = False


class RecoveryCode(SQLModel, table=True):
    """A one-time recovery code, as an HMAC only; deleted when used."""

    __tablename__ = "organiser_recovery_codes"
    __table_args__ = NO_ROWID

    code_hash: str = Field(primary_key=True, max_length=64)
    organiser_id: uuid.UUID = Field(foreign_key="organisers.id", index=True)


class OrganiserNetwork(SQLModel, table=True):
    """Which networks an (ordinary) organiser may see."""

    __tablename__ = "organiser_networks"
    __table_args__ = NO_ROWID

    organiser_id: uuid.UUID = Field(foreign_key="organisers.id", primary_key=True)
    network_id: uuid.UUID = Field(foreign_key="networks.id", primary_key=True)


class OrganiserSession(SQLModel, table=True):
    """Server-side session; the cookie holds a 128-bit id, the table only its hash."""

    __tablename__ = "organiser_sessions"
    __table_args__ = NO_ROWID

    id_hash: str = Field(primary_key=True, max_length=64)
    organiser_id: uuid.UUID = Field(foreign_key="organisers.id", index=True)
    csrf_token: str = Field(max_length=64)
    idle_expiry: int  # unix seconds
    absolute_expiry: int  # unix seconds


class AuditEntry(SQLModel, table=True):
    """Who did what, on which day (no finer time; random ids keep no order)."""

    __tablename__ = "audit_log"
    __table_args__ = NO_ROWID

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    day: date = Field(index=True)
    username: str = Field(max_length=64)
    action: str = Field(max_length=64)
    detail: str = Field(default="", max_length=300)
