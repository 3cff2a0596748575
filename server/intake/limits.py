"""Abuse limits that need no identity.

Per member link: a fixed hourly allowance keyed by the link's stored hash. Per sender: a short
burst limit keyed by an HMAC of the client address under a key that lives only in this
process's memory and is replaced every day, so the key cannot be recovered from anything
stored and yesterday's keys are gone. Fixed windows keep a counter, not a list of times.
State is in memory by default; ``redis://`` shares it between replicas (Redis here keeps
nothing on disk).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from datetime import UTC, datetime

from limits import RateLimitItemPerHour, RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter


class DailyKey:
    """A random key held only in memory and replaced when the UTC day changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._day = ""
        self._key = b""

    def current(self) -> bytes:
        today = datetime.now(UTC).date().isoformat()
        with self._lock:
            if today != self._day:
                self._day, self._key = today, secrets.token_bytes(32)
            return self._key


def hashed_address(key: DailyKey, address: str) -> str:
    return hmac.new(key.current(), address.encode(), hashlib.sha256).hexdigest()


class IntakeLimits:
    def __init__(self, *, per_link_per_hour: int, burst_per_minute: int, storage: str) -> None:
        self._limiter = FixedWindowRateLimiter(storage_from_string(storage))
        self._per_link = RateLimitItemPerHour(per_link_per_hour) if per_link_per_hour else None
        self._burst = RateLimitItemPerMinute(burst_per_minute) if burst_per_minute else None
        self._daily_key = DailyKey()

    def sender_key(self, address: str) -> str:
        return hashed_address(self._daily_key, address)

    def allow(self, *, link_hash: str, address: str) -> bool:
        """Count one submission; False when either limit is exhausted."""
        if self._burst and not self._limiter.hit(self._burst, "burst", self.sender_key(address)):
            return False
        return not (self._per_link and not self._limiter.hit(self._per_link, "link", link_hash))

    def reset(self) -> None:
        self._limiter.storage.reset()
