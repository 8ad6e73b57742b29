"""The sliding-minute throttle: limit, headers, Retry-After, no side effect when refused."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

import otpkit.sandbox
from otpkit.sandbox import Sandbox
from otpkit.sandbox._throttle import SlidingWindow

TOO_MANY = {"message": "Too Many Attempts."}


@pytest.fixture(scope="module")
def throttled() -> Iterator[Sandbox]:
    # Its own sandbox: the clock is moved here and keyless windows are per client IP.
    with otpkit.sandbox.run(throttle=3) as sandbox:
        yield sandbox


@pytest.fixture
def client(throttled: Sandbox) -> Iterator[httpx.Client]:
    throttled.advance_clock(61)  # every window of earlier tests is over
    with httpx.Client(base_url=throttled.base_url, trust_env=False) as http:
        yield http


def test_limit_headers_and_retry_after(throttled: Sandbox, client: httpx.Client) -> None:
    key = throttled.new_api_key("jesusnumber")
    headers = {"X-API-Key": key}
    remaining = []
    for _ in range(3):
        response = client.get("/api/v1/balance", headers=headers)
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "3"
        remaining.append(response.headers["X-RateLimit-Remaining"])
    assert remaining == ["2", "1", "0"]
    refused = client.get("/api/v1/balance", headers=headers)
    assert refused.status_code == 429
    assert refused.json() == TOO_MANY
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    assert refused.headers["X-RateLimit-Limit"] == "3"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    # Another key has its own window.
    other = throttled.new_api_key("jesusnumber")
    assert client.get("/api/v1/balance", headers={"X-API-Key": other}).status_code == 200
    throttled.advance_clock(retry_after)
    assert client.get("/api/v1/balance", headers=headers).status_code == 200
    stats = throttled.stats()
    assert stats.throttled_by_key[key] == 1
    assert stats.by_key[key] == 5
    assert stats.by_status["429"] >= 1


def test_throttled_order_has_no_side_effect(throttled: Sandbox, client: httpx.Client) -> None:
    key = throttled.new_api_key("jesusnumber")
    headers = {"X-API-Key": key}
    for _ in range(3):
        client.get("/api/v1/balance", headers=headers)
    response = client.post("/api/v1/orders", json={"product_id": 12}, headers=headers)
    assert response.status_code == 429
    ledger = throttled.ledger(key)
    assert ledger.orders == [] and ledger.charged == 0 and ledger.balance == ledger.deposit


def test_sanalnumara_routes_are_throttled_by_key_and_ip(
    throttled: Sandbox, client: httpx.Client
) -> None:
    key = throttled.new_api_key("sanalnumara")
    statuses = [client.get(f"/api/{key}/getNumber/18").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert len(throttled.ledger(key).orders) == 3
    keyless = [client.get("/api/getCategories").status_code for _ in range(4)]
    assert keyless == [200, 200, 200, 429]
    assert throttled.stats().throttled_by_key["ip:127.0.0.1"] == 1


def test_control_routes_are_never_throttled(throttled: Sandbox, client: httpx.Client) -> None:
    for _ in range(10):
        throttled.stats()


def test_set_throttle_changes_and_disables(throttled: Sandbox, client: httpx.Client) -> None:
    key = throttled.new_api_key("jesusnumber")
    headers = {"X-API-Key": key}
    try:
        throttled.set_throttle(None)
        for _ in range(6):
            response = client.get("/api/v1/balance", headers=headers)
            assert response.status_code == 200
            assert "X-RateLimit-Limit" not in response.headers
        throttled.set_throttle(1)
        assert client.get("/api/v1/balance", headers=headers).status_code == 200
        assert client.get("/api/v1/balance", headers=headers).status_code == 429
    finally:
        throttled.set_throttle(3)


def test_window_slides() -> None:
    now = [0.0]
    window = SlidingWindow(2, lambda: now[0])
    assert window.hit("k").allowed
    now[0] = 30.0
    assert window.hit("k").allowed
    now[0] = 45.0
    refused = window.hit("k")
    assert not refused.allowed and refused.retry_after == 15
    now[0] = 60.0
    assert window.hit("k").allowed  # the first hit left the window
    refused = window.hit("k")
    assert refused.retry_after == 30
    now[0] = 89.5
    assert window.hit("k").retry_after == 1  # never 0
