"""``verify``: rotation past dead and refused numbers, fallback across providers and countries,
the price cap, and the learned order; all over loopback HTTP against the sandbox, with the
sandbox's ledger as the judge of money."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

import otpkit
import otpkit.sandbox
from otpkit._delivery_stats import delivery_lines
from tests.integration.conftest import SETTINGS, connect, connect_async, product_of

#: Short, so a dead number costs a test about a second.
ATTEMPT_TIMEOUT = 1.5


def _client(sandbox: otpkit.sandbox.Sandbox, provider: str, **options: object) -> otpkit.Client:
    """A client whose account gets no automatic SMS: each test decides which numbers work."""
    return otpkit.connect(
        provider,
        api_key=sandbox.new_api_key(provider, auto_deliver=False),  # type: ignore[arg-type]
        base_url=sandbox.base_url,
        settings=otpkit.Settings(**SETTINGS),  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )


def _key(client: otpkit.Client | otpkit.AsyncClient) -> str:
    return str(client.provider.api_key)


def _sign_up(
    sandbox: otpkit.sandbox.Sandbox, dead: int, *, seen: list[otpkit.Rental] | None = None
) -> Callable[[otpkit.Rental], str]:
    """A flow whose first ``dead`` numbers never receive the SMS; the next one does."""
    calls = seen if seen is not None else []

    def flow(rental: otpkit.Rental) -> str:
        calls.append(rental)
        if len(calls) <= dead:
            sandbox.mark_number(rental.number, dead=True)
        else:
            sandbox.deliver(rental.id, provider=rental.provider, code="424242")  # type: ignore[arg-type]
        return rental.wait_for_code()

    return flow


def _assert_all_refunded_but(
    sandbox: otpkit.sandbox.Sandbox, client: otpkit.Client | otpkit.AsyncClient, paid: int
) -> None:
    ledger = sandbox.ledger(_key(client))
    assert ledger.open_rentals == 0
    dead = [order for order in ledger.orders if order.dead]
    assert dead and all(order.refunds == 1 for order in dead)
    assert sum(1 for order in ledger.orders if order.refunds == 0) == paid
    assert ledger.double_charges == ledger.double_refunds == 0


def test_verify_rotates_past_dead_numbers(sandbox: otpkit.sandbox.Sandbox, provider: str) -> None:
    with _client(sandbox, provider) as client:
        name, country = product_of(client)
        code = client.verify(
            name,
            _sign_up(sandbox, dead=2),
            attempts=3,
            attempt_timeout=ATTEMPT_TIMEOUT,
            country=country,
        )
        assert code == "424242"
        ledger = sandbox.ledger(_key(client))
        assert len(ledger.orders) == 3
        _assert_all_refunded_but(sandbox, client, paid=1)
        assert ledger.spent == ledger.orders[-1].price
        assert client.journal is not None
        (line,) = delivery_lines(client.journal.entries())
        assert "3 rentals, delivered 1/3 (33 %)" in line
        assert "2 failed, 2 refunded" in line


def test_verify_async_rotates_past_dead_numbers(
    sandbox: otpkit.sandbox.Sandbox, provider: str
) -> None:
    async def scenario() -> None:
        key = sandbox.new_api_key(provider, auto_deliver=False)  # type: ignore[arg-type]
        settings = otpkit.Settings(**SETTINGS)  # type: ignore[arg-type]
        async with otpkit.connect_async(
            provider, api_key=key, base_url=sandbox.base_url, settings=settings
        ) as client:
            name, country = product_of(client)
            tried: list[otpkit.AsyncRental] = []

            async def flow(rental: otpkit.AsyncRental) -> str:
                tried.append(rental)
                if len(tried) == 1:
                    await asyncio.to_thread(sandbox.mark_number, rental.number, dead=True)
                else:
                    await asyncio.to_thread(
                        sandbox.deliver,
                        rental.id,
                        provider=rental.provider,  # type: ignore[arg-type]
                        code="515151",
                    )
                return await rental.wait_for_code()

            code = await client.verify(
                name, flow, attempts=3, attempt_timeout=ATTEMPT_TIMEOUT, country=country
            )
            assert code == "515151"
            assert [rental.outcome.refunded for rental in tried if rental.outcome] == [True, False]
            _assert_all_refunded_but(sandbox, client, paid=1)

    asyncio.run(scenario())


def test_every_attempt_failing_lists_them_all(sandbox: otpkit.sandbox.Sandbox) -> None:
    with _client(sandbox, "jesusnumber") as client:
        seen: list[otpkit.Rental] = []
        with pytest.raises(otpkit.VerificationFailedError) as failed:
            client.verify(
                "whatsapp",
                _sign_up(sandbox, dead=9, seen=seen),
                attempts=2,
                attempt_timeout=ATTEMPT_TIMEOUT,
            )
        attempts = failed.value.attempts
        assert [a.number for a in attempts] == [r.number for r in seen]
        assert all(isinstance(a, otpkit.Attempt) and a.refunded for a in attempts)
        assert all(a.dropped and a.dropped.startswith("no code after") for a in attempts)
        assert all(a.seconds >= ATTEMPT_TIMEOUT for a in attempts)
        message = str(failed.value)
        assert "no verification after 2 numbers (2 refunded)" in message
        assert all(r.number in message for r in seen)
        assert isinstance(failed.value, otpkit.CodeTimeoutError)
        ledger = sandbox.ledger(_key(client))
        assert ledger.spent == 0 and ledger.open_rentals == 0


def test_reject_number_rotates(sandbox: otpkit.sandbox.Sandbox) -> None:
    with _client(sandbox, "sanalnumara") as client:
        tried: list[otpkit.Rental] = []

        def flow(rental: otpkit.Rental) -> str:
            tried.append(rental)
            if len(tried) == 1:
                rental.reject_number("app says: this number can't be used")
            sandbox.deliver(rental.id, provider="sanalnumara", code="777000")
            return rental.wait_for_code()

        assert client.verify("google", flow, country="Germany") == "777000"
        assert tried[0].outcome is not None and tried[0].outcome.refunded
        assert client.journal is not None
        first = client.journal.find("sanalnumara", tried[0].id)
        assert first is not None
        assert first.failure == "rejected: app says: this number can't be used"
        assert sandbox.ledger(_key(client)).open_rentals == 0


def test_other_failures_are_not_retried(sandbox: otpkit.sandbox.Sandbox) -> None:
    with _client(sandbox, "jesusnumber") as client:

        def flow(rental: otpkit.Rental) -> str:
            raise ValueError("the sign-up form changed")

        with pytest.raises(ValueError, match="form changed"):
            client.verify("whatsapp", flow, attempts=5)
        ledger = sandbox.ledger(_key(client))
        assert len(ledger.orders) == 1
        assert ledger.orders[0].refunds == 1 and ledger.open_rentals == 0


@pytest.fixture
def telegram_out_at_jesusnumber(sandbox: otpkit.sandbox.Sandbox) -> Iterator[None]:
    sandbox.set_stock("jesusnumber", "14", 0)  # Telegram: no other test rents it
    yield
    sandbox.set_stock("jesusnumber", "14", 340)


@pytest.mark.usefixtures("telegram_out_at_jesusnumber")
def test_provider_fallback_on_out_of_stock(sandbox: otpkit.sandbox.Sandbox) -> None:
    with _client(sandbox, "jesusnumber") as first, _client(sandbox, "sanalnumara") as second:
        rentals: list[otpkit.Rental] = []
        code = otpkit.verify([first, second], "telegram", _sign_up(sandbox, dead=0, seen=rentals))
        assert code == "424242"
        assert [r.provider for r in rentals] == ["sanalnumara"]
        assert sandbox.ledger(_key(first)).orders == []


def test_provider_fallback_on_insufficient_balance(sandbox: otpkit.sandbox.Sandbox) -> None:
    settings = otpkit.Settings(**SETTINGS)  # type: ignore[arg-type]
    poor = sandbox.new_api_key("jesusnumber", balance=0, auto_deliver=False)
    with (
        otpkit.connect(
            "jesusnumber", api_key=poor, base_url=sandbox.base_url, settings=settings
        ) as first,
        _client(sandbox, "sanalnumara") as second,
    ):
        rentals: list[otpkit.Rental] = []
        otpkit.verify([first, second], "google", _sign_up(sandbox, dead=0, seen=rentals))
        assert [r.provider for r in rentals] == ["sanalnumara"]
        assert sandbox.ledger(poor).spent == 0


def test_provider_fallback_on_a_dead_number(sandbox: otpkit.sandbox.Sandbox) -> None:
    with _client(sandbox, "jesusnumber") as first, _client(sandbox, "sanalnumara") as second:
        with pytest.raises(otpkit.VerificationFailedError) as failed:
            otpkit.verify(
                [first, second],
                "google",
                _sign_up(sandbox, dead=9),
                attempts=2,
                attempt_timeout=ATTEMPT_TIMEOUT,
            )
        assert [a.provider for a in failed.value.attempts] == ["jesusnumber", "sanalnumara"]
        for client in (first, second):
            assert sandbox.ledger(_key(client)).spent == 0

        rentals: list[otpkit.Rental] = []
        otpkit.verify(
            [first, second],
            "google",
            _sign_up(sandbox, dead=1, seen=rentals),
            attempt_timeout=ATTEMPT_TIMEOUT,
        )
        assert [r.provider for r in rentals] == ["jesusnumber", "sanalnumara"]


def test_country_fallback(sandbox: otpkit.sandbox.Sandbox) -> None:
    with _client(sandbox, "sanalnumara") as client:
        # Discord has no numbers in Germany (the sandbox catalogue): skipped, no attempt used.
        rentals: list[otpkit.Rental] = []
        flow = _sign_up(sandbox, dead=1, seen=rentals)
        client.verify(
            "discord",
            flow,
            attempts=2,
            attempt_timeout=ATTEMPT_TIMEOUT,
            country=["Germany", "Turkey", "United Kingdom"],
        )
        bought = [o.product_id for o in sandbox.ledger(_key(client)).orders]
        turkey = client.find_product("discord", country="Turkey").id
        uk = client.find_product("discord", country="United Kingdom").id
        # No history: cheapest first (United Kingdom 5.5 before Turkey 8.5); a dead number
        # moves on to the next country.
        assert bought == [uk, turkey]


def test_max_price_refuses_before_renting(sandbox: otpkit.sandbox.Sandbox) -> None:
    with _client(sandbox, "sanalnumara", max_price=Decimal("5")) as client:
        before = client.balance().available
        with pytest.raises(otpkit.PriceLimitError, match="over the max price of 5"):
            client.rent(client.find_product("google", country="Turkey"))
        with pytest.raises(otpkit.PriceLimitError):
            client.verify("google", _sign_up(sandbox, dead=0), country=["Turkey", "Germany"])
        # Under the cap: the cheaper country is rented, the dearer one skipped.
        rentals: list[otpkit.Rental] = []
        client.verify(
            "google", _sign_up(sandbox, dead=0, seen=rentals), country=["Turkey", "United States"]
        )
        assert [r.price for r in rentals] == [Decimal("3.5")]
        orders = sandbox.ledger(_key(client)).orders
        assert [o.price for o in orders] == [Decimal("3.5")]
        assert client.balance().available == before - Decimal("3.5")


def test_max_price_of_verify_spends_nothing(sandbox: otpkit.sandbox.Sandbox) -> None:
    with _client(sandbox, "jesusnumber") as client:
        with pytest.raises(otpkit.PriceLimitError):
            client.verify("whatsapp", _sign_up(sandbox, dead=0), max_price=Decimal("0.10"))
        ledger = sandbox.ledger(_key(client))
        assert ledger.orders == [] and ledger.spent == 0


def _history(
    journal: otpkit.Journal, base_url: str, product: otpkit.Product, *, delivered: bool
) -> None:
    row = journal.begin("sanalnumara", base_url, product.id, product.price, country=product.country)
    journal.opened(row, f"old-{row}", "+490000000", product.price)
    if delivered:
        journal.code_received(row)
    else:
        journal.failure(row, "no code after 60.0 s")
    journal.closed(row, not delivered, "history")


def test_learned_order_prefers_a_country_that_delivers(sandbox: otpkit.sandbox.Sandbox) -> None:
    with _client(sandbox, "sanalnumara") as client:
        assert isinstance(client.journal, otpkit.Journal)
        germany = client.find_product("google", country="Germany")  # 6.5: cheaper
        turkey = client.find_product("google", country="Turkey")  # 8
        for _ in range(8):
            _history(client.journal, client.base_url, germany, delivered=False)
            _history(client.journal, client.base_url, turkey, delivered=True)
        rentals: list[otpkit.Rental] = []
        client.verify(
            "google", _sign_up(sandbox, dead=0, seen=rentals), country=["Germany", "Turkey"]
        )
        assert [r.product_id for r in rentals] == [turkey.id]
        lines = delivery_lines(client.journal.entries())
        germany_line = f"sanalnumara {germany.id} (Germany): 8 rentals, delivered 0/8 (0 %)"
        assert any(line.startswith(germany_line) for line in lines)
        assert any("delivered 9/9 (100 %)" in line for line in lines)


def test_no_history_means_cheapest_first(sandbox: otpkit.sandbox.Sandbox) -> None:
    with connect(sandbox, "sanalnumara") as client:
        rentals: list[otpkit.Rental] = []

        def flow(rental: otpkit.Rental) -> str:
            rentals.append(rental)
            sandbox.deliver(rental.id, provider="sanalnumara", code="101010")
            return rental.wait_for_code()

        client.verify("google", flow, country=["Turkey", "Germany", "United States"])
        assert [r.price for r in rentals] == [Decimal("3.5")]


def test_connect_many_follows_the_provider_list(
    sandbox: otpkit.sandbox.Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTPKIT_PROVIDER", "jesusnumber, sanalnumara")
    monkeypatch.setenv("OTPKIT_JESUSNUMBER_API_KEY", sandbox.new_api_key("jesusnumber"))
    monkeypatch.setenv("OTPKIT_SANALNUMARA_API_KEY", sandbox.new_api_key("sanalnumara"))
    monkeypatch.setenv("OTPKIT_BASE_URL", sandbox.base_url)
    settings = otpkit.Settings()
    assert settings.providers() == ["jesusnumber", "sanalnumara"]
    clients = otpkit.connect_many(base_url=sandbox.base_url)
    try:
        assert [c.provider_name for c in clients] == ["jesusnumber", "sanalnumara"]
        with otpkit.connect(base_url=sandbox.base_url) as single:  # connect: the first one
            assert single.provider_name == "jesusnumber"
    finally:
        for client in clients:
            client.close()
    async_clients = otpkit.connect_many_async(["sanalnumara"], base_url=sandbox.base_url)
    assert [c.provider_name for c in async_clients] == ["sanalnumara"]
    asyncio.run(async_clients[0].aclose())


def test_connect_async_helper_still_works(sandbox: otpkit.sandbox.Sandbox) -> None:
    # The async helper of the shared conftest is used with verify_async across providers.
    async def scenario() -> None:
        async with connect_async(sandbox, "jesusnumber") as first:
            sandbox.set_auto_deliver(0.2)
            code = await otpkit.verify_async([first], "whatsapp", _wait_async)
            assert code

    asyncio.run(scenario())


async def _wait_async(rental: otpkit.AsyncRental) -> str:
    return await rental.wait_for_code()
