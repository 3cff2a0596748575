"""Counters shared by replicas agree on their keys: with Redis as the counters' storage, the
daily address key is created once per day in Redis (SET NX, with an expiry) and every
replica uses it, so an address is counted once however many replicas it reaches. Without
shared storage the key stays in this process's memory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import redis
from fastapi import FastAPI
from fastapi.testclient import TestClient

from server.app import create_app
from server.config import Settings
from server.intake.limits import SHARED_KEY_PREFIX, SHARED_KEY_SECONDS, DailyKey
from tests.factories import answers

STORAGE = "redis://127.0.0.1:6379/14"  # a database of its own: tests reset its counters


@pytest.fixture
def shared() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(STORAGE, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    client.flushdb()
    yield client
    client.flushdb()


def test_the_daily_key_is_created_once_in_redis_and_shared(shared):
    first, second = DailyKey(STORAGE), DailyKey(STORAGE)
    key = first.current()
    assert len(key) == 32 and second.current() == key
    name = SHARED_KEY_PREFIX + datetime.now(UTC).date().isoformat()
    assert shared.get(name) == key
    assert 0 < shared.ttl(name) <= SHARED_KEY_SECONDS
    assert shared.keys("raidwatch:*") == [name.encode()]


def test_without_shared_storage_each_process_keeps_its_own_key():
    assert DailyKey().current() != DailyKey().current()
    with pytest.raises(ValueError, match="memory:// or redis://"):
        DailyKey("memcached://127.0.0.1:11211")


def _replicas(settings: Settings, **limits: int) -> list[FastAPI]:
    shared_settings = settings.model_copy(update={"rate_limit_storage": STORAGE, **limits})
    return [create_app(shared_settings), create_app(shared_settings)]


def test_the_burst_limit_counts_an_address_once_across_replicas(shared, settings, network):
    _, token = network
    replicas = _replicas(settings, burst_limit=3, rate_limit_per_link=100)
    codes = []
    for n in range(6):
        with TestClient(replicas[n % 2], follow_redirects=False) as client:
            response = client.post(
                "/api/v1/reports", json=answers(), headers={"Authorization": f"Bearer {token}"}
            )
            codes.append(response.status_code)
    assert codes == [201, 201, 201, 429, 429, 429]


def test_the_login_throttle_counts_an_address_once_across_replicas(shared, settings):
    replicas = _replicas(settings, login_attempts_per_address=4)
    throttles = [app.state.login_throttle for app in replicas]
    admitted = [
        throttles[n % 2].attempt(username=f"user{n}", address="203.0.113.9") for n in range(8)
    ]
    assert admitted == [True] * 4 + [False] * 4
    # Another address has its own allowance on either replica.
    assert throttles[1].attempt(username="user9", address="203.0.113.10")


def test_past_the_login_limit_a_code_buys_one_password_check_across_replicas(shared, settings):
    first, second = (app.state.login_throttle for app in _replicas(settings))
    assert first.code_once(username="alice", code="123456")
    assert not second.code_once(username=" Alice ", code="123456")  # the same account
    assert second.code_once(username="alice", code="654321")  # another code
    assert second.code_once(username="bob", code="123456")  # another account
