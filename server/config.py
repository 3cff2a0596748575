"""Settings: one pydantic-settings class read from ``RAIDWATCH_*`` environment variables.

Outside development the app refuses to start with a default or missing secret key; in
development the key is generated once into the data folder so a fresh clone just works.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSECURE_KEYS = {"", "changeme", "change-me", "secret", "development"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAIDWATCH_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""
    secret_key: str = ""
    maps_dir: Path = PROJECT_ROOT / "maps"
    gazetteer: Path | None = None  # a CSV of name,lat,lng,postcodes; default: shipped UK tables

    # Publication policy (see README "Privacy settings").
    epsilon: float = Field(1.0, ge=0)
    trend_epsilon: float = Field(0.5, ge=0)  # extra weekly budget for national trend lines
    k: int = Field(10, ge=1)
    min_postcodes: int = Field(2000, ge=1)
    delay_days: int = Field(3, ge=0)
    retention_days: int = Field(30, ge=0)
    audit_retention_days: int = Field(365, ge=1)  # organiser audit entries expire after this
    publish_hour: int = Field(3, ge=0, le=23)

    # Abuse controls.
    rate_limit_per_link: int = Field(30, ge=0)  # reports per hour per member link; 0 disables
    burst_limit: int = Field(6, ge=0)  # submissions per minute per (hashed, daily-keyed) address
    rate_limit_storage: str = "memory://"  # or redis://host:6379 when running several replicas

    # Housekeeping (P2): pending reports are re-mixed this often, so their stored form keeps
    # arrival order only within one window; session expiries are rounded up to it.
    mix_window_minutes: int = Field(60, ge=1, le=1440)
    backup_public_key: str = ""  # base64 X25519 key `raidwatch backup` seals snapshots to

    timezone: str = "Europe/London"  # decides what "today" is for the date field and releases

    tile_url: str = ""  # a self-hosted tile server; empty = no tiles at all
    scheduler: bool = True
    session_idle_minutes: int = Field(30, ge=1)
    session_absolute_hours: int = Field(12, ge=1)
    login_attempts_per_username: int = Field(5, ge=1)  # failures per 15 minutes
    secure_cookies: bool | None = None  # default: on unless serving plain http on loopback

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.env == "production" and self.secret_key.strip().lower() in INSECURE_KEYS:
            raise ValueError(
                "RAIDWATCH_SECRET_KEY must be set to a long random value in production "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
            )
        if self.env == "production" and len(self.secret_key) < 32:
            raise ValueError("RAIDWATCH_SECRET_KEY must be at least 32 characters in production")
        return self

    def today(self) -> date:
        return datetime.now(ZoneInfo(self.timezone)).date()

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'raidwatch.sqlite3'}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def key(self) -> bytes:
        """The secret key, generated into the data folder on first use in development."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48))
        return path.read_text().strip().encode()


@lru_cache
def get_settings() -> Settings:
    return Settings()
