"""A pushed SMS is a hint, not proof: a forged callback for a live order yields no code and the
rental is still cancelled and refunded; a real push is confirmed by the provider before its code
counts. Real HTTP: the sandbox, a receiver, and a forger posting to the leaked callback URL.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

import otpkit
import otpkit.webhook
from otpkit.sandbox import Sandbox


@pytest.fixture
def receiver() -> Iterator[otpkit.webhook.WebhookReceiver]:
    with otpkit.webhook.run(secret="leaked-in-a-ci-log") as running:
        yield running


def forge(receiver: otpkit.webhook.WebhookReceiver, order_id: str, number: str) -> None:
    """What anyone who learned the callback URL can send."""
    body = {
        "event": "incoming_message",
        "message": {
            "order_id": int(order_id),
            "number": number,
            "service": "whatsapp",
            "sender": "WhatsApp",
            "sms": "Your code is 111111",
        },
    }
    assert httpx.post(receiver.callback_url, json=body, timeout=5).status_code < 300


SETTINGS = otpkit.Settings(request_timeout=5, call_timeout=10)


def connect(
    sandbox: Sandbox, receiver: otpkit.webhook.WebhookReceiver, key: str, journal: Path
) -> otpkit.Client:
    return otpkit.connect(
        "jesusnumber",
        api_key=key,
        base_url=sandbox.base_url,
        settings=SETTINGS,
        journal=journal,
        push=receiver,
    )


@pytest.mark.parametrize("number_matches", [True, False])
def test_a_forged_push_yields_no_code_and_the_rental_is_refunded(
    sandbox: Sandbox, receiver: otpkit.webhook.WebhookReceiver, tmp_path: Path, number_matches: bool
) -> None:
    key = sandbox.new_api_key("jesusnumber")
    sandbox.set_callback_url(key, receiver.callback_url)
    with connect(sandbox, receiver, key, tmp_path / "journal.sqlite3") as client:
        with client.rent(client.find_product("whatsapp")) as rental:
            number = rental.number.lstrip("+") if number_matches else "15550000000"
            forge(receiver, rental.id, number)
            started = time.monotonic()
            with pytest.raises(otpkit.CodeTimeoutError):
                rental.wait_for_code(timeout=2)
            assert time.monotonic() - started < 3
        assert rental.outcome is not None and rental.outcome.refunded
    ledger = sandbox.ledger(key)
    assert ledger.open_rentals == 0 and ledger.refunded == ledger.charged > Decimal(0)
    entry = otpkit.Journal(tmp_path / "journal.sqlite3").entries()[-1]
    assert entry.codes == 0 and entry.refunded


def test_a_forged_push_is_refunded_in_async_code_too(
    sandbox: Sandbox, receiver: otpkit.webhook.WebhookReceiver, tmp_path: Path
) -> None:
    key = sandbox.new_api_key("jesusnumber")
    sandbox.set_callback_url(key, receiver.callback_url)

    async def go() -> otpkit.CancelOutcome | None:
        async with otpkit.connect_async(
            "jesusnumber",
            api_key=key,
            base_url=sandbox.base_url,
            settings=SETTINGS,
            journal=tmp_path / "journal.sqlite3",
            push=receiver,
        ) as client:
            async with client.rent(await client.find_product("whatsapp")) as rental:
                forge(receiver, rental.id, rental.number.lstrip("+"))
                with pytest.raises(otpkit.CodeTimeoutError):
                    await rental.wait_for_code(timeout=2)
            return rental.outcome

    outcome = asyncio.run(go())
    assert outcome is not None and outcome.refunded
    assert sandbox.ledger(key).open_rentals == 0


def test_a_real_push_is_confirmed_by_the_provider_and_counts(
    sandbox: Sandbox, receiver: otpkit.webhook.WebhookReceiver, tmp_path: Path
) -> None:
    key = sandbox.new_api_key("jesusnumber")
    sandbox.set_callback_url(key, receiver.callback_url)
    with connect(sandbox, receiver, key, tmp_path / "journal.sqlite3") as client:
        with client.rent(client.find_product("whatsapp")) as rental:
            before = sandbox.stats().by_endpoint.get("jesusnumber.sms", 0)
            sandbox.deliver(rental.id, provider="jesusnumber", code="424242", delay=0.3)
            started = time.monotonic()
            assert rental.wait_for_code(timeout=10) == "424242"
            assert time.monotonic() - started < 2  # woken by the push, not by a 5 s safety net
            # One read of the provider's SMS endpoint confirmed what the push said.
            assert sandbox.stats().by_endpoint.get("jesusnumber.sms", 0) - before == 1
        assert rental.outcome is not None and not rental.outcome.refunded  # used: paid for
    # The timeline tells the push apart from a scheduled poll.
    assert [e.kind for e in rental.timeline] == ["rented", "wait", "push", "sms", "code", "kept"]


def test_a_storm_of_forged_pushes_costs_the_provider_two_polls_a_second(
    sandbox: Sandbox, receiver: otpkit.webhook.WebhookReceiver, tmp_path: Path
) -> None:
    import threading

    key = sandbox.new_api_key("jesusnumber")
    sandbox.set_callback_url(key, receiver.callback_url)
    with connect(sandbox, receiver, key, tmp_path / "journal.sqlite3") as client:
        with client.rent(client.find_product("whatsapp")) as rental:
            before = sandbox.stats().by_endpoint.get("jesusnumber.sms", 0)
            stop = threading.Event()

            def storm() -> None:
                while not stop.is_set():
                    forge(receiver, rental.id, rental.number.lstrip("+"))

            forger = threading.Thread(target=storm)
            forger.start()
            try:
                with pytest.raises(otpkit.CodeTimeoutError):
                    rental.wait_for_code(timeout=3)
            finally:
                stop.set()
                forger.join()
            polls = sandbox.stats().by_endpoint.get("jesusnumber.sms", 0) - before
        assert rental.outcome is not None and rental.outcome.refunded
    assert polls <= 3 / 0.5 + 2, f"{polls} polls in 3 s"
