"""Abuse limits that need no identity.

Per member link: a fixed hourly allowance of *stored* reports, keyed by the link's stored
hash. Only a report that was stored counts against it: a refused, invalid or repeated
submission costs nothing, so nobody holding a link can use refusals to count how many
reports others sent this hour, or silence the link with junk. (The check comes before the
store and the count after it, so submissions racing at the very edge can overshoot the
allowance by how many arrive at once.)

Per sender: a short burst limit on every submission, keyed by an HMAC of the client address
under a key that lives only in this process's memory and is replaced every day, so the key
cannot be recovered from anything stored and yesterday's keys are gone. It only ever tells
a sender about their own submissions.

Fixed windows keep a counter, not a list of times. State is in memory by default;
``redis://`` shares it between replicas (Redis here keeps nothing on disk).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import threading
import time
from datetime import UTC, datetime

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
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

    def sender_wait(self, *, address: str) -> int:
        """Count one submission from this sender: seconds to wait when over the burst limit
        (0 when it may go on)."""
        key = self.sender_key(address)
        if not self._burst or self._limiter.hit(self._burst, "burst", key):
            return 0
        return self._until_reset(self._burst, "burst", key)

    def link_wait(self, *, link_hash: str) -> int:
        """Seconds until this link may store another report (0: now). Counts nothing."""
        if not self._per_link or self._limiter.test(self._per_link, "link", link_hash):
            return 0
        return self._until_reset(self._per_link, "link", link_hash)

    def count_stored(self, *, link_hash: str) -> None:
        """A report was stored through this link: only this spends its allowance."""
        if self._per_link:
            self._limiter.hit(self._per_link, "link", link_hash)

    def _until_reset(self, item: RateLimitItem, *identifiers: str) -> int:
        reset = self._limiter.get_window_stats(item, *identifiers).reset_time
        return max(1, math.ceil(reset - time.time()))

    def reset(self) -> None:
        self._limiter.storage.reset()
