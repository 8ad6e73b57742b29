"""The control API and the ``Sandbox`` handle: keys, ledgers, stats, attach, reset."""

from __future__ import annotations

import time
from decimal import Decimal

import httpx
import pytest
from starlette.requests import Request

import otpkit.sandbox
from otpkit import ConfigurationError
from otpkit.sandbox import DEMO_KEYS, Sandbox, SandboxError, attach
from otpkit.sandbox._control import _is_loopback
from tests.sandbox.helpers import JN, SN


def test_demo_keys_are_stable(sandbox: Sandbox) -> None:
    assert sandbox.api_key("jesusnumber") == "jn_demo_key_0001" == DEMO_KEYS["jesusnumber"]
    assert sandbox.api_key("sanalnumara") == "sn_demo_key_0001"
    with pytest.raises(ConfigurationError):
        sandbox.api_key("other")  # type: ignore[arg-type]


def test_new_api_key_balances(sandbox: Sandbox, http: httpx.Client) -> None:
    default = sandbox.new_api_key("jesusnumber")
    assert default.startswith("jn_") and default != sandbox.new_api_key("jesusnumber")
    assert sandbox.ledger(default).balance == Decimal("50.00")
    rich = sandbox.new_api_key("jesusnumber", balance=Decimal("1234.5"))
    data = http.get("/api/v1/balance", headers={"X-API-Key": rich}).json()["data"]
    assert data["balance"] == 1234.5 and data["deposit"] == 1234.5
    turkish = sandbox.new_api_key("sanalnumara", balance="12.75")
    assert http.get(f"/api/{turkish}/getBalance").json() == {"balance": 12.75}
    assert sandbox.ledger(sandbox.new_api_key("sanalnumara")).balance == 100
    with pytest.raises(ConfigurationError):
        sandbox.new_api_key("jesusnumber", balance=-1)


def test_ledger_of_a_busy_account(jn: JN, sandbox: Sandbox) -> None:
    received, rejected, pending = jn.rent(), jn.rent(14), jn.rent(60)
    sandbox.deliver(received["id"], provider="jesusnumber")
    jn.post("/orders/reject", order_id=rejected["id"])
    ledger = sandbox.ledger(jn.key)
    assert ledger.provider == "jesusnumber" and ledger.api_key == jn.key
    assert ledger.deposit == Decimal("50.00")
    assert ledger.charged == Decimal("12.95")
    assert ledger.refunded == Decimal("0.45")
    assert ledger.spent == Decimal("12.50")
    assert ledger.balance == Decimal("37.50")
    assert ledger.held == Decimal("12.00")
    assert ledger.open_rentals == 1
    assert ledger.orders_by_status == {"pending": 1, "received": 1, "cancelled": 1}
    assert (ledger.double_charges, ledger.double_refunds) == (0, 0)
    by_id = {o.order_id: o for o in ledger.orders}
    assert by_id[str(pending["id"])].status == "pending"
    assert by_id[str(rejected["id"])].refunded == Decimal("0.45")
    assert by_id[str(rejected["id"])].provider_status == "rejected"
    assert by_id[str(received["id"])].messages == 1
    assert by_id[str(received["id"])].number == "+" + received["number"]
    assert ledger.balance + ledger.held + (ledger.spent - ledger.held) == ledger.deposit


def test_ledger_of_unknown_key(sandbox: Sandbox) -> None:
    with pytest.raises(SandboxError, match="no such API key"):
        sandbox.ledger("nobody")


def test_stats_count_per_key_and_endpoint(jn: JN, sn: SN, sandbox: Sandbox) -> None:
    before = sandbox.stats()
    jn.get("/balance")
    jn.get("/balance")
    sn.get("/getBalance")
    sandbox.stats()  # control routes do not count
    after = sandbox.stats()
    assert after.requests == before.requests + 3
    assert after.by_key[jn.key] == 2 and after.by_key[sn.key] == 1
    assert (
        after.by_endpoint["jesusnumber.balance"]
        == before.by_endpoint.get("jesusnumber.balance", 0) + 2
    )
    assert after.by_status["200"] >= 3


def test_attach_from_a_second_client(jn: JN, sandbox: Sandbox) -> None:
    order = jn.rent()
    with attach(sandbox.base_url) as other:
        assert other.base_url == sandbox.base_url
        other.deliver(order["id"], provider="jesusnumber", code="424242")
        assert other.ledger(jn.key).orders[0].status == "received"
        key = other.new_api_key("sanalnumara")
    assert sandbox.ledger(key).provider == "sanalnumara"
    assert jn.get(f"/orders/{order['id']}/sms").json()["data"]["messages"][0]["code"] == "424242"


def test_attach_to_nothing() -> None:
    with pytest.raises(SandboxError, match="unreachable"):
        attach("http://127.0.0.1:9", timeout=1)


def test_stock_control(sandbox: Sandbox, sn: SN, http: httpx.Client) -> None:
    sandbox.set_stock("sanalnumara", "19", 0)
    assert http.get("/api/getServiceDetails/19").json()["stock"] == 0
    assert sn.get("/getNumber/19").json()["message"] == "Stokta numara yok"
    sandbox.set_stock("sanalnumara", 19, 50)
    assert sn.get("/getNumber/19").json()["success"] is True
    with pytest.raises(SandboxError):
        sandbox.set_stock("jesusnumber", 999, 1)


def test_clock(sandbox: Sandbox) -> None:
    before = sandbox.now()
    after = sandbox.advance_clock(3600)
    assert 3600 <= (after - before).total_seconds() < 3605
    with pytest.raises(ConfigurationError):
        sandbox.advance_clock(-1)


def test_clock_running_fast(sandbox: Sandbox) -> None:
    before = sandbox.now()
    real = time.monotonic()
    with sandbox.clock_running_fast(step=60, every=0.05):
        time.sleep(0.5)
    moved = (sandbox.now() - before).total_seconds()
    elapsed = time.monotonic() - real
    assert moved >= 60 * 5  # at least five of the ticks
    assert moved <= elapsed + 60 * (elapsed / 0.05 + 1) + 1  # no tick after the block
    after = sandbox.now()
    time.sleep(0.2)
    assert (sandbox.now() - after).total_seconds() <= 1  # back to real time (whole seconds)


def test_reset_restores_the_start() -> None:
    with otpkit.sandbox.run(throttle=5) as sandbox, httpx.Client(base_url=sandbox.base_url) as http:
        key = sandbox.api_key("jesusnumber")
        extra = sandbox.new_api_key("jesusnumber")
        http.post("/api/v1/orders", json={"product_id": 12}, headers={"X-API-Key": key})
        sandbox.set_throttle(None)
        sandbox.inject_fault("500", count=3)
        sandbox.advance_clock(5000)
        sandbox.reset()
        assert sandbox.ledger(key).orders == []
        assert sandbox.ledger(key).balance == Decimal("50.00")
        with pytest.raises(SandboxError):
            sandbox.ledger(extra)
        assert sandbox.pending_faults() == []
        assert abs((sandbox.now() - sandbox.advance_clock(0)).total_seconds()) < 2
        assert sandbox.stats().requests == 0
        response = http.get("/api/v1/balance", headers={"X-API-Key": key})
        assert response.headers["X-RateLimit-Limit"] == "5"


def test_control_api_is_loopback_only() -> None:
    def request(host: str) -> Request:
        return Request({"type": "http", "client": (host, 1234), "headers": []})

    assert _is_loopback(request("127.0.0.1"))
    assert _is_loopback(request("::1"))
    assert not _is_loopback(request("10.0.0.7"))
    assert not _is_loopback(request("testclient"))
