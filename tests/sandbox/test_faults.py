"""Injected faults: what the client sees and whether the side effect happened."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import httpx
import pytest

from otpkit import ConfigurationError
from otpkit.sandbox import ENDPOINTS, FAULT_KINDS, Sandbox
from tests.sandbox.helpers import JN, SN


def test_names_are_published() -> None:
    assert set(FAULT_KINDS) == {
        "500",
        "non_json",
        "truncated_json",
        "drop",
        "slow",
        "refuse_cancel",
        "429",
        "drip",
    }
    assert len(ENDPOINTS) == 14


def test_429_asks_to_come_back_later_with_no_side_effect(jn: JN, sandbox: Sandbox) -> None:
    sandbox.inject_fault("429", endpoint="jesusnumber.create_order", seconds=30)
    response = jn.post("/orders", product_id=12)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "30"
    assert sandbox.ledger(jn.key).orders == []


def test_500_has_no_side_effect(jn: JN, sandbox: Sandbox) -> None:
    sandbox.inject_fault("500", endpoint="jesusnumber.create_order")
    response = jn.post("/orders", product_id=12)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    assert "500 Internal Server Error" in response.text
    assert sandbox.ledger(jn.key).orders == []
    assert jn.post("/orders", product_id=12).status_code == 200  # used up


def test_non_json_has_no_side_effect(jn: JN, sandbox: Sandbox) -> None:
    sandbox.inject_fault("non_json", endpoint="jesusnumber.create_order")
    response = jn.post("/orders", product_id=12)
    assert response.status_code == 200
    assert response.text.startswith("<!DOCTYPE html>")
    with pytest.raises(json.JSONDecodeError):
        response.json()
    assert sandbox.ledger(jn.key).orders == []


def test_truncated_json_charges(jn: JN, sandbox: Sandbox) -> None:
    sandbox.inject_fault("truncated_json", endpoint="jesusnumber.create_order")
    response = jn.post("/orders", product_id=12)
    assert response.status_code == 200
    assert response.text.startswith('{"success":true')
    with pytest.raises(json.JSONDecodeError):
        response.json()
    ledger = sandbox.ledger(jn.key)
    assert ledger.charged == Decimal("0.50") and ledger.open_rentals == 1


def test_drop_is_a_transport_error_after_the_charge(jn: JN, sandbox: Sandbox) -> None:
    sandbox.inject_fault("drop", endpoint="jesusnumber.create_order")
    with pytest.raises(httpx.TransportError):
        jn.post("/orders", product_id=12)
    ledger = sandbox.ledger(jn.key)
    assert ledger.charged == Decimal("0.50") and len(ledger.orders) == 1
    assert sandbox.stats().by_status["dropped"] >= 1
    # The order can be found and rejected afterwards, as a careful client would.
    order_id = jn.get("/orders").json()["data"]["orders"][0]["id"]
    assert jn.post("/orders/reject", order_id=order_id).status_code == 200
    assert sandbox.ledger(jn.key).spent == 0


def test_drop_on_sanalnumara(sn: SN, sandbox: Sandbox) -> None:
    sandbox.inject_fault("drop", endpoint="sanalnumara.get_number")
    with pytest.raises(httpx.RemoteProtocolError):
        sn.get("/getNumber/18")
    assert len(sandbox.ledger(sn.key).orders) == 1


def test_slow_then_normal(jn: JN, sandbox: Sandbox) -> None:
    sandbox.inject_fault("slow", endpoint="jesusnumber.balance", seconds=0.3)
    started = time.perf_counter()
    response = jn.get("/balance")
    assert time.perf_counter() - started >= 0.3
    assert response.status_code == 200 and response.json()["success"] is True


def test_slow_order_still_happens_when_the_client_gave_up(jn: JN, sandbox: Sandbox) -> None:
    sandbox.inject_fault("slow", endpoint="jesusnumber.create_order", seconds=0.3)
    with pytest.raises(httpx.ReadTimeout):
        jn.http.post(
            "/api/v1/orders",
            json={"product_id": 12},
            headers={"X-API-Key": jn.key},
            timeout=0.1,
        )
    deadline = time.monotonic() + 2
    while not sandbox.ledger(jn.key).orders and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sandbox.ledger(jn.key).charged == Decimal("0.50")


def test_refuse_cancel_jesusnumber(jn: JN, sandbox: Sandbox) -> None:
    order = jn.rent()
    sandbox.inject_fault("refuse_cancel")
    # Only cancels are hit, so other calls do not use the fault up.
    assert jn.get("/balance").status_code == 200
    response = jn.post("/orders/reject", order_id=order["id"])
    assert response.json() == {
        "success": False,
        "message": "Service temporarily unavailable",
        "data": None,
    }
    ledger = sandbox.ledger(jn.key)
    assert ledger.open_rentals == 1 and ledger.refunded == 0
    assert jn.post("/orders/reject", order_id=order["id"]).status_code == 200


def test_refuse_cancel_sanalnumara(sn: SN, sandbox: Sandbox) -> None:
    number_id = sn.rent()["number_id"]
    sandbox.inject_fault("refuse_cancel", endpoint="sanalnumara.cancel")
    refused = sn.get(f"/cancelNumber/{number_id}")
    assert refused.status_code == 200
    assert refused.json() == {
        "success": False,
        "title": "Hata",
        "message": "Service temporarily unavailable",
    }
    assert sn.get(f"/getMessage/{number_id}").json()["status"] == 0
    assert sn.get(f"/cancelNumber/{number_id}").json()["success"] is True


def test_count_endpoint_and_key_filters(jn: JN, sandbox: Sandbox, http: httpx.Client) -> None:
    other = sandbox.new_api_key("jesusnumber")
    sandbox.inject_fault("500", count=2, endpoint="jesusnumber.balance", api_key=jn.key)
    assert [f.count for f in sandbox.pending_faults()] == [2]
    assert jn.get("/products").status_code == 200  # another endpoint
    assert http.get("/api/v1/balance", headers={"X-API-Key": other}).status_code == 200
    assert [jn.get("/balance").status_code for _ in range(3)] == [500, 500, 200]
    assert sandbox.pending_faults() == []
    assert sandbox.stats().faults["500"] >= 2


def test_clear_faults(jn: JN, sandbox: Sandbox) -> None:
    sandbox.inject_fault("500", count=5)
    sandbox.clear_faults()
    assert jn.get("/balance").status_code == 200


@pytest.mark.parametrize(
    "arguments",
    [
        {"kind": "explode"},
        {"kind": "500", "endpoint": "jesusnumber.nothing"},
        {"kind": "500", "count": 0},
        {"kind": "slow"},
        {"kind": "refuse_cancel", "endpoint": "jesusnumber.balance"},
    ],
)
def test_invalid_faults_are_configuration_errors(
    sandbox: Sandbox, arguments: dict[str, object]
) -> None:
    with pytest.raises(ConfigurationError):
        sandbox.inject_fault(**arguments)  # type: ignore[arg-type]
    assert sandbox.pending_faults() == []
