"""Push delivery through Redis: one receiver, waiters anywhere, polling only as a safety net."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

import otpkit
import otpkit.sandbox
import otpkit.webhook
from otpkit._redis import Coordinator, RedisPushInbox
from tests.coordinator.conftest import RedisServer


@pytest.fixture
def receiver(coordinator_url: str) -> Iterator[otpkit.webhook.WebhookReceiver]:
    with otpkit.webhook.run(coordinator=coordinator_url) as running:
        yield running


def settings(coordinator_url: str) -> otpkit.Settings:
    return otpkit.Settings(coordinator=coordinator_url, timeout=10)


def push(receiver: otpkit.webhook.WebhookReceiver, order_id: str, sms: str) -> httpx.Response:
    body = {"event": "incoming_message", "message": {"order_id": order_id, "sms": sms}}
    return httpx.post(receiver.callback_url, json=body)


def test_every_waiter_hears_of_its_own_sms_at_once(
    sandbox: otpkit.sandbox.Sandbox, receiver: otpkit.webhook.WebhookReceiver, coordinator_url: str
) -> None:
    key = sandbox.new_api_key("jesusnumber")
    sandbox.set_callback_url(key, receiver.callback_url)
    clients = [
        otpkit.connect(
            "jesusnumber",
            api_key=key,
            base_url=sandbox.base_url,
            settings=settings(coordinator_url),
            push=receiver.inbox_url,  # switches push on; waiters then read Redis
        )
        for _ in range(2)
    ]
    assert all(isinstance(c.push, RedisPushInbox) for c in clients)
    rentals = [c.rent(c.find_product("whatsapp")) for c in clients]
    for rental, code in zip(rentals, ("111111", "222222"), strict=True):
        sandbox.deliver(rental.id, provider="jesusnumber", text=f"Your code is {code}", delay=0.3)
    started = time.monotonic()
    codes = [rental.wait_for_code() for rental in rentals]
    assert codes == ["111111", "222222"]
    assert time.monotonic() - started < 1.5  # pushed: a first poll would come only after 5 s
    # One confirming read per push: a pushed code counts once the provider shows it.
    assert sandbox.stats().by_endpoint.get("jesusnumber.sms", 0) == 2
    for rental, client in zip(rentals, clients, strict=True):
        rental.cancel()
        client.close()


async def test_async_waiters_hear_of_theirs_too(
    sandbox: otpkit.sandbox.Sandbox, receiver: otpkit.webhook.WebhookReceiver, coordinator_url: str
) -> None:
    key = sandbox.new_api_key("jesusnumber")
    sandbox.set_callback_url(key, receiver.callback_url)
    async with (
        otpkit.connect_async(
            "jesusnumber",
            api_key=key,
            base_url=sandbox.base_url,
            settings=settings(coordinator_url),
            push=receiver.inbox_url,
        ) as client,
        client.rent(await client.find_product("whatsapp")) as rental,
    ):
        sandbox.deliver(rental.id, provider="jesusnumber", text="code 424242", delay=0.2)
        started = time.monotonic()
        assert await rental.wait_for_code() == "424242"
        assert time.monotonic() - started < 1.5
    assert sandbox.stats().by_endpoint.get("jesusnumber.sms", 0) == 1


def test_the_receiver_takes_only_orders_some_machine_watches(
    receiver: otpkit.webhook.WebhookReceiver, coordinator_url: str
) -> None:
    elsewhere = RedisPushInbox(Coordinator(coordinator_url))  # another machine's waiter
    assert push(receiver, "31337", "code 1").status_code == 404
    elsewhere.watch("31337")
    assert push(receiver, "31337", "Your code: 909090").status_code == 200
    elsewhere.wait("31337", 5)  # already there: returns at once
    (message,) = elsewhere.messages("31337")
    assert message.code == "909090"
    started = time.monotonic()
    elsewhere.wait("31337", 0.3)  # nothing newer: sleeps the whole pause
    assert time.monotonic() - started >= 0.25 and len(elsewhere.messages("31337")) == 1


def test_redis_away_the_receiver_says_so_and_waiters_just_sleep(
    receiver: otpkit.webhook.WebhookReceiver, coordinator_url: str, redis_server: RedisServer
) -> None:
    waiter = RedisPushInbox(Coordinator(coordinator_url))
    waiter.watch("777")
    redis_server.kill()
    assert push(receiver, "777", "code 5").status_code == 503  # the provider may try again
    started = time.monotonic()
    waiter.wait("777", 0.3)  # no error: the provider is still polled as a safety net
    assert 0.25 <= time.monotonic() - started < 3
    waiter.watch("778")
