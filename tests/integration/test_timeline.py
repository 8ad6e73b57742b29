"""Each rental's story and the verdict on a failed wait, against the real sandbox."""

from __future__ import annotations

import itertools
import math
import time

import pytest

import otpkit
import otpkit.sandbox
from otpkit.sandbox import STEP_ENDPOINTS
from tests.integration.conftest import connect, connect_async, product_of


def rent(client: otpkit.Client) -> otpkit.Rental:
    name, country = product_of(client)
    return client.rent(client.find_product(name, country=country))


def kinds(rental: otpkit.Rental | otpkit.AsyncRental) -> list[str]:
    return [event.kind for event in rental.timeline]


def test_a_received_code_tells_the_whole_story(
    sandbox: otpkit.sandbox.Sandbox, client: otpkit.Client
) -> None:
    with rent(client) as rental:
        sandbox.deliver(rental.id, provider=client.provider_name, code="482910", delay=1.5)
        assert rental.wait_for_code(timeout=5) == "482910"
    story = kinds(rental)
    assert story[:2] == ["rented", "wait"] and story[-3:] == ["sms", "code", "kept"]
    assert "poll" in story  # the polls before the SMS came
    events = rental.timeline
    assert all(a.at <= b.at for a, b in itertools.pairwise(events))
    assert str(rental.price) in events[0].detail and "482910" in events[-2].detail


def test_no_sms_is_never_sent_and_refunded(
    sandbox: otpkit.sandbox.Sandbox, client: otpkit.Client
) -> None:
    with pytest.raises(otpkit.CodeTimeoutError) as caught, rent(client) as rental:
        rental.wait_for_code(timeout=1.0)
    assert caught.value.verdict is otpkit.Verdict.NEVER_SENT
    assert otpkit.verdict_of(caught.value) is otpkit.Verdict.NEVER_SENT
    assert "no SMS reached the number" in str(caught.value)
    assert kinds(rental)[-2:] == ["gave_up", "cancelled"]
    assert rental.timeline[-2].detail.startswith("never_sent: ")
    assert rental.timeline[-1].detail.startswith(f"refunded {rental.price}")


def test_sms_that_do_not_match_the_filters(sandbox: otpkit.sandbox.Sandbox) -> None:
    with connect(sandbox, "jesusnumber") as client, rent(client) as rental:
        sandbox.deliver(rental.id, "Promo: 50% off 123456", provider="jesusnumber")
        with pytest.raises(otpkit.CodeTimeoutError) as caught:
            rental.wait_for_code(timeout=1.5, contains="Acme")
    assert caught.value.verdict is otpkit.Verdict.FILTERS_MISMATCH
    assert "did not match the filters: contains='Acme'" in str(caught.value)
    [sms] = [e for e in rental.timeline if e.kind == "sms"]  # told once, polled several times
    assert "Promo" in sms.detail


def test_an_sms_without_a_readable_code(sandbox: otpkit.sandbox.Sandbox) -> None:
    with connect(sandbox, "jesusnumber") as client, rent(client) as rental:
        sandbox.deliver(rental.id, "Welcome to Acme!", provider="jesusnumber")
        with pytest.raises(otpkit.CodeTimeoutError) as caught:
            rental.wait_for_code(timeout=1.5)
    assert caught.value.verdict is otpkit.Verdict.FILTERS_MISMATCH
    assert "held no code otpkit could read" in str(caught.value)


def test_a_failing_provider_is_provider_errors_with_counts(
    sandbox: otpkit.sandbox.Sandbox, provider: str
) -> None:
    with connect(sandbox, provider) as client:
        sandbox.inject_fault(
            "500",
            count=1000,
            endpoint=STEP_ENDPOINTS[provider]["poll"],  # type: ignore[index]
            api_key=client.provider.api_key,
        )
        with pytest.raises(otpkit.CodeTimeoutError) as caught, rent(client) as rental:
            rental.wait_for_code(timeout=1.5)
        sandbox.clear_faults()
    error = caught.value
    assert error.verdict is otpkit.Verdict.PROVIDER_ERRORS
    assert error.problems.get("answered 500", 0) >= 2
    assert "was failing (at the end of the wait, or most of it)" in str(error)
    assert "poll_failed" in kinds(rental) and rental.outcome is not None
    assert rental.outcome.refunded


def test_a_rejected_number_and_an_empty_shelf_have_verdicts(
    sandbox: otpkit.sandbox.Sandbox, client: otpkit.Client
) -> None:
    with pytest.raises(otpkit.NumberRejectedError) as caught, rent(client) as rental:
        rental.reject_number("app says: can't receive SMS")
    assert otpkit.verdict_of(caught.value) is otpkit.Verdict.NUMBER_REJECTED
    assert kinds(rental)[-2:] == ["rejected", "cancelled"]
    product = client.find_product(*product_of(client)[:1], country=product_of(client)[1])
    sandbox.set_stock(client.provider_name, product.id, 0)  # type: ignore[arg-type]
    try:
        with pytest.raises(otpkit.OutOfStockError) as empty:
            client.rent(product)
    finally:
        sandbox.set_stock(client.provider_name, product.id, 50)  # type: ignore[arg-type]
    assert otpkit.verdict_of(empty.value) is otpkit.Verdict.OUT_OF_STOCK
    assert otpkit.verdict_of(RuntimeError("a bug in the test")) is None


@pytest.mark.parametrize("timeout", [math.inf, math.nan, -1.0, 1e300, 10**400, True])
def test_a_timeout_that_is_no_deadline_is_refused_before_any_request(
    sandbox: otpkit.sandbox.Sandbox, client: otpkit.Client, timeout: float
) -> None:
    with rent(client) as rental:
        before = sandbox.stats().requests
        with pytest.raises(otpkit.ConfigurationError, match="finite number of seconds from 0"):
            rental.wait_for_code(timeout=timeout)
        assert sandbox.stats().requests == before
    assert rental.outcome is not None and rental.outcome.refunded


def test_a_hanging_cancel_ends_by_its_deadline_and_is_left_for_the_sweep(
    sandbox: otpkit.sandbox.Sandbox, provider: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from otpkit import _cancelling

    monkeypatch.setattr(_cancelling, "CANCEL_DEADLINE", 2.0)
    with connect(sandbox, provider) as client:
        sandbox.inject_fault(
            "slow",
            count=1000,
            endpoint=STEP_ENDPOINTS[provider]["cancel"],  # type: ignore[index]
            seconds=30.0,
            api_key=client.provider.api_key,
        )
        rental = rent(client)
        started = time.monotonic()
        with pytest.warns(otpkit.RentalCleanupWarning, match="may have landed"):
            rental.release()
        took = time.monotonic() - started
        sandbox.clear_faults()
    assert took <= 2.0 + 1.0, f"the cancel of 2 s took {took:.2f} s"
    entry = client.journal.find(provider, rental.id)  # type: ignore[union-attr]
    assert entry is not None and entry.state == "cancel_failed"
    assert "unconfirmed" in (entry.detail or "")
    assert kinds(rental)[-1] == "cancel_failed"


async def test_the_async_rental_keeps_the_same_story(
    sandbox: otpkit.sandbox.Sandbox, provider: str
) -> None:
    async with connect_async(sandbox, provider) as client:
        name, country = product_of(client)
        async with await client.rent(await client.find_product(name, country=country)) as rental:
            with pytest.raises(otpkit.CodeTimeoutError) as caught:
                await rental.wait_for_code(timeout=1.0)
    assert caught.value.verdict is otpkit.Verdict.NEVER_SENT
    assert kinds(rental)[0] == "rented" and kinds(rental)[-2:] == ["gave_up", "cancelled"]


def test_a_provider_failing_at_the_end_is_provider_errors_not_never_sent(
    sandbox: otpkit.sandbox.Sandbox,
) -> None:
    import threading

    with connect(sandbox, "jesusnumber") as client, rent(client) as rental:
        # The first poll (1 s after renting) is answered; from then on the provider fails.
        arm = threading.Timer(
            1.3,
            lambda: sandbox.inject_fault(
                "500", count=1000, endpoint="jesusnumber.sms", api_key=client.provider.api_key
            ),
        )
        arm.start()
        try:
            with pytest.raises(otpkit.CodeTimeoutError) as caught:
                rental.wait_for_code(timeout=3)
        finally:
            arm.join()
            sandbox.clear_faults()
    assert caught.value.verdict is otpkit.Verdict.PROVIDER_ERRORS
    assert caught.value.problems.get("answered 500", 0) >= 1


def test_a_failed_resend_has_its_verdict_after_a_first_code(
    sandbox: otpkit.sandbox.Sandbox,
) -> None:
    with connect(sandbox, "jesusnumber") as client, rent(client) as rental:
        sandbox.deliver(rental.id, provider="jesusnumber", code="111111")
        assert rental.wait_for_code(timeout=3) == "111111"
        assert rental.verdict is None
        with pytest.raises(otpkit.CodeTimeoutError):
            rental.wait_for_code(timeout=0.6, new=True)
        assert rental.verdict is otpkit.Verdict.NEVER_SENT
