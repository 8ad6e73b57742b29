"""Every jesusnumber route over real HTTP: shapes, validation, auth and money rules."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import httpx
import phonenumbers
import pytest

from otpkit.sandbox import Sandbox
from tests.sandbox.helpers import JN

ORDER_KEYS = {"id", "order_id", "product_id", "service", "number", "price", "status", "type"}
PRODUCT_KEYS = {
    "id",
    "name",
    "product_category",
    "product_network",
    "type",
    "price",
    "stock",
    "country",
}
UNAUTHORIZED = {"success": False, "message": "Invalid or inactive API key.", "data": None}


def moment(text: str) -> datetime:
    assert text.endswith("Z")
    return datetime.fromisoformat(text[:-1] + "+00:00")


def balance(jn: JN) -> dict[str, Decimal]:
    # Parsed as Decimal to see the exact tokens the server wrote.
    data = jn.get("/balance").json(parse_float=Decimal)["data"]
    return {key: Decimal(value) for key, value in data.items()}


def test_balance_shape(jn: JN) -> None:
    response = jn.get("/balance")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.text == (
        '{"success":true,"message":"Balance retrieved.","data":{"balance":50.00,'
        '"hold_balance":0.00,"spend_balance":0.00,"deposit":50.00}}'
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/balance"),
        ("GET", "/products"),
        ("POST", "/orders"),
        ("GET", "/orders"),
        ("GET", "/orders/1"),
        ("GET", "/orders/1/sms"),
        ("POST", "/orders/reject"),
    ],
)
@pytest.mark.parametrize("key", [None, "nope", "sn_demo_key_0001"])
def test_every_route_needs_a_valid_key(
    http: httpx.Client, method: str, path: str, key: str | None
) -> None:
    headers = {"X-API-Key": key} if key else {}
    response = http.request(method, f"/api/v1{path}", headers=headers, json={})
    assert response.status_code == 401
    assert response.json() == UNAUTHORIZED


def test_products_shape_and_catalogue(jn: JN) -> None:
    body = jn.get("/products").json()
    assert body["success"] is True
    products = body["data"]["products"]
    assert body["data"]["count"] == len(products) >= 10
    for row in products:
        assert set(row) == PRODUCT_KEYS
        assert isinstance(row["id"], int)
        assert isinstance(row["product_network"], int)
        assert isinstance(row["stock"], int)
        assert Decimal(row["price"]) > 0
        assert row["price"] == f"{Decimal(row['price']):.2f}"
        assert row["country"] == "US"
    whatsapp = next(row for row in products if row["id"] == 12)
    assert whatsapp == {
        "id": 12,
        "name": "WhatsApp",
        "product_category": "WhatsApp",
        "product_network": 1,
        "type": "str",
        "price": "0.50",
        "stock": whatsapp["stock"],
        "country": "US",
    }
    assert [row["name"] for row in products if row["stock"] == 0] == ["Tinder"]
    assert [row["name"] for row in products if row["type"] == "long_term"] == ["WhatsApp Long Term"]
    names = {row["name"] for row in products}
    assert {"WhatsApp", "Telegram", "Google", "PayPal", "Discord", "Uber"} <= names


def test_product_filters(jn: JN) -> None:
    def names(**params: object) -> list[str]:
        return [row["name"] for row in jn.get("/products", **params).json()["data"]["products"]]

    assert names(category="whats") == ["WhatsApp", "WhatsApp Long Term"]
    assert names(network=2) == ["Microsoft", "Coinbase"]
    assert names(type="long_term") == ["WhatsApp Long Term"]
    assert names(type="3days") == ["Google 3 Days"]
    assert "WhatsApp Long Term" not in names(type="str")
    assert names(type="1") == names(type="str")
    assert names(search="pay") == ["PayPal"]
    assert names(search="google") == ["Google", "Google 3 Days"]
    assert names(search="nothing-like-this") == []
    response = jn.get("/products", network="abc")
    assert response.status_code == 422
    assert response.json()["errors"] == {"network": ["The network field must be an integer."]}


def test_create_order_shape_and_money(jn: JN, sandbox: Sandbox) -> None:
    stock_before = next(
        p["stock"] for p in jn.get("/products").json()["data"]["products"] if p["id"] == 12
    )
    response = jn.post("/orders", product_id=12)
    assert response.status_code == 200
    body = response.json()
    assert body["success"] is True
    assert body["message"] == "Order completed successfully"
    row = body["data"]
    assert set(row) == ORDER_KEYS | {"expiration", "created_at"}
    assert row["id"] == row["order_id"] and isinstance(row["id"], int) and row["id"] > 1000
    assert row["product_id"] == 12
    assert row["service"] == "whatsapp"
    assert row["price"] == "0.50"
    assert row["status"] == "pending"
    assert row["type"] == "str"
    assert row["expiration"] == 900
    assert row["number"].isdigit() and row["number"].startswith("1")
    number = phonenumbers.parse("+" + row["number"])
    assert phonenumbers.is_valid_number(number)
    assert phonenumbers.region_code_for_number(number) == "US"
    assert abs(moment(row["created_at"]) - sandbox.now()) < timedelta(seconds=5)

    assert balance(jn) == {
        "balance": Decimal("49.50"),
        "hold_balance": Decimal("0.50"),
        "spend_balance": Decimal("0.00"),
        "deposit": Decimal("50.00"),
    }
    stock_after = next(
        p["stock"] for p in jn.get("/products").json()["data"]["products"] if p["id"] == 12
    )
    assert stock_after == stock_before - 1
    ledger = sandbox.ledger(jn.key)
    assert ledger.charged == Decimal("0.50")
    assert ledger.open_rentals == 1
    assert [o.charges for o in ledger.orders] == [1]


def test_order_ids_increase(jn: JN) -> None:
    first, second = jn.rent(), jn.rent(14)
    assert second["id"] > first["id"]
    assert first["number"] != second["number"]


def test_long_term_order_has_absolute_expiry(jn: JN) -> None:
    row = jn.rent(60)
    assert "expiration" not in row
    assert row["type"] == "long_term"
    assert moment(row["expires"]) - moment(row["created_at"]) == timedelta(days=30)
    three_days = jn.rent(61)
    assert three_days["type"] == "3days"
    assert moment(three_days["expires"]) - moment(three_days["created_at"]) == timedelta(days=3)
    detail = jn.get(f"/orders/{row['id']}").json()["data"]
    assert detail["kind"] == "long_term"


def test_create_order_refusals(jn: JN, sandbox: Sandbox) -> None:
    missing = jn.post("/orders")
    assert missing.status_code == 422
    assert missing.json() == {
        "message": "The product id field is required.",
        "errors": {"product_id": ["The product id field is required."]},
    }
    assert jn.post("/orders", product_id="").status_code == 422
    bad_premium = jn.post("/orders", product_id=12, premium="maybe")
    assert bad_premium.status_code == 422
    assert "premium" in bad_premium.json()["errors"]

    unknown = jn.post("/orders", product_id=999999)
    assert unknown.status_code == 404
    assert unknown.json() == {"success": False, "message": "Product not found.", "data": None}

    empty = jn.post("/orders", product_id=41)
    assert empty.status_code == 400
    assert empty.json()["message"] == "No numbers available for this product."

    poor = sandbox.new_api_key("jesusnumber", balance="0.20")
    broke = jn.http.post("/api/v1/orders", json={"product_id": 12}, headers={"X-API-Key": poor})
    assert broke.status_code == 400
    assert broke.json() == {"success": False, "message": "Insufficient balance", "data": None}
    assert sandbox.ledger(poor).charged == 0
    assert sandbox.ledger(jn.key).orders == []


def test_create_order_accepts_form_bodies_and_premium(jn: JN) -> None:
    response = jn.http.post(
        "/api/v1/orders",
        data={"product_id": "14", "premium": "1", "premium_quote_id": "q-1"},
        headers={"X-API-Key": jn.key},
    )
    assert response.status_code == 200
    assert response.json()["data"]["product_id"] == 14


def test_get_order(jn: JN, sandbox: Sandbox) -> None:
    row = jn.rent()
    response = jn.get(f"/orders/{row['id']}")
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Order retrieved.",
        "data": {"kind": "short_term", "order": row},
    }
    for missing in ("1", "abc", str(row["id"] + 10_000)):
        not_found = jn.get(f"/orders/{missing}")
        assert not_found.status_code == 404
        assert not_found.json() == {"success": False, "message": "Order not found.", "data": None}
    stranger = sandbox.new_api_key("jesusnumber")
    other = jn.http.get(f"/api/v1/orders/{row['id']}", headers={"X-API-Key": stranger})
    assert other.status_code == 404


def test_list_orders_paginates_newest_first(jn: JN) -> None:
    ids = [jn.rent()["id"] for _ in range(5)]
    body = jn.get("/orders", page=1, per_page=2).json()
    assert body["message"] == "Orders retrieved."
    data = body["data"]
    assert [o["id"] for o in data["orders"]] == ids[::-1][:2]
    assert data["pagination"] == {"current_page": 1, "last_page": 3, "per_page": 2, "total": 5}
    last = jn.get("/orders", page=3, per_page=2).json()["data"]
    assert [o["id"] for o in last["orders"]] == [ids[0]]
    beyond = jn.get("/orders", page=9, per_page=2).json()["data"]
    assert beyond["orders"] == [] and beyond["pagination"]["current_page"] == 9
    default = jn.get("/orders").json()["data"]
    assert default["pagination"]["per_page"] == 20 and len(default["orders"]) == 5
    assert set(default["orders"][0]) == ORDER_KEYS | {"expiration", "created_at"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"per_page": 101}, "per_page"),
        ({"per_page": 0}, "per_page"),
        ({"per_page": "x"}, "per_page"),
        ({"page": 0}, "page"),
    ],
)
def test_list_orders_validation(jn: JN, params: dict[str, object], field: str) -> None:
    response = jn.get("/orders", **params)
    assert response.status_code == 422
    assert list(response.json()["errors"]) == [field]


def test_list_orders_accepts_the_maximum(jn: JN) -> None:
    assert jn.get("/orders", per_page=100).status_code == 200


def test_sms_route(jn: JN, sandbox: Sandbox) -> None:
    row = jn.rent(21)
    empty = jn.get(f"/orders/{row['id']}/sms")
    assert empty.status_code == 200
    assert empty.json() == {
        "success": True,
        "message": "SMS messages retrieved.",
        "data": {"order_id": str(row["id"]), "messages": []},
    }
    delivery = sandbox.deliver(row["id"], provider="jesusnumber")
    assert delivery.code is not None and len(delivery.code) == 6 and delivery.code.isdigit()
    assert delivery.code in delivery.text and "PayPal" in delivery.text
    messages = jn.get(f"/orders/{row['id']}/sms").json()["data"]["messages"]
    assert len(messages) == 1
    message = messages[0]
    assert set(message) == {"sms", "code", "sender", "received_at"}
    assert message["sms"] == delivery.text
    assert message["code"] == delivery.code
    assert message["sender"] == delivery.sender
    moment(message["received_at"])
    sandbox.deliver(row["id"], "Your code is 4321", provider="jesusnumber", sender="8843")
    second = jn.get(f"/orders/{row['id']}/sms").json()["data"]["messages"][1]
    assert (second["code"], second["sender"]) == ("4321", "8843")
    assert jn.get("/orders/1/sms").status_code == 404


def test_sms_moves_money_from_hold_to_spend(jn: JN, sandbox: Sandbox) -> None:
    row = jn.rent()
    sandbox.deliver(row["id"], provider="jesusnumber")
    sandbox.deliver(row["id"], provider="jesusnumber")
    assert balance(jn) == {
        "balance": Decimal("49.50"),
        "hold_balance": Decimal("0.00"),
        "spend_balance": Decimal("0.50"),
        "deposit": Decimal("50.00"),
    }
    assert jn.get(f"/orders/{row['id']}").json()["data"]["order"]["status"] == "received"


def test_reject_refunds_once(jn: JN, sandbox: Sandbox) -> None:
    row = jn.rent()
    response = jn.post("/orders/reject", order_id=row["id"])
    assert response.status_code == 200
    assert response.json() == {
        "success": True,
        "message": "Order reject successfully",
        "data": {"order_id": row["id"], "status": "rejected", "refunded": "0.50"},
    }
    assert balance(jn)["balance"] == Decimal("50.00")
    assert balance(jn)["hold_balance"] == Decimal("0.00")
    again = jn.post("/orders/reject", order_id=row["id"])
    assert again.status_code == 400
    assert again.json() == {"success": False, "message": "Order already rejected.", "data": None}
    assert balance(jn)["balance"] == Decimal("50.00")
    assert jn.get(f"/orders/{row['id']}").json()["data"]["order"]["status"] == "rejected"
    ledger = sandbox.ledger(jn.key)
    assert (ledger.charged, ledger.refunded, ledger.spent) == (
        Decimal("0.50"),
        Decimal("0.50"),
        Decimal(0),
    )
    assert ledger.double_refunds == 0 and ledger.orders[0].refunds == 1
    assert ledger.orders_by_status == {"pending": 0, "received": 0, "cancelled": 1}


def test_reject_after_sms_is_refused(jn: JN, sandbox: Sandbox) -> None:
    row = jn.rent()
    sandbox.deliver(row["id"], provider="jesusnumber")
    response = jn.post("/orders/reject", order_id=row["id"])
    assert response.status_code == 400
    assert response.json() == {
        "success": False,
        "message": "Order cannot be rejected.",
        "data": None,
    }
    ledger = sandbox.ledger(jn.key)
    assert ledger.refunded == 0 and ledger.spent == Decimal("0.50")


def test_reject_validation_and_unknown(jn: JN, sandbox: Sandbox) -> None:
    missing = jn.post("/orders/reject")
    assert missing.status_code == 422
    assert missing.json() == {
        "message": "The order id field is required.",
        "errors": {"order_id": ["The order id field is required."]},
    }
    unknown = jn.post("/orders/reject", order_id=1)
    assert unknown.status_code == 404
    assert unknown.json()["message"] == "Order not found."
    row = jn.rent()
    stranger = sandbox.new_api_key("jesusnumber")
    other = jn.http.post(
        "/api/v1/orders/reject", json={"order_id": row["id"]}, headers={"X-API-Key": stranger}
    )
    assert other.status_code == 404
    assert sandbox.ledger(jn.key).open_rentals == 1


def test_rejected_number_returns_to_stock(jn: JN, sandbox: Sandbox) -> None:
    sandbox.set_stock("jesusnumber", 27, 1)
    row = jn.rent(27)
    assert jn.post("/orders", product_id=27).status_code == 400
    jn.post("/orders/reject", order_id=row["id"])
    assert jn.post("/orders", product_id=27).status_code == 200
