"""Rentals against the sandbox: the code arrives, and every way out cancels and refunds."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest

import otpkit
import otpkit.sandbox
from otpkit._rental import RefundWindowWarning
from otpkit.providers import SanalNumara
from tests.integration.conftest import connect, connect_async, product_of


def rent(client: otpkit.Client) -> otpkit.Rental:
    name, country = product_of(client)
    return client.rent(client.find_product(name, country=country))


def ledger(
    sandbox: otpkit.sandbox.Sandbox, client: otpkit.Client | otpkit.AsyncClient
) -> otpkit.sandbox.Ledger:
    return sandbox.ledger(client.provider.api_key)


def test_wait_for_code_returns_the_delivered_code(
    sandbox: otpkit.sandbox.Sandbox, client: otpkit.Client
) -> None:
    with rent(client) as rental:
        sandbox.deliver(rental.id, provider=client.provider_name, code="482910", delay=0.5)
        assert rental.wait_for_code(timeout=5) == "482910"
        message = rental.wait_for_message(timeout=1)
        assert message.code == "482910"
    assert rental.outcome is not None and rental.outcome.refunded is False  # the code was used
    money = ledger(sandbox, client)
    assert money.charged == rental.price and money.refunded == 0 and money.double_charges == 0


def test_normal_exit_without_code_refunds(
    sandbox: otpkit.sandbox.Sandbox, client: otpkit.Client
) -> None:
    with rent(client) as rental:
        pass
    assert rental.outcome == otpkit.CancelOutcome(refunded=True, detail=rental.outcome.detail)
    money = ledger(sandbox, client)
    assert money.refunded == money.charged > 0 and money.open_rentals == 0
    [entry] = client.journal.entries(client.journal.run_id)  # type: ignore[union-attr]
    assert (entry.state, entry.refunded) == ("closed", True)


@pytest.mark.parametrize("escape", [RuntimeError("test failed"), KeyboardInterrupt()])
def test_exception_and_ctrl_c_still_refund(
    sandbox: otpkit.sandbox.Sandbox, client: otpkit.Client, escape: BaseException
) -> None:
    with pytest.raises(type(escape)), rent(client):
        raise escape
    money = ledger(sandbox, client)
    assert money.refunded == money.charged > 0 and money.open_rentals == 0


def test_timeout_refunds_and_says_what_happened(
    sandbox: otpkit.sandbox.Sandbox, client: otpkit.Client
) -> None:
    with pytest.raises(otpkit.CodeTimeoutError) as caught, rent(client) as rental:
        rental.wait_for_code(timeout=1.2)
    error = caught.value
    assert isinstance(error, TimeoutError)
    assert error.polls >= 2 and 1.1 <= error.waited < 3
    for shown in (rental.number, rental.id, client.provider_name, f"{error.polls} polls"):
        assert shown in str(error)
    assert ledger(sandbox, client).refunded == rental.price


def test_filters_and_a_second_newer_code(sandbox: otpkit.sandbox.Sandbox) -> None:
    with connect(sandbox, "jesusnumber") as client, rent(client) as rental:
        sandbox.deliver(
            rental.id, "Your Acme code is 111111", provider="jesusnumber", sender="Acme"
        )
        sandbox.deliver(
            rental.id, "Promo: 50% off until 24.12", provider="jesusnumber", sender="Shop"
        )
        assert rental.wait_for_code(timeout=3, sender="acme") == "111111"
        assert rental.wait_for_code(timeout=3, contains="Acme") == "111111"
        with pytest.raises(otpkit.CodeTimeoutError):
            rental.wait_for_code(timeout=0.5, new=True)  # nothing newer than 111111 yet
        sandbox.deliver(rental.id, "Your Acme code is 222222", provider="jesusnumber", delay=0.3)
        assert rental.wait_for_code(timeout=3, new=True) == "222222"
        assert rental.wait_for_code(timeout=3, pattern=re.compile(r"is 1+")) == "111111"


def test_sanalnumara_second_code_replaces_the_first(sandbox: otpkit.sandbox.Sandbox) -> None:
    with connect(sandbox, "sanalnumara") as client, rent(client) as rental:
        sandbox.deliver(rental.id, provider="sanalnumara", code="111111")
        assert rental.wait_for_code(timeout=3) == "111111"
        sandbox.deliver(rental.id, provider="sanalnumara", code="222222", delay=0.3)
        assert rental.wait_for_code(timeout=3, new=True) == "222222"


def test_a_cancelled_sanalnumara_number_is_an_error_not_a_timeout(
    sandbox: otpkit.sandbox.Sandbox,
) -> None:
    with connect(sandbox, "sanalnumara") as client:
        rental = rent(client)
        client.run(client.provider.cancel(rental))  # cancelled behind the handle's back
        started = time.monotonic()
        with pytest.raises(otpkit.RentalCancelledError):
            rental.wait_for_code(timeout=5)
        assert time.monotonic() - started < 2
        rental.cancel()  # "already cancelled" is an outcome, not an error
        assert ledger(sandbox, client).double_refunds == 0


def test_sanalnumara_late_cancel_is_not_refunded(sandbox: otpkit.sandbox.Sandbox) -> None:
    with connect(sandbox, "sanalnumara") as client:
        with rent(client) as rental:
            sandbox.advance_clock(11 * 60)
        assert rental.outcome is not None and rental.outcome.refunded is False
        assert "refund window" in rental.outcome.detail
        assert ledger(sandbox, client).refunded == 0


def test_refund_window_warning(
    sandbox: otpkit.sandbox.Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(SanalNumara, "refund_window", timedelta(seconds=30))
    with connect(sandbox, "sanalnumara") as client, rent(client) as rental:
        assert rental.refund_seconds_left is not None and rental.refund_seconds_left <= 30
        with (
            pytest.warns(RefundWindowWarning, match="refund window"),
            pytest.raises(otpkit.CodeTimeoutError),
        ):
            rental.wait_for_code(timeout=0.2)


def test_budget_refusal_sends_nothing(sandbox: otpkit.sandbox.Sandbox, provider: str) -> None:
    with connect(sandbox, provider, budget=Decimal("0.01")) as client:
        name, country = product_of(client)
        product = client.find_product(name, country=country)
        before = sandbox.stats().by_key.get(client.provider.api_key, 0)
        with pytest.raises(otpkit.BudgetExceededError, match="budget"):
            client.rent(product)
        assert sandbox.stats().by_key.get(client.provider.api_key, 0) == before
        assert ledger(sandbox, client).charged == 0


def test_budget_counts_refunds(sandbox: otpkit.sandbox.Sandbox) -> None:
    with connect(sandbox, "jesusnumber") as plain:
        price = plain.find_product("whatsapp").price
    assert price is not None
    with connect(sandbox, "jesusnumber", budget=price) as client:
        for _ in range(3):  # each refunded, so the net spend never passes one price
            with rent(client):
                pass
        with rent(client) as rental:
            sandbox.deliver(rental.id, provider="jesusnumber", code="123456")
            rental.wait_for_code(timeout=3)
        with pytest.raises(otpkit.BudgetExceededError):
            rent(client)


def test_lost_create_reply_is_adopted_not_doubled(sandbox: otpkit.sandbox.Sandbox) -> None:
    with connect(sandbox, "jesusnumber") as client:
        sandbox.inject_fault(
            "drop", endpoint="jesusnumber.create_order", api_key=client.provider.api_key
        )
        with rent(client) as rental:
            assert rental.number.startswith("+")
        money = ledger(sandbox, client)
        assert len(money.orders) == 1  # adopted, not ordered again
        assert money.refunded == money.charged and money.double_charges == 0


def test_lost_create_with_no_order_is_placed_once_more(sandbox: otpkit.sandbox.Sandbox) -> None:
    with connect(sandbox, "jesusnumber") as client:
        # A 500 before anything happened: the order list proves no order exists.
        sandbox.inject_fault(
            "500", endpoint="jesusnumber.create_order", api_key=client.provider.api_key
        )
        with rent(client):
            pass
        money = ledger(sandbox, client)
        assert len(money.orders) == 1 and money.refunded == money.charged


def test_a_sanalnumara_lost_create_with_the_search_off_is_reported_and_journaled(
    sandbox: otpkit.sandbox.Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Without the search by id (for a key other tools share), a lost order is never looked
    # for and never placed again: the user is told, and the sweep points to the dashboard.
    monkeypatch.setattr(otpkit.providers.SanalNumara, "lost_order_probe", 0)
    with connect(sandbox, "sanalnumara") as client:
        sandbox.inject_fault(
            "drop", endpoint="sanalnumara.get_number", api_key=client.provider.api_key
        )
        with pytest.raises(otpkit.AmbiguousOrderError, match="may or may not"):
            rent(client)
        [entry] = client.journal.entries(client.journal.run_id)  # type: ignore[union-attr]
        assert entry.state == "lost"
        assert len(sandbox.ledger(client.provider.api_key).orders) == 1
        journal = otpkit.Journal(client.journal.path, run_id="later")  # type: ignore[union-attr]
        with otpkit.connect(
            "sanalnumara",
            api_key=client.provider.api_key,
            base_url=sandbox.base_url,
            journal=journal,
        ) as later:
            [reported] = later.sweep().problems
            assert "dashboard" in (reported.problem or "")
            assert later.sweep().rentals == []  # said once; a later sweep cannot learn more


def test_failed_cancel_is_left_for_the_sweep(
    sandbox: otpkit.sandbox.Sandbox, provider: str
) -> None:
    with connect(sandbox, provider) as client:
        sandbox.inject_fault("refuse_cancel", count=10, api_key=client.provider.api_key)
        with (
            pytest.warns(otpkit.RentalCleanupWarning, match="otpkit sweep"),
            rent(client) as rental,
        ):
            pass
        entry = client.journal.find(provider, rental.id)  # type: ignore[union-attr]
        assert entry is not None and entry.state == "cancel_failed"
        sandbox.clear_faults()
        # A later process sweeps it (this one still owns it, so look as another run).
        journal = otpkit.Journal(client.journal.path, run_id="later")  # type: ignore[union-attr]
        with otpkit.connect(
            provider, api_key=client.provider.api_key, base_url=sandbox.base_url, journal=journal
        ) as later:
            report = later.sweep()
        assert [r.order_id for r in report.refunded] == [rental.id]
        money = ledger(sandbox, client)
        assert money.refunded == money.charged and money.double_refunds == 0


async def test_async_rentals_wait_and_always_cancel(
    sandbox: otpkit.sandbox.Sandbox, provider: str
) -> None:
    async with connect_async(sandbox, provider) as client:
        name, country = product_of(client)
        product = await client.find_product(name, country=country)
        async with client.rent(product) as rental:
            sandbox.deliver(rental.id, provider=provider, code="654321", delay=0.3)
            assert await rental.wait_for_code(timeout=5) == "654321"
        with pytest.raises(RuntimeError):
            async with client.rent(product):
                raise RuntimeError("test failed")
        rental = await client.rent(product)
        with pytest.raises(asyncio.TimeoutError):
            async with rental:
                await asyncio.wait_for(rental.wait_for_code(timeout=30), 0.3)
        money = ledger(sandbox, client)
        assert money.open_rentals == 0 and money.double_refunds == 0
        assert money.refunded == 2 * (product.price or 0)


def test_sixteen_threads_rent_and_cancel(sandbox: otpkit.sandbox.Sandbox) -> None:
    errors: list[BaseException] = []
    with connect(sandbox, "jesusnumber") as client:

        def work() -> None:
            try:
                with rent(client):
                    pass
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=work) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        money = ledger(sandbox, client)
        assert len(money.orders) == 16 and money.refunded == money.charged


@pytest.mark.parametrize("grace", [0.0, 2.0])
def test_a_timed_out_order_is_never_doubled_and_the_sweep_refunds_it(
    sandbox: otpkit.sandbox.Sandbox, monkeypatch: pytest.MonkeyPatch, grace: float
) -> None:
    # The provider answers after the client gave up, and places the order all the same. After
    # a grace period otpkit looks for it in the order list: found, it is the user's rental;
    # placed later than that, it is never ordered again and the sweep refunds it.
    monkeypatch.setattr(otpkit.providers.JesusNumber, "lost_order_grace", grace)
    key = sandbox.new_api_key("jesusnumber")
    settings = otpkit.Settings(request_timeout=0.5, call_timeout=2)
    with otpkit.connect(
        "jesusnumber", api_key=key, base_url=sandbox.base_url, settings=settings
    ) as client:
        product = client.find_product("whatsapp")
        sandbox.inject_fault("slow", seconds=1.5, endpoint="jesusnumber.create_order", api_key=key)
        if grace:
            with client.rent(product) as rental:
                [order] = sandbox.ledger(key).orders
                assert rental.id == order.order_id  # adopted, not placed twice
            money = sandbox.ledger(key)
            assert money.refunded == money.charged > 0 and money.open_rentals == 0
            return
        with pytest.raises(otpkit.AmbiguousOrderError):
            client.rent(product)
        time.sleep(1.5)  # the late order now exists
        assert len(sandbox.ledger(key).orders) == 1  # placed once, not twice
        journal = otpkit.Journal(client.journal.path, run_id="later")  # type: ignore[union-attr]
    with otpkit.connect(
        "jesusnumber", api_key=key, base_url=sandbox.base_url, journal=journal
    ) as later:
        [swept] = later.sweep().refunded
    money = sandbox.ledger(key)
    assert swept.order_id == money.orders[0].order_id
    assert money.refunded == money.charged > 0 and money.open_rentals == 0
