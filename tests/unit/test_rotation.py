"""The rotation's decisions, without I/O: order, skips, moving on, the final error."""

from __future__ import annotations

from decimal import Decimal

import pytest

import otpkit
from otpkit._rotation import Rotation

BASE = "http://127.0.0.1:1"


def _product(
    pid: str, price: str | None, country: str, provider: str = "sanalnumara"
) -> otpkit.Product:
    return otpkit.Product(
        id=pid,
        name="Google",
        price=None if price is None else Decimal(price),
        country=country,
        provider=provider,
    )


def _rental(product: otpkit.Product, number: str) -> otpkit.RentalInfo:
    return otpkit.RentalInfo(
        id=number,
        number=number,
        national_number=number,
        country_code=90,
        product_id=product.id,
        provider=product.provider,
    )


def test_no_history_cheapest_first_and_a_failed_number_moves_on() -> None:
    rotation: Rotation[str] = Rotation(3)
    offers = [_product("1", "8", "Turkey"), _product("2", "3.5", "United States")]
    rotation.offer("client", offers, journal=None, base_url=BASE)
    first = rotation.next_choice()
    assert first is not None and first.product.country == "United States"
    timeout = otpkit.CodeTimeoutError("no code", waited=2.0)
    rotation.record(first, _rental(first.product, "+1"), 2.0, timeout, None)
    second = rotation.next_choice()
    assert second is not None and second.product.country == "Turkey"
    assert rotation.tried[0].dropped == "no code after 2.0 s"


def test_a_refused_offer_uses_no_attempt_and_nothing_rented_raises_the_refusal() -> None:
    rotation: Rotation[str] = Rotation(1)
    refusal = otpkit.OutOfStockError("none left", provider="sanalnumara")
    rotation.offer("client", [refusal, _product("1", "8", "Turkey")], journal=None, base_url=BASE)
    choice = rotation.next_choice()
    assert choice is not None
    rotation.refused(choice, otpkit.InsufficientBalanceError("poor"))
    assert rotation.next_choice() is None
    assert isinstance(rotation.failure(), otpkit.InsufficientBalanceError)
    assert [a.number for a in rotation.tried] == [None, None]


def test_attempts_bound_the_numbers_and_the_error_lists_them() -> None:
    rotation: Rotation[str] = Rotation(2)
    rotation.offer("client", [_product("1", "8", "Turkey")], journal=None, base_url=BASE)
    for number in ("+901", "+902"):
        choice = rotation.next_choice()
        assert choice is not None
        rejected = otpkit.NumberRejectedError("no", number=number, reason="app said no")
        outcome = otpkit.CancelOutcome(refunded=True, detail="cancelled")
        rotation.record(choice, _rental(choice.product, number), 1.0, rejected, outcome)
    assert rotation.next_choice() is None
    error = rotation.failure()
    assert isinstance(error, otpkit.VerificationFailedError)
    assert [a.dropped for a in error.attempts] == ["rejected: app said no"] * 2
    assert "+901" in str(error) and "+902" in str(error) and "(2 refunded)" in str(error)


def test_at_least_one_attempt() -> None:
    with pytest.raises(otpkit.ConfigurationError):
        Rotation(0)


def test_settings_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTPKIT_PROVIDER", "JesusNumber, sanalnumara")
    monkeypatch.setenv("OTPKIT_COUNTRY", "Turkey, Germany")
    monkeypatch.setenv("OTPKIT_API_KEY", "generic-key")
    settings = otpkit.Settings()
    assert settings.providers() == ["jesusnumber", "sanalnumara"]
    assert settings.countries() == ["Turkey", "Germany"]
    # One generic key never fits two providers.
    assert settings.api_key_for("jesusnumber") is None
    single = otpkit.Settings(provider="jesusnumber")
    assert single.api_key_for("jesusnumber") == "generic-key"
