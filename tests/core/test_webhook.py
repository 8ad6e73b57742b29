"""The push receiver over real loopback HTTP: delivery to waiters, and hostile requests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

from otpkit import webhook
from otpkit._push import PushInbox

SECRET = "hook-secret-9f2"


def callback(
    order_id: object = 454303, sms: object = "Your PayPal OTP is 545"
) -> dict[str, object]:
    return {
        "event": "incoming_message",
        "message": {
            "order_id": order_id,
            "number": "16095170503",
            "service": "paypal",
            "sender": "8843",
            "sms": sms,
            "type": "str",
        },
    }


@pytest.fixture(scope="module")
def receiver() -> Iterator[webhook.WebhookReceiver]:
    with webhook.run(secret=SECRET) as running:
        yield running


def test_pushed_sms_wakes_a_waiting_inbox(receiver: webhook.WebhookReceiver) -> None:
    inbox = PushInbox(receiver.inbox_url)
    inbox.watch("454303")

    def push_soon() -> None:
        time.sleep(0.3)
        httpx.post(receiver.callback_url, json=callback()).raise_for_status()

    threading.Thread(target=push_soon).start()
    started = time.monotonic()
    inbox.wait("454303", 10.0)
    woke_after = time.monotonic() - started
    assert 0.25 < woke_after < 2.0  # woken by the push, not by the 10 s timeout
    [message] = inbox.messages("454303")
    assert (message.text, message.code, message.sender) == ("Your PayPal OTP is 545", "545", "8843")
    inbox.close()


def test_wait_without_push_sleeps_its_full_time(receiver: webhook.WebhookReceiver) -> None:
    inbox = PushInbox(receiver.inbox_url)
    started = time.monotonic()
    inbox.wait("1", 0.3)
    assert time.monotonic() - started >= 0.29
    assert inbox.messages("1") == []


def test_an_absent_receiver_never_makes_waiting_faster() -> None:
    inbox = PushInbox("http://127.0.0.1:9/_otpkit/inbox")  # nothing listens on port 9
    started = time.monotonic()
    inbox.wait("1", 0.3)
    assert time.monotonic() - started >= 0.29


@pytest.mark.parametrize(
    ("send", "status"),
    [
        (
            lambda url: httpx.post(
                url,
                content=b"x" * (webhook.MAX_BODY + 1),
                headers={"content-type": "application/json"},
            ),
            413,
        ),
        (lambda url: httpx.post(url, data={"event": "incoming_message"}), 415),
        (
            lambda url: httpx.post(
                url, content=b"{not json", headers={"content-type": "application/json"}
            ),
            400,
        ),
        (lambda url: httpx.post(url, json={"event": "order_paid", "message": {}}), 422),
        (lambda url: httpx.post(url, json=["incoming_message"]), 422),
        (
            lambda url: httpx.post(
                url, json={"event": "incoming_message", "message": {"sms": "1"}}
            ),
            422,
        ),
        (lambda url: httpx.post(url, json=callback(order_id={"$ne": 1})), 422),
        (lambda url: httpx.post(url, json=callback(order_id=999999)), 404),
        (lambda url: httpx.post(url.replace(SECRET, "guess"), json=callback()), 404),
        (lambda url: httpx.post(url.replace(f"/{SECRET}", ""), json=callback()), 404),
    ],
    ids=[
        "oversized",
        "form",
        "malformed",
        "unknown-event",
        "not-object",
        "no-order",
        "odd-order",
        "not-ours",
        "forged",
        "no-secret",
    ],
)
def test_hostile_requests_get_4xx_and_reach_no_waiter(
    receiver: webhook.WebhookReceiver, send: object, status: int
) -> None:
    inbox = PushInbox(receiver.inbox_url)
    inbox.watch("454303-hostile")
    response = send(receiver.callback_url)  # type: ignore[operator]
    assert response.status_code == status
    inbox.wait("454303-hostile", 0.05)
    assert inbox.messages("454303-hostile") == []
    # The receiver still works afterwards.
    assert httpx.put(f"{receiver.inbox_url}/x").status_code == 200


def test_inbox_reads_need_the_secret_too(receiver: webhook.WebhookReceiver) -> None:
    forged = receiver.inbox_url.replace(SECRET, "guess")
    assert httpx.get(f"{forged}/454303").status_code == 404
