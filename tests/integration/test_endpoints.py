"""Every endpoint of both providers, through the real clients, against the real sandbox."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

import otpkit
import otpkit.sandbox
from otpkit import webhook
from otpkit._push import PushInbox
from tests.integration.conftest import SETTINGS, connect, connect_async


def test_jesusnumber_every_endpoint(sandbox: otpkit.sandbox.Sandbox) -> None:
    with connect(sandbox, "jesusnumber") as client:
        start = client.balance()
        assert start.available == Decimal("50.00") and start.held == 0
        products = client.products()
        assert {"WhatsApp", "Telegram", "PayPal"} <= {p.name for p in products}
        assert [p.name for p in client.products(search="paypal")] == ["PayPal"]
        assert all(p.category == "WhatsApp" for p in client.products(category="whats"))
        assert client.products(type="long_term")[0].raw["type"] == "long_term"
        assert client.products(network=2)
        with pytest.raises(otpkit.OutOfStockError):
            client.find_product("tinder")
        product = client.find_product("whatsapp")
        rental = client.rent(product)
        assert rental.number.startswith("+1") and rental.price == product.price
        held = client.balance()
        assert held.held == product.price and held.available == start.available - product.price
        order = client.order(rental.id)
        assert (order.id, order.status, order.kind) == (rental.id, "pending", "short_term")
        assert order.number == rental.number
        assert [o.id for o in client.orders(per_page=5).orders] == [rental.id]
        assert client.messages(rental) == []
        sandbox.deliver(rental.id, "Your WhatsApp code: 123-456", provider="jesusnumber")
        [message] = client.messages(rental)
        assert message.code == "123456" and "WhatsApp" in message.text
        outcome = client.cancel(rental)
        assert outcome.refunded is False and "delivered" in outcome.detail
        second = client.rent(product)
        assert client.cancel(second).refunded is True
        assert client.cancel(second) is second.outcome  # a handle cancels once
        assert client.cancel(second.id).refunded is False  # by id: "already rejected"
        assert [o.id for o in client.iter_orders(per_page=1)] == [second.id, rental.id]
        premium = client.rent(product, premium=True, premium_quote_id="q-1")
        client.cancel(premium)
        with pytest.raises(otpkit.OrderNotFoundError):
            client.order("1")
        with pytest.raises(otpkit.ProductNotFoundError):
            client.rent("999999")
        money = sandbox.ledger(client.provider.api_key)
        assert money.charged == 3 * product.price and money.refunded == 2 * product.price  # type: ignore[operator]
        assert money.double_refunds == 0 and money.double_charges == 0
        assert client.balance().available == start.available - product.price  # type: ignore[operator]


def test_sanalnumara_every_endpoint(sandbox: otpkit.sandbox.Sandbox) -> None:
    with connect(sandbox, "sanalnumara") as client:
        start = client.balance().available
        categories = client.categories()
        google = next(c for c in categories if c.name == "Google")
        services = client.services(google.id)
        germany = next(s for s in services if s.name == "Germany")
        details = client.service_details(germany.id)
        assert details.price is not None and details.stock and details.stock > 0
        products = client.products(category="google")
        assert {p.country for p in products} == {s.name for s in services}
        assert all(p.name == "Google" for p in products)
        assert client.products(country="Germany", search="goog")[0].id == germany.id
        product = client.find_product("google", country="Germany")
        assert product.id == germany.id and product.price == details.price
        with pytest.raises(otpkit.OutOfStockError):
            client.find_product("discord", country="Germany")
        rental = client.rent(product)
        assert rental.number.startswith("+49") and rental.refund_deadline is not None
        assert client.balance().available == start - details.price
        assert client.messages(rental) == []
        sandbox.deliver(rental.id, provider="sanalnumara", code="482910")
        assert client.messages(rental)[0].code == "482910"
        assert client.cancel(rental).refunded is False  # a code came: no refund
        second = client.rent(product)
        assert client.cancel(second).refunded is True
        assert client.cancel(second.id).refunded is False  # "already cancelled": never twice
        with pytest.raises(otpkit.RentalCancelledError):
            client.messages(second)
        with pytest.raises(otpkit.OrderNotFoundError):
            client.messages("1")
        with pytest.raises(otpkit.ProductNotFoundError):
            client.service_details("99999")
        assert client.balance().available == start - details.price


@pytest.mark.parametrize("provider", ["jesusnumber", "sanalnumara"])
def test_bad_key_and_no_balance(sandbox: otpkit.sandbox.Sandbox, provider: str) -> None:
    with otpkit.connect(provider, api_key="not-a-key", base_url=sandbox.base_url) as client:
        with pytest.raises(otpkit.AuthenticationError) as caught:
            client.balance()
        assert "not-a-key" not in str(caught.value)
    key = sandbox.new_api_key(provider, balance=0)  # type: ignore[arg-type]
    with otpkit.connect(provider, api_key=key, base_url=sandbox.base_url) as client:
        product = client.find_product(
            *{"jesusnumber": ("whatsapp",), "sanalnumara": ("google", "Germany")}[provider]
        )
        with pytest.raises(otpkit.InsufficientBalanceError):
            client.rent(product)


@pytest.mark.parametrize("provider", ["jesusnumber", "sanalnumara"])
def test_throttle_is_absorbed_by_retry_after(
    sandbox: otpkit.sandbox.Sandbox, provider: str
) -> None:
    sandbox.set_throttle(5)
    with connect(sandbox, provider) as client:
        for _ in range(5):
            client.balance()
        # The window is full; 58.5 s later only ~1.5 s remain until its oldest request leaves.
        sandbox.advance_clock(58.5)
        started = time.monotonic()
        client.balance()  # 429 with Retry-After: 2, waited out, then served
        assert 1.0 <= time.monotonic() - started < 4.0
        assert sandbox.stats().throttled_by_key.get(client.provider.api_key, 0) == 1


def test_throttle_beyond_the_call_budget_is_a_rate_limit_error(
    sandbox: otpkit.sandbox.Sandbox,
) -> None:
    sandbox.set_throttle(1)
    with otpkit.connect(
        "jesusnumber",
        api_key=sandbox.new_api_key("jesusnumber"),
        base_url=sandbox.base_url,
        settings=otpkit.Settings(call_timeout=2),
    ) as client:
        client.balance()
        with pytest.raises(otpkit.RateLimitError) as caught:
            client.balance()
        assert caught.value.retry_after is not None and caught.value.retry_after > 2


@pytest.mark.parametrize("provider", ["jesusnumber", "sanalnumara"])
@pytest.mark.parametrize("kind", ["500", "non_json", "truncated_json", "drop"])
def test_read_faults_are_retried(sandbox: otpkit.sandbox.Sandbox, provider: str, kind: str) -> None:
    with connect(sandbox, provider) as client:
        sandbox.inject_fault(kind, count=2, api_key=client.provider.api_key)  # type: ignore[arg-type]
        assert client.balance().available > 0


def test_slow_reply_is_a_timeout_then_retried(sandbox: otpkit.sandbox.Sandbox) -> None:
    with otpkit.connect(
        "jesusnumber",
        api_key=sandbox.new_api_key("jesusnumber"),
        base_url=sandbox.base_url,
        settings=otpkit.Settings(request_timeout=0.3, call_timeout=0.5),
    ) as client:
        sandbox.inject_fault("slow", seconds=1.0, count=5, api_key=client.provider.api_key)
        with pytest.raises(otpkit.RequestTimeoutError):
            client.balance()
        sandbox.clear_faults()
        assert client.balance().available > 0


async def test_async_client_every_common_call(sandbox: otpkit.sandbox.Sandbox) -> None:
    async with connect_async(sandbox, "jesusnumber") as client:
        assert (await client.balance()).available > 0
        product = await client.find_product("telegram")
        rental = await client.rent(product)
        assert (await client.order(rental.id)).status == "pending"
        assert [o.id async for o in client.iter_orders()] == [rental.id]
        assert await client.messages(rental) == []
        assert (await client.cancel(rental)).refunded is True
    async with connect_async(sandbox, "sanalnumara") as client:
        assert (await client.categories())[0].name
        assert await client.services("1")
        product = await client.find_product("google", country="Turkey")
        assert (await client.service_details(product.id)).price == product.price


def test_webhook_push_reaches_the_waiter_at_once(sandbox: otpkit.sandbox.Sandbox) -> None:
    with webhook.run() as receiver:
        key = sandbox.new_api_key("jesusnumber")
        sandbox.set_callback_url(key, receiver.callback_url)
        with (
            otpkit.connect(
                "jesusnumber",
                api_key=key,
                base_url=sandbox.base_url,
                push=receiver,
                settings=otpkit.Settings(**SETTINGS),  # type: ignore[arg-type]
            ) as client,
            client.rent(client.find_product("paypal")) as rental,
        ):
            sandbox.deliver(rental.id, "Your PayPal OTP is 545", provider="jesusnumber", delay=1.5)
            started = time.monotonic()
            assert rental.wait_for_code(timeout=10) == "545"
            waited = time.monotonic() - started
        # Woken by the push: the safety-net poll schedule alone would wait 5 s.
        assert 1.4 < waited < 2.5
        assert sandbox.stats().webhooks_sent >= 1
        # The inbox connect() opened for the push URL closed with the client.
        assert isinstance(client.push, PushInbox)
        assert client.push._sync is not None and client.push._sync.is_closed
