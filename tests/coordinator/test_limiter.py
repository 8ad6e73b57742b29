"""The request budget on Redis: one sliding window per API key, whatever machine asks."""

from __future__ import annotations

import threading
import time
import warnings

import pytest

import otpkit
from otpkit._redis import Coordinator, RedisRequestLimiter
from otpkit._redis import _limiter as limiter_module
from tests.coordinator.conftest import RedisServer


def machine(url: str, key: str, per_minute: int) -> RedisRequestLimiter:
    # A coordinator of its own, as another machine would have.
    return RedisRequestLimiter(Coordinator(url), key, per_minute)


@pytest.fixture
def short_window(monkeypatch: pytest.MonkeyPatch) -> float:
    """One second instead of sixty (plus the margin): the window rolls over within a test."""
    monkeypatch.setattr(limiter_module, "WINDOW", 1.0)
    monkeypatch.setattr(limiter_module, "MARGIN", 0.25)
    return 1.25


def test_machines_share_one_window(coordinator_url: str, short_window: float) -> None:
    machines = [machine(coordinator_url, "key-shared", 4) for _ in range(2)]
    admitted: list[float] = []
    lock = threading.Lock()

    def work(limiter: RedisRequestLimiter) -> None:
        for _ in range(3):
            assert limiter.acquire(10)
            with lock:
                admitted.append(time.monotonic())

    threads = [threading.Thread(target=work, args=(m,)) for m in machines for _ in range(2)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    admitted.sort()
    assert len(admitted) == 12
    # No five admissions inside one window, whichever machine made them.
    spans = [admitted[i + 4] - admitted[i] for i in range(len(admitted) - 4)]
    assert min(spans) >= short_window - 0.05, spans
    assert admitted[-1] - started >= 2 * short_window - 0.1  # 12 requests, 4 per window


def test_keys_do_not_share_a_window(coordinator_url: str, short_window: float) -> None:
    busy, other = machine(coordinator_url, "key-a", 2), machine(coordinator_url, "key-b", 2)
    assert busy.acquire(1) and busy.acquire(1)
    started = time.monotonic()
    assert not busy.acquire(0.2)  # full: gives up at its timeout
    assert 0.15 < time.monotonic() - started < 1.0
    assert other.acquire(0.01)


def test_the_api_key_never_reaches_redis(
    coordinator_url: str, redis_server: RedisServer, short_window: float
) -> None:
    secret = "CANARY-limiter-8d1f2e"
    assert machine(coordinator_url, secret, 5).acquire(1)
    client = redis_server.client()
    keys = client.keys("*")
    assert keys and all(secret not in key for key in keys)
    assert all(secret not in str(client.zrange(key, 0, -1)) for key in keys)


def test_redis_going_away_lets_requests_through_with_a_warning(
    coordinator_url: str, redis_server: RedisServer
) -> None:
    limiter = machine(coordinator_url, "key-outage", 1)
    assert limiter.acquire(1)
    redis_server.kill()
    started = time.monotonic()
    # A poll or a cancel must not be lost to the coordinator: the provider's 429 is the net.
    with pytest.warns(otpkit.CoordinatorWarning, match="without the shared budget"):
        assert limiter.acquire(5)
    with warnings.catch_warnings(record=True) as later:
        warnings.simplefilter("always")
        assert limiter.acquire(5)
    assert not later  # warned once, not per request
    assert time.monotonic() - started < 5
