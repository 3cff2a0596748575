"""Abuse limits that need no identity.

Per member link: a fixed hourly allowance of *stored* reports, keyed by the link's stored
hash. Only a report that was stored counts against it: a refused, invalid or repeated
submission costs nothing, so nobody holding a link can use refusals to count how many
reports others sent this hour, or silence the link with junk. (The check comes before the
store and the count after it, so submissions racing at the very edge can overshoot the
allowance by how many arrive at once.)

Per sender: a short burst limit on every submission, keyed by an HMAC of the client address
under a random key that is replaced every (UTC) day and never written to disk, so the key
cannot be recovered from anything stored and yesterday's keys are gone. It only ever tells
a sender about their own submissions.

Fixed windows keep a counter, not a list of times. State is in memory by default;
``redis://`` shares it between replicas (Redis here keeps nothing on disk). Shared counters
need keys that agree, so with Redis the daily key is shared too: the first replica to need
it on a new day creates it with ``SET NX`` (expiring a day later), every other one reads
that same key, and each keeps it in memory until the day changes.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import math
import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

SHARED_KEY_PREFIX = "raidwatch:address-key:"  # + the UTC day; the value is 32 random bytes
SHARED_KEY_SECONDS = 2 * 24 * 3600  # outlives its day wherever a replica's clock is


class DailyKey:
    """A random key replaced when the UTC day changes: only in this process's memory, or,
    when `storage` is Redis, created once per day in Redis and shared by every replica."""

    def __init__(self, storage: str = "memory://") -> None:
        self._lock = threading.Lock()
        self._day = ""
        self._key = b""
        self._redis = _redis_client(storage)

    def current(self) -> bytes:
        today = datetime.now(UTC).date().isoformat()
        with self._lock:
            if today != self._day:
                self._day, self._key = today, self._new_key(today)
            return self._key

    def _new_key(self, day: str) -> bytes:
        fresh = secrets.token_bytes(32)
        if self._redis is None:
            return fresh
        name = SHARED_KEY_PREFIX + day
        self._redis.set(name, fresh, nx=True, ex=SHARED_KEY_SECONDS)  # the first one wins
        shared = self._redis.get(name)
        return bytes(shared) if shared else fresh


def _redis_client(storage: str) -> Any:
    """A Redis client for the storage URI of the counters, or None when they are in memory."""
    scheme = storage.split("://", 1)[0]
    if scheme == "memory":
        return None
    if scheme not in ("redis", "rediss", "redis+unix"):
        raise ValueError(
            "RAIDWATCH_RATE_LIMIT_STORAGE must be memory:// or redis://host:port (rediss://, "
            "redis+unix://path): the daily address key is shared through Redis"
        )
    import redis

    url = storage.replace("redis+unix://", "unix://", 1)
    return redis.Redis.from_url(url)


def hashed_address(key: DailyKey, address: str) -> str:
    return hmac.new(key.current(), address.encode(), hashlib.sha256).hexdigest()


class IntakeLimits:
    def __init__(self, *, per_link_per_hour: int, burst_per_minute: int, storage: str) -> None:
        self._limiter = FixedWindowRateLimiter(storage_from_string(storage))
        self._per_link = RateLimitItemPerHour(per_link_per_hour) if per_link_per_hour else None
        self._burst = RateLimitItemPerMinute(burst_per_minute) if burst_per_minute else None
        self._daily_key = DailyKey(storage)

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


# A refused report (over a limit) is answered after this pause, in seconds. The pause costs
# the server no work (one sleeping coroutine), and a client that sends again as soon as it
# is answered, as a flood does, is slowed to its connections / REFUSAL_PAUSE requests a
# second, so the one event loop stays free for members. bench/intake.py, 16 flooding
# connections on an idle machine: members' p99 during the flood 226–470 ms without the
# pause, 27–28 ms with it. A member over a limit waits 50 ms more for the answer.
REFUSAL_PAUSE = 0.05


async def pause_refusal() -> None:
    await asyncio.sleep(REFUSAL_PAUSE)
