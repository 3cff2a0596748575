"""Login throttling that stores no address and cannot be turned against the account's owner.

Invariants:
- Every attempt is counted *before* its password is checked, by one atomic increment
  (in memory, or in Redis when ``RAIDWATCH_RATE_LIMIT_STORAGE`` shares it), so parallel
  guesses cannot all slip in before the first failure is recorded. A success clears the
  username's counter again, so only failures accumulate.
- Past a limit, the password is checked only after a valid second factor: an attacker
  without it gets no more password checks, and the owner (password + code) is still let in.
  There, each code buys one password check (`code_once`): else a throttled attacker who hit
  a valid TOTP code by guessing (the 401 instead of the 429 says so) would get unlimited
  password checks for the code's 90 seconds. Below the limit a code is taken by the
  login it opens, so a TOTP code logs in once (RFC 6238, 5.2), on every replica.
- At most ``concurrency`` password checks (argon2id, 64 MiB each) run at once.
- Counter keys are SHA-256 hashes of at most 64 characters of the username (no 900 kB
  keys) and HMACs of the address under the daily key of `intake.limits.DailyKey` (in
  memory, or shared through Redis with the counters so replicas agree); nothing is stored.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from limits import RateLimitItemPerHour, parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from server.intake.limits import DailyKey, hashed_address

USERNAME_KEY_CHARS = 64  # no username is longer; longer input shares the capped key
CODE_SECONDS = 120  # longer than a TOTP code is accepted (its step and either neighbour)


class PasswordChecksBusy(Exception):
    """No password-check slot came free in time."""


class LoginThrottle:
    def __init__(
        self,
        *,
        per_username: int,
        storage: str,
        per_address: int = 30,
        concurrency: int = 2,
        wait_seconds: float = 20.0,
    ) -> None:
        self._limiter = FixedWindowRateLimiter(storage_from_string(storage))
        self._per_username = parse(f"{per_username}/15 minutes")
        self._per_address = RateLimitItemPerHour(per_address) if per_address else None
        self._key = DailyKey(storage)
        self._checks = threading.BoundedSemaphore(concurrency)
        self._wait = wait_seconds

    def attempt(self, *, username: str, address: str) -> bool:
        """Count this attempt now; False when a limit is already exhausted."""
        within = self._limiter.hit(self._per_username, "login-user", account_key(username))
        if self._per_address is not None:
            sender = hashed_address(self._key, address)
            within = self._limiter.hit(self._per_address, "login-sender", sender) and within
        return within

    def code_once(self, *, username: str, code: str) -> bool:
        """True the first time this (valid) code comes for this username within its life."""
        digest = hashlib.sha256(code.encode("utf-8", "replace")).hexdigest()
        key = f"login-code/{account_key(username)}/{digest}"
        return self._limiter.storage.incr(key, CODE_SECONDS) == 1

    def succeeded(self, *, username: str) -> None:
        """The owner got in: their earlier failures stop counting against them."""
        self._limiter.clear(self._per_username, "login-user", account_key(username))

    @contextmanager
    def password_check(self) -> Iterator[None]:
        """Hold one of the few password-check slots (argon2id costs 64 MiB and ~0.1 s)."""
        if not self._checks.acquire(timeout=self._wait):
            raise PasswordChecksBusy()
        try:
            yield
        finally:
            self._checks.release()

    def reset(self) -> None:
        self._limiter.storage.reset()


def account_key(username: str) -> str:
    # The same normalisation as `accounts.authenticate`: " Alice " logs in as "alice", so it
    # must share alice's counter, or padding the name would buy unlimited guesses.
    name = username.strip().lower()[:USERNAME_KEY_CHARS]
    return hashlib.sha256(name.encode("utf-8", "replace")).hexdigest()
