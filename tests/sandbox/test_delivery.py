"""SMS delivery: now, later, automatic, by number; and the jesusnumber webhook push."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

import otpkit.sandbox
from otpkit import ConfigurationError
from otpkit.sandbox import Sandbox, SandboxError
from tests.sandbox.helpers import JN, SN


def messages(jn: JN, order_id: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = jn.get(f"/orders/{order_id}/sms").json()["data"]["messages"]
    return rows


def wait_until(check: Any, timeout: float = 2.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.01)


def test_delayed_delivery_arrives_with_the_clock(jn: JN, sandbox: Sandbox) -> None:
    order = jn.rent()
    delivery = sandbox.deliver(order["id"], provider="jesusnumber", delay=120, code="246810")
    assert delivery.status == "scheduled"
    assert messages(jn, order["id"]) == []
    sandbox.advance_clock(121)
    assert [m["code"] for m in messages(jn, order["id"])] == ["246810"]


def test_short_delay_arrives_in_real_time(sn: SN, sandbox: Sandbox) -> None:
    number_id = sn.rent()["number_id"]
    sandbox.deliver(number_id, provider="sanalnumara", delay=0.05, code="135790")
    assert sn.get(f"/getMessage/{number_id}").json()["status"] == 0
    reply = wait_until(lambda: sn.get(f"/getMessage/{number_id}").json()["status"] == 1)
    assert reply
    assert sn.get(f"/getMessage/{number_id}").json()["code"] == "135790"


def test_delivery_to_a_cancelled_order_is_ignored(jn: JN, sandbox: Sandbox) -> None:
    order = jn.rent()
    later = sandbox.deliver(order["id"], provider="jesusnumber", delay=30)
    jn.post("/orders/reject", order_id=order["id"])
    now = sandbox.deliver(order["id"], provider="jesusnumber")
    assert now.status == "ignored"
    sandbox.advance_clock(31)
    assert later.status == "scheduled"
    assert messages(jn, order["id"]) == []
    ledger = sandbox.ledger(jn.key)
    assert ledger.refunded == ledger.charged and ledger.orders[0].messages == 0


def test_custom_text_and_extraction(sn: SN, sandbox: Sandbox) -> None:
    number_id = sn.rent()["number_id"]
    delivery = sandbox.deliver(number_id, "Kodunuz: 482-913 (Google)", provider="sanalnumara")
    assert delivery.code == "482913"
    assert sn.get(f"/getMessage/{number_id}").json()["code"] == "482913"


def test_deliver_to_number(jn: JN, sn: SN, sandbox: Sandbox) -> None:
    order = jn.rent()
    delivery = sandbox.deliver_to_number("+" + order["number"], "Your code is 112233")
    assert (delivery.provider, delivery.order_id, delivery.code) == (
        "jesusnumber",
        str(order["id"]),
        "112233",
    )
    rented = sn.rent()
    sandbox.deliver_to_number(rented["number"].lstrip("+"), code="998877")
    assert sn.get(f"/getMessage/{rented['number_id']}").json()["code"] == "998877"
    with pytest.raises(SandboxError, match="no such order"):
        sandbox.deliver_to_number("+15550000000", "x")


def test_deliver_to_unknown_order(sandbox: Sandbox) -> None:
    with pytest.raises(SandboxError, match="no such order"):
        sandbox.deliver(1, provider="jesusnumber")
    with pytest.raises(ConfigurationError):
        sandbox.deliver(1, provider="jesusnumber", delay=-1)
    with pytest.raises(ConfigurationError):
        sandbox.deliver(1, provider="nobody")  # type: ignore[arg-type]


def test_auto_deliver(jn: JN, sn: SN, sandbox: Sandbox) -> None:
    sandbox.set_auto_deliver(0)
    order = jn.rent()
    (message,) = messages(jn, order["id"])
    assert message["code"] and len(message["code"]) == 6 and message["code"] in message["sms"]
    sandbox.set_auto_deliver(90)
    number_id = sn.rent()["number_id"]
    assert sn.get(f"/getMessage/{number_id}").json()["status"] == 0
    sandbox.advance_clock(90)
    reply = sn.get(f"/getMessage/{number_id}").json()
    assert reply["status"] == 1 and len(reply["code"]) == 6
    sandbox.set_auto_deliver(None)
    quiet = jn.rent()
    sandbox.advance_clock(1000)
    assert messages(jn, quiet["id"]) == []


class _Receiver:
    """A tiny webhook endpoint: answers ``failures`` times with 500, then 200."""

    def __init__(self, failures: int = 0) -> None:
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.failures = failures
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.failures > 0:
                    receiver.failures -= 1
                    self.send_response(500)
                else:
                    receiver.received.put(json.loads(body))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    hook = _Receiver(failures=1)
    yield hook
    hook.close()


def test_webhook_push(jn: JN, sandbox: Sandbox, receiver: _Receiver) -> None:
    sandbox.set_callback_url(jn.key, receiver.url)
    order = jn.rent(21)
    sent_before = sandbox.stats().webhooks_sent
    sandbox.deliver(order["id"], "Your PayPal OTP is 545", provider="jesusnumber", sender="8843")
    # The first attempt gets a 500: the push is retried.
    event = receiver.received.get(timeout=3)
    assert event == {
        "event": "incoming_message",
        "message": {
            "order_id": order["id"],
            "number": order["number"],
            "service": "paypal",
            "sender": "8843",
            "sms": "Your PayPal OTP is 545",
            "type": "str",
        },
    }
    assert wait_until(lambda: sandbox.stats().webhooks_sent == sent_before + 1)


def test_scheduled_webhook_goes_out_without_polling(
    jn: JN, sandbox: Sandbox, receiver: _Receiver
) -> None:
    receiver.failures = 0
    sandbox.set_callback_url(jn.key, receiver.url)
    order = jn.rent()
    sandbox.deliver(order["id"], provider="jesusnumber", delay=0.1)
    event = receiver.received.get(timeout=3)
    assert event["message"]["order_id"] == order["id"]


def test_webhook_failure_never_hurts_the_sandbox(jn: JN, sandbox: Sandbox) -> None:
    closed = _Receiver()
    dead_url = closed.url
    closed.close()
    sandbox.set_callback_url(jn.key, dead_url)
    failed_before = sandbox.stats().webhooks_failed
    order = jn.rent()
    sandbox.deliver(order["id"], provider="jesusnumber")
    assert len(messages(jn, order["id"])) == 1
    assert wait_until(lambda: sandbox.stats().webhooks_failed == failed_before + 1, 3.0)
    sandbox.set_callback_url(jn.key, None)


def test_callback_url_validation(sandbox: Sandbox, sn_key: str) -> None:
    with pytest.raises(ConfigurationError):
        sandbox.set_callback_url(sandbox.api_key("jesusnumber"), "ftp://example")
    with pytest.raises(ConfigurationError, match="only jesusnumber"):
        sandbox.set_callback_url(sn_key, "http://127.0.0.1:9/hook")
    with pytest.raises(SandboxError):
        sandbox.set_callback_url("nobody", "http://127.0.0.1:9/hook")


def test_auto_delivery_skips_an_order_already_texted() -> None:
    with otpkit.sandbox.run(throttle=None, auto_deliver=0.2) as sandbox:
        key = sandbox.new_api_key("jesusnumber")
        with httpx.Client(base_url=sandbox.base_url, headers={"X-API-Key": key}) as http:
            first = http.post("/api/v1/orders", json={"product_id": 12}).json()["data"]
            second = http.post("/api/v1/orders", json={"product_id": 12}).json()["data"]
            sandbox.deliver(first["order_id"], "Your code is 111111", provider="jesusnumber")
            sandbox.advance_clock(1)
            texts = [
                [
                    m["sms"]
                    for m in http.get(f"/api/v1/orders/{o['order_id']}/sms").json()["data"][
                        "messages"
                    ]
                ]
                for o in (first, second)
            ]
    assert texts[0] == ["Your code is 111111"]  # the app's own code, and nothing after it
    assert len(texts[1]) == 1  # the stand-in SMS
