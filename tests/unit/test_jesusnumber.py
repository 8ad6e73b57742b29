"""jesusnumber: every endpoint, its tolerant parsing, and its error mapping (sync and async)."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
import respx

import otpkit
from tests.unit.conftest import JN_KEY, Harness, fail, ok

PRODUCT_ROWS = [
    {"id": 12, "name": "WhatsApp", "product_category": "WhatsApp", "price": "0.50", "stock": 3},
    {"id": "13", "name": "Telegram", "product_category": "Telegram", "price": 0.4, "stock": "0"},
    {"id": 14, "name": "WhatsApp Business", "product_category": "WhatsApp", "price": "0.30"},
]


def test_balance_reads_every_wallet_field(jn: Harness, jn_api: respx.MockRouter) -> None:
    route = jn_api.get("/api/v1/balance").respond(
        json=ok({"balance": 50.0, "hold_balance": "1.5", "spend_balance": 0, "deposit": 60})
    )
    balance = jn("balance")
    assert balance == otpkit.Balance(
        available=Decimal("50.0"), held=Decimal("1.5"), spent=Decimal(0), deposit=Decimal(60)
    )
    assert route.calls.last.request.headers["X-API-Key"] == JN_KEY


def test_products_pass_filters_and_read_every_row(jn: Harness, jn_api: respx.MockRouter) -> None:
    route = jn_api.get("/api/v1/products").respond(json=ok({"products": PRODUCT_ROWS, "count": 3}))
    products = jn("products", category="Whats", network=1, type="str", search="app")
    assert [p.id for p in products] == ["12", "13", "14"]
    assert products[0].price == Decimal("0.50") and products[0].stock == 3
    assert products[1].stock == 0 and products[2].stock is None
    assert products[0].category == "WhatsApp" and products[0].provider == "jesusnumber"
    params = route.calls.last.request.url.params
    assert dict(params) == {"category": "Whats", "network": "1", "type": "str", "search": "app"}


def test_products_reject_unknown_filters(jn: Harness, jn_api: respx.MockRouter) -> None:
    with pytest.raises(otpkit.ConfigurationError, match="colour"):
        jn("products", colour="red")


def test_find_product_prefers_exact_name_then_cheapest_in_stock(
    jn: Harness, jn_api: respx.MockRouter
) -> None:
    jn_api.get("/api/v1/products").respond(json=ok({"products": PRODUCT_ROWS}))
    assert jn("find_product", "whatsapp").id == "12"  # exact name beats cheaper substring match
    assert jn("find_product", "business").id == "14"
    assert jn("find_product", "14").id == "14"  # an exact id
    with pytest.raises(otpkit.OutOfStockError, match="Telegram"):
        jn("find_product", "telegram")
    with pytest.raises(otpkit.ProductNotFoundError, match="WhatsApp") as caught:
        jn("find_product", "whatsup")
    assert "WhatsApp" in caught.value.suggestions


def test_rent_posts_product_and_premium_fields(jn: Harness, jn_api: respx.MockRouter) -> None:
    route = jn_api.post("/api/v1/orders").respond(
        json=ok(
            {"order": {"order_id": 146185, "number": "16095170503", "price": "0.50"}},
            "Order completed successfully",
        )
    )
    rental = jn("rent", "12", premium=True, premium_quote_id="q-1")
    assert rental.id == "146185"
    assert rental.number == "+16095170503"
    assert rental.national_number == "6095170503" and rental.country_code == 1
    assert rental.product_id == "12" and rental.price == Decimal("0.50")
    assert rental.provider == "jesusnumber" and rental.refund_deadline is None
    body = json.loads(route.calls.last.request.content)
    assert body == {"product_id": "12", "premium": True, "premium_quote_id": "q-1"}


def test_rent_accepts_id_and_phone_variants(jn: Harness, jn_api: respx.MockRouter) -> None:
    jn_api.post("/api/v1/orders").respond(json=ok({"id": "77", "phone_number": "+447700900123"}))
    rental = jn("rent", "12")
    assert (rental.id, rental.number, rental.country_code) == ("77", "+447700900123", 44)


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (400, fail("Insufficient balance"), otpkit.InsufficientBalanceError),
        (400, fail("No numbers available for this product."), otpkit.OutOfStockError),
        (404, fail("Product not found."), otpkit.ProductNotFoundError),
        (401, fail("Invalid or inactive API key."), otpkit.AuthenticationError),
        (200, fail("Something unexpected"), otpkit.ProviderError),
    ],
)
def test_rent_refusals_are_typed(
    jn: Harness,
    jn_api: respx.MockRouter,
    status: int,
    body: dict[str, object],
    error: type[Exception],
) -> None:
    jn_api.post("/api/v1/orders").respond(status, json=body)
    with pytest.raises(error) as caught:
        jn("rent", "12")
    assert type(caught.value) is error
    assert caught.value.provider == "jesusnumber"  # type: ignore[attr-defined]


def test_validation_error_carries_field_errors(jn: Harness, jn_api: respx.MockRouter) -> None:
    jn_api.post("/api/v1/orders").respond(
        422,
        json={
            "message": "The product id field is required.",
            "errors": {"product_id": ["The product id field is required."]},
        },
    )
    with pytest.raises(otpkit.ValidationError, match="product_id") as caught:
        jn("rent", "")
    assert caught.value.errors == {"product_id": ["The product id field is required."]}
    assert caught.value.status == 422


def test_order_unwraps_kind_and_row(jn: Harness, jn_api: respx.MockRouter) -> None:
    jn_api.get("/api/v1/orders/146185").respond(
        json=ok(
            {
                "kind": "short_term",
                "order": {
                    "id": 146185,
                    "number": "16095170503",
                    "status": "pending",
                    "product_id": 12,
                    "price": "0.50",
                    "created_at": "2026-11-24T10:00:00Z",
                },
            }
        )
    )
    order = jn("order", "146185")
    assert order.id == "146185" and order.kind == "short_term" and order.status == "pending"
    assert order.number == "+16095170503" and order.product_id == "12"
    assert order.created_at is not None and order.created_at.year == 2026


def test_unknown_order_is_order_not_found(jn: Harness, jn_api: respx.MockRouter) -> None:
    jn_api.get("/api/v1/orders/1").respond(404, json=fail("Order not found."))
    with pytest.raises(otpkit.OrderNotFoundError, match="Order not found"):
        jn("order", "1")


def test_orders_page_and_iteration_over_all_pages(jn: Harness, jn_api: respx.MockRouter) -> None:
    def page(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        assert request.url.params["per_page"] == "100"  # clamped to the documented maximum
        rows = [{"id": number * 10 + i, "number": "16095170503"} for i in range(2)]
        paging = {"current_page": number, "last_page": 3, "per_page": 100, "total": 6}
        return httpx.Response(200, json=ok({"orders": rows, "pagination": paging}))

    jn_api.get("/api/v1/orders").mock(side_effect=page)
    first = jn("orders", 1, 500)
    assert [o.id for o in first.orders] == ["10", "11"] and first.last_page == 3
    assert [o.id for o in jn("iter_orders")] == ["10", "11", "20", "21", "30", "31"]


def test_messages_use_provider_code_or_extract(jn: Harness, jn_api: respx.MockRouter) -> None:
    jn_api.get("/api/v1/orders/146185/sms").respond(
        json=ok(
            {
                "order_id": "146185",
                "messages": [
                    {"sms": "Your PayPal OTP is 545", "code": "545"},
                    {"sms": "G-123456 is your Google verification code", "code": None},
                ],
            }
        )
    )
    messages = jn("messages", "146185")
    assert [(m.text, m.code) for m in messages] == [
        ("Your PayPal OTP is 545", "545"),
        ("G-123456 is your Google verification code", "123456"),
    ]


def test_no_messages_yet(jn: Harness, jn_api: respx.MockRouter) -> None:
    jn_api.get("/api/v1/orders/5/sms").respond(json=ok({"order_id": "5", "messages": []}))
    assert jn("messages", "5") == []


@pytest.mark.parametrize(
    ("status", "body", "refunded", "detail"),
    [
        (200, ok({}, "Order reject successfully"), True, "refunded"),
        (400, fail("Order cannot be rejected."), False, "code was already delivered"),
        (400, fail("Order already rejected."), False, "already rejected"),
    ],
)
def test_cancel_outcomes(
    jn: Harness,
    jn_api: respx.MockRouter,
    status: int,
    body: dict[str, object],
    refunded: bool,
    detail: str,
) -> None:
    route = jn_api.post("/api/v1/orders/reject").respond(status, json=body)
    outcome = jn("cancel", "146185")
    assert outcome.refunded is refunded and detail in outcome.detail
    assert json.loads(route.calls.last.request.content) == {"order_id": "146185"}


def test_cancel_retry_meeting_already_rejected_means_refunded(
    jn: Harness, jn_api: respx.MockRouter
) -> None:
    jn_api.post("/api/v1/orders/reject").mock(
        side_effect=[
            httpx.ReadError("reply lost"),
            httpx.Response(400, json=fail("Order already rejected.")),
        ]
    )
    outcome = jn("cancel", "146185")
    assert outcome.refunded is True and "earlier attempt" in outcome.detail


def test_unknown_order_cancel_raises(jn: Harness, jn_api: respx.MockRouter) -> None:
    jn_api.post("/api/v1/orders/reject").respond(404, json=fail("Order not found."))
    with pytest.raises(otpkit.OrderNotFoundError):
        jn("cancel", "9")


def test_endpoints_of_the_other_provider_are_refused(jn: Harness) -> None:
    with pytest.raises(otpkit.ConfigurationError, match="sanalnumara endpoint"):
        jn("categories")
