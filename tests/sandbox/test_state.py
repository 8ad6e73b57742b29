"""The money rules without HTTP: the pure state with a hand-driven clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import phonenumbers
import pytest

from otpkit.sandbox._catalogue import jesusnumber_products, sanalnumara_services
from otpkit.sandbox._numbers import NumberFactory
from otpkit.sandbox._sms import extract_code
from otpkit.sandbox._state import Refused, SandboxState


class FakeClock:
    def __init__(self) -> None:
        self.moment = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, seconds: float) -> None:
        self.moment += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def state(clock: FakeClock) -> SandboxState:
    return SandboxState(clock, seed=1)


def refusal(reason: str) -> pytest.RaisesExc[Refused]:
    return pytest.raises(Refused, match=f"^{reason}$")


def test_jesusnumber_hold_spend_refund(state: SandboxState) -> None:
    key = state.create_account("jesusnumber").api_key
    account = state.account("jesusnumber", key)
    assert account is not None
    first = state.rent("jesusnumber", key, "12")
    second = state.rent("jesusnumber", key, "12")
    assert (account.balance, account.held) == (Decimal("49.00"), Decimal("1.00"))
    state.deliver("jesusnumber", first.id)
    assert (account.held, account.spent) == (Decimal("0.50"), Decimal("0.50"))
    assert state.cancel("jesusnumber", key, second.id) == Decimal("0.50")
    assert (account.balance, account.held) == (Decimal("49.50"), Decimal("0.00"))
    with refusal("already_cancelled"):
        state.cancel("jesusnumber", key, second.id)
    with refusal("has_message"):
        state.cancel("jesusnumber", key, first.id)
    assert account.balance + account.held + account.spent == account.deposit


def test_sanalnumara_refund_window(state: SandboxState, clock: FakeClock) -> None:
    key = state.create_account("sanalnumara").api_key
    early = state.rent("sanalnumara", key, "18")
    late = state.rent("sanalnumara", key, "18")
    clock.advance(600)
    assert state.cancel("sanalnumara", key, early.id) == early.price  # exactly 10 minutes
    clock.advance(1)
    assert state.cancel("sanalnumara", key, late.id) == 0
    ledger = state.ledger(key)
    assert ledger.balance == Decimal(100) - late.price
    assert ledger.refunded == early.price and ledger.spent == late.price


def test_refusals(state: SandboxState) -> None:
    key = state.create_account("jesusnumber", Decimal("0.40")).api_key
    with refusal("unknown_product"):
        state.rent("jesusnumber", key, "999")
    with refusal("out_of_stock"):
        state.rent("jesusnumber", key, "41")
    with refusal("insufficient_balance"):
        state.rent("jesusnumber", key, "12")
    with refusal("invalid_key"):
        state.rent("sanalnumara", key, "18")
    with refusal("unknown_order"):
        state.cancel("jesusnumber", key, 1)


def test_scheduled_delivery_and_cancel_race(state: SandboxState, clock: FakeClock) -> None:
    key = state.create_account("jesusnumber").api_key
    rental = state.rent("jesusnumber", key, "12")
    state.deliver("jesusnumber", rental.id, delay=30)
    assert state.next_due() == clock.moment + timedelta(seconds=30)
    clock.advance(30)
    # Due before the cancel: the SMS wins, as on the real service.
    with refusal("has_message"):
        state.cancel("jesusnumber", key, rental.id)
    assert state.next_due() is None


def test_webhook_outbox(state: SandboxState) -> None:
    key = state.create_account("jesusnumber").api_key
    state.set_callback_url(key, "http://127.0.0.1:1/hook")
    rental = state.rent("jesusnumber", key, "21")
    state.deliver("jesusnumber", rental.id, "PayPal code 545", sender="8843")
    (event,) = state.drain_webhooks()
    assert event.url == "http://127.0.0.1:1/hook"
    assert event.payload["message"]["service"] == "paypal"
    assert state.drain_webhooks() == []
    sn_key = state.create_account("sanalnumara").api_key
    state.deliver("sanalnumara", state.rent("sanalnumara", sn_key, "18").id)
    assert state.drain_webhooks() == []


def test_auto_deliver_and_number_index(state: SandboxState, clock: FakeClock) -> None:
    key = state.create_account("sanalnumara").api_key
    state.auto_deliver = 5
    rental = state.rent("sanalnumara", key, "18")
    assert rental.status == "pending"
    clock.advance(5)
    state.settle()
    assert rental.provider_status == "1" and rental.last_code is not None
    delivery = state.deliver_to_number(rental.number, "second 909090")
    assert delivery.order_id == str(rental.id) and rental.last_code == "909090"


def test_reset(state: SandboxState) -> None:
    key = state.create_account("jesusnumber").api_key
    state.rent("jesusnumber", key, "12")
    state.reset()
    assert state.account("jesusnumber", key) is None
    assert state.account("jesusnumber", "jn_demo_key_0001") is not None


def test_numbers_are_valid_and_distinct_for_every_region() -> None:
    factory = NumberFactory(__import__("random").Random(3))
    regions = {o.region for o in jesusnumber_products() + sanalnumara_services()}
    for region in sorted(regions):
        numbers = {factory.new(region) for _ in range(40)}
        assert len(numbers) == 40
        for text in numbers:
            number = phonenumbers.parse(text)
            assert phonenumbers.is_valid_number(number), text
            assert phonenumbers.region_code_for_number(number) == region, text


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("G-123456 is your Google verification code.", "123456"),
        ("Your WhatsApp code: 123-456", "123456"),
        ("PayPal: Your security code is 545987. Expires in 10 minutes.", "545987"),
        ("Telegram code 43210", "43210"),
        ("no code here", None),
    ],
)
def test_code_extraction(text: str, code: str | None) -> None:
    assert extract_code(text) == code
