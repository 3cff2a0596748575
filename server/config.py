"""Settings: one pydantic-settings class read from ``RAIDWATCH_*`` environment variables.

Outside development the app refuses to start with a default or missing secret key; in
development the key is generated once into the data folder so a fresh clone just works.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSECURE_KEYS = {"", "changeme", "change-me", "secret", "development"}
MAX_SAFE_EPSILON = 10.0  # a weekly total beyond this is noise in name only
# Development key files already read: path -> ((inode, mtime, size) when read, key).
_KEY_FILES: dict[Path, tuple[tuple[int, int, int], bytes]] = {}


@dataclass(frozen=True)
class PolicyFacts:
    """The publication policy as organisers are told it: numbers only, never the secret key."""

    epsilon: float
    k: int
    min_postcodes: int
    delay_days: int
    retention_days: int


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAIDWATCH_", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    data_dir: Path = PROJECT_ROOT / "var"
    database_url: str = ""
    secret_key: str = ""
    gazetteer: Path | None = None  # a CSV of name,lat,lng,postcodes; default: shipped UK tables

    # Publication policy (see README "Privacy settings").
    epsilon: float = Field(1.0, ge=0, allow_inf_nan=False)
    # Extra weekly budgets: national trend lines, and the late total (0 = none of either).
    trend_epsilon: float = Field(0.5, ge=0, allow_inf_nan=False)
    late_epsilon: float = Field(0.25, ge=0, allow_inf_nan=False)
    # Production refuses ε = 0 (no noise) or a weekly total above MAX_SAFE_EPSILON unless this
    # is set: an operator must say in so many words that they accept publishing near-exact counts.
    allow_unsafe_epsilon: bool = False
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
    # Per (hashed) client address, per hour; 0 = off. Only meaningful when the address is
    # the client's: no proxy, or a proxy listed in trusted_proxies that forwards it.
    login_attempts_per_address: int = Field(30, ge=0)
    login_concurrency: int = Field(2, ge=1)  # argon2id checks at once (64 MiB each)
    # Addresses (or CIDR ranges, comma-separated) whose X-Forwarded-For/-Proto are believed;
    # empty: forwarded headers are ignored from everyone.
    trusted_proxies: str = ""
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
        if self.env == "production" and not self.allow_unsafe_epsilon:
            if self.epsilon == 0:
                raise ValueError(
                    "RAIDWATCH_EPSILON=0 publishes exact counts (no noise). Refused in "
                    "production unless RAIDWATCH_ALLOW_UNSAFE_EPSILON=true is also set."
                )
            if self.weekly_epsilon > MAX_SAFE_EPSILON:
                raise ValueError(
                    f"A weekly privacy budget of {self.weekly_epsilon:g} (RAIDWATCH_EPSILON + "
                    f"RAIDWATCH_TREND_EPSILON + RAIDWATCH_LATE_EPSILON) above "
                    f"{MAX_SAFE_EPSILON:g} adds almost no noise. Refused in production unless "
                    "RAIDWATCH_ALLOW_UNSAFE_EPSILON=true is also set."
                )
        return self

    @property
    def weekly_epsilon(self) -> float:
        """Everything one weekly release spends: areas, trend lines, late total."""
        return self.epsilon + self.trend_epsilon + self.late_epsilon

    def today(self) -> date:
        return datetime.now(ZoneInfo(self.timezone)).date()

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'raidwatch.sqlite3'}"

    def policy_facts(self) -> PolicyFacts:
        return PolicyFacts(
            epsilon=self.epsilon,
            k=self.k,
            min_postcodes=self.min_postcodes,
            delay_days=self.delay_days,
            retention_days=self.retention_days,
        )

    def key(self) -> bytes:
        """The secret key, generated into the data folder on first use in development.

        Read from that file once per process, and again only if the file changes (a stat,
        not a read, on every call: requests ask for the key several times each)."""
        if self.secret_key:
            return self.secret_key.encode()
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            path.touch(mode=0o600)
            path.write_text(secrets.token_urlsafe(48))
        info = path.stat()
        seen = (info.st_ino, info.st_mtime_ns, info.st_size)
        cached = _KEY_FILES.get(path)
        if cached is None or cached[0] != seen:
            cached = _KEY_FILES[path] = (seen, path.read_text().strip().encode())
        return cached[1]


@lru_cache
def get_settings() -> Settings:
    return Settings()
