"""The push receiver over real loopback HTTP: delivery to waiters, and hostile requests."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest

import otpkit
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
    inbox = PushInbox(receiver.inbox_url, token=receiver.inbox_token)
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
    inbox = PushInbox(receiver.inbox_url, token=receiver.inbox_token)
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
    inbox = PushInbox(receiver.inbox_url, token=receiver.inbox_token)
    inbox.watch("454303-hostile")
    response = send(receiver.callback_url)  # type: ignore[operator]
    assert response.status_code == status
    inbox.wait("454303-hostile", 0.05)
    assert inbox.messages("454303-hostile") == []
    # The receiver still works afterwards.
    assert httpx.put(f"{receiver.inbox_url}/x", headers=bearer(receiver.inbox_token)).is_success


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_inbox_refuses_the_callback_secret_and_anything_but_its_token(
    receiver: webhook.WebhookReceiver,
) -> None:
    order = f"{receiver.inbox_url}/454303"  # an order whose SMS the inbox holds
    # Watched here, not by an earlier test: under xdist that one may run on another worker.
    httpx.put(order, headers=bearer(receiver.inbox_token)).raise_for_status()
    httpx.post(receiver.callback_url, json=callback(order_id=454303)).raise_for_status()
    root = receiver.callback_url.removesuffix("/api/callback")
    refused = [
        httpx.get(order),
        httpx.get(order, headers=bearer(SECRET)),
        httpx.get(order, headers={"Authorization": SECRET}),
        httpx.get(order, headers=bearer(receiver.inbox_token[:-1])),
        httpx.get(order, headers={"Authorization": f"Basic {receiver.inbox_token}"}),
        httpx.get(order, params={"token": receiver.inbox_token}),
        httpx.put(order, headers=bearer(SECRET)),
    ]
    assert [r.status_code for r in refused] == [401] * len(refused)
    assert all("545" not in r.text for r in refused)
    # Under the callback's secret there is no inbox at all.
    assert httpx.get(f"{root}/_otpkit/inbox/454303", headers=bearer(SECRET)).status_code == 404
    opened = httpx.get(order, headers=bearer(receiver.inbox_token))
    assert opened.status_code == 200 and opened.json()["messages"][0]["sms"].endswith("545")


def test_the_inbox_url_and_repr_say_nothing_of_the_secrets(
    receiver: webhook.WebhookReceiver,
) -> None:
    assert SECRET not in receiver.inbox_url and receiver.inbox_token not in receiver.inbox_url
    assert receiver.inbox_token != SECRET and len(receiver.inbox_token) >= 32
    assert repr(receiver) == "<WebhookReceiver>"


def test_without_any_secret_the_inbox_still_wants_its_own_token() -> None:
    with webhook.run() as open_receiver:
        order = f"{open_receiver.inbox_url}/454303"
        assert httpx.put(order).status_code == 401
        assert httpx.get(order).status_code == 401
        assert httpx.put(order, headers=bearer(open_receiver.inbox_token)).status_code == 200
    with webhook.run() as another:  # a token of its own, not a fixed default
        assert another.inbox_token != open_receiver.inbox_token


def test_an_inbox_token_equal_to_the_secret_is_refused() -> None:
    with (
        pytest.raises(otpkit.ConfigurationError, match="must differ"),
        webhook.run(secret="same", inbox_token="same"),
    ):
        pass


def test_connect_with_the_receiver_reads_its_inbox(receiver: webhook.WebhookReceiver) -> None:
    settings = otpkit.Settings(timeout=5.0)
    with otpkit.connect(
        "jesusnumber",
        api_key="k",
        base_url="http://127.0.0.1:9",
        journal=False,
        settings=settings,
        push=receiver,
    ) as client:
        inbox = client.push
        assert isinstance(inbox, PushInbox)
        inbox.watch("777001")
        httpx.post(receiver.callback_url, json=callback(order_id=777001)).raise_for_status()
        inbox.wait("777001", 5.0)
        assert [m.code for m in inbox.messages("777001")] == ["545"]


def test_deeply_nested_json_is_a_400_not_a_server_error(
    receiver: webhook.WebhookReceiver,
) -> None:
    for body in (b"[" * 60_000, b'{"a":' * 12_000, b"[" * 60_000 + b"]" * 60_000):
        response = httpx.post(
            receiver.callback_url, content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code in (400, 413), response.text
    assert httpx.post(
        receiver.callback_url, content=b"[" * 60_000, headers={"content-type": "application/json"}
    ).json()["message"] == ("body is nested too deeply")
