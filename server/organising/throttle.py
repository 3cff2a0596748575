"""Login throttling that stores no address: counters in memory (or Redis), keyed by the
username and by an HMAC of the address under the daily in-memory key."""

from __future__ import annotations

from limits import RateLimitItemPerHour, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from server.intake.limits import DailyKey, hashed_address


class LoginThrottle:
    def __init__(self, *, per_username: int, storage: str) -> None:
        self._limiter = FixedWindowRateLimiter(storage_from_string(storage))
        self._per_username = parse(f"{per_username}/15 minutes")
        self._per_sender = RateLimitItemPerHour(30)
        self._key = DailyKey()

    def blocked(self, *, username: str, address: str) -> bool:
        sender = hashed_address(self._key, address)
        return not (
            self._limiter.test(self._per_username, "login-user", _account(username))
            and self._limiter.test(self._per_sender, "login-sender", sender)
        )

    def failed(self, *, username: str, address: str) -> None:
        self._limiter.hit(self._per_username, "login-user", _account(username))
        self._limiter.hit(self._per_sender, "login-sender", hashed_address(self._key, address))


def _account(username: str) -> str:
    # The same normalisation as `accounts.authenticate`: " Alice " logs in as "alice", so it
    # must share alice's counter, or padding the name would buy unlimited guesses.
    return username.strip().lower()
