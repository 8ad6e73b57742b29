"""Retries, throttling, lost replies and malformed bodies, for both providers, sync and async."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import httpx
import pytest
import respx

import otpkit
from tests.unit.conftest import KEYED_SN, Harness, fail, ok

BALANCE = ok({"balance": 5})


def test_5xx_and_dropped_connections_are_retried(jn: Harness, jn_api: respx.MockRouter) -> None:
    route = jn_api.get("/api/v1/balance").mock(
        side_effect=[
            httpx.Response(502, text="<html>Bad gateway</html>"),
            httpx.RemoteProtocolError("peer closed connection"),
            httpx.Response(200, json=BALANCE),
        ]
    )
    assert jn.patient()("balance").available == 5
    assert route.call_count == 3


def test_unreadable_bodies_are_retried_but_wrong_shapes_are_not(
    jn: Harness, jn_api: respx.MockRouter
) -> None:
    route = jn_api.get("/api/v1/balance").mock(
        side_effect=[
            httpx.Response(200, text='{"success": true, "da'),
            httpx.Response(200, json=BALANCE),
        ]
    )
    assert jn.patient()("balance").available == 5 and route.call_count == 2
    shaped = jn_api.get("/api/v1/orders/1").respond(json=ok(["not", "an", "order"]))
    with pytest.raises(otpkit.MalformedResponseError, match=r"jesusnumber\.order"):
        jn("order", "1")
    assert shaped.call_count == 1


def test_429_waits_for_retry_after(jn: Harness, jn_api: respx.MockRouter) -> None:
    route = jn_api.get("/api/v1/balance").mock(
        side_effect=[
            httpx.Response(
                429, json={"message": "Too Many Attempts."}, headers={"Retry-After": "1"}
            ),
            httpx.Response(200, json=BALANCE),
        ]
    )
    started = time.monotonic()
    assert jn.patient()("balance").available == 5
    assert time.monotonic() - started >= 1.0
    assert route.call_count == 2


def test_retry_after_beyond_the_call_budget_raises_at_once(
    jn: Harness, jn_api: respx.MockRouter
) -> None:
    jn_api.get("/api/v1/balance").respond(
        429, json={"message": "Too Many Attempts."}, headers={"Retry-After": "60"}
    )
    started = time.monotonic()
    with pytest.raises(otpkit.RateLimitError) as caught:
        jn.patient()("balance")
    assert time.monotonic() - started < 1.0
    assert caught.value.retry_after == 60 and caught.value.status == 429


def test_persistent_failure_surfaces_a_typed_error(jn: Harness, jn_api: respx.MockRouter) -> None:
    jn_api.get("/api/v1/balance").mock(side_effect=httpx.ConnectError("connection refused"))
    with pytest.raises(otpkit.NetworkError, match="connection refused"):
        jn("balance")


def test_slow_reply_is_a_request_timeout(jn: Harness, jn_api: respx.MockRouter) -> None:
    jn_api.get("/api/v1/balance").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(otpkit.RequestTimeoutError) as caught:
        jn("balance")
    assert isinstance(caught.value, TimeoutError)


@pytest.mark.parametrize(
    "reply",
    [
        httpx.ReadError("connection dropped after sending"),
        httpx.ReadTimeout("no reply"),
        httpx.Response(500, text="Server Error"),
        httpx.Response(200, text='{"success": true, "data": {"order_id": 5, "num'),
    ],
    ids=["dropped", "timeout", "500", "truncated"],
)
def test_a_lost_order_reply_is_ambiguous_and_never_resent(
    jn: Harness, jn_api: respx.MockRouter, reply: httpx.Response | Exception
) -> None:
    route = jn_api.post("/api/v1/orders").mock(side_effect=[reply])
    with pytest.raises(otpkit.AmbiguousOrderError) as caught:
        jn.unjournaled()("rent", "12")
    assert route.call_count == 1
    assert caught.value.product_id == "12" and caught.value.sent_at is not None


def test_an_order_that_never_left_is_retried(jn: Harness, jn_api: respx.MockRouter) -> None:
    route = jn_api.post("/api/v1/orders").mock(
        side_effect=[
            httpx.ConnectError("refused"),
            httpx.Response(
                429, json={"message": "Too Many Attempts."}, headers={"Retry-After": "0"}
            ),
            httpx.Response(200, json=ok({"order_id": 5, "number": "16095170503"})),
        ]
    )
    assert jn.patient()("rent", "12").id == "5"
    assert route.call_count == 3


def test_sanalnumara_lost_get_number_is_ambiguous(sn: Harness, sn_api: respx.MockRouter) -> None:
    route = sn_api.get(f"{KEYED_SN}/getNumber/12").mock(side_effect=httpx.ReadError("dropped"))
    with pytest.raises(otpkit.AmbiguousOrderError):
        sn("rent", "12")
    # One more order, whose id would bound the lost one's, and never a third.
    assert route.call_count == 2


def test_sanalnumara_429_and_500_are_retried(sn: Harness, sn_api: respx.MockRouter) -> None:
    route = sn_api.get(f"{KEYED_SN}/getBalance").mock(
        side_effect=[
            httpx.Response(
                429, json={"message": "Too Many Attempts."}, headers={"Retry-After": "0"}
            ),
            httpx.Response(500, text="Internal Server Error"),
            httpx.Response(200, json={"balance": 3}),
        ]
    )
    assert sn.patient()("balance").available == 3 and route.call_count == 3


@pytest.mark.parametrize(
    "body",
    [b"", b"null", b"[]", b'"text"', b"<html>maintenance</html>", b'{"success": true}'],
)
def test_malformed_envelopes(jn: Harness, jn_api: respx.MockRouter, body: bytes) -> None:
    jn_api.get("/api/v1/balance").respond(200, content=body)
    with pytest.raises(otpkit.MalformedResponseError, match=r"jesusnumber\.balance"):
        jn("balance")


def test_refusal_without_message_keeps_status(jn: Harness, jn_api: respx.MockRouter) -> None:
    jn_api.get("/api/v1/balance").respond(403, json=fail(""))
    with pytest.raises(otpkit.AuthenticationError) as caught:
        jn("balance")
    assert caught.value.status == 403


def orders_page(*rows: dict[str, object]) -> dict[str, object]:
    paging = {"current_page": 1, "last_page": 1, "per_page": 50, "total": len(rows)}
    return ok({"orders": list(rows), "pagination": paging})


def created(seconds_ago: float) -> str:
    moment = datetime.now(timezone.utc) - timedelta(seconds=seconds_ago)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_a_lost_order_found_in_the_list_is_adopted(jn: Harness, jn_api: respx.MockRouter) -> None:
    create = jn_api.post("/api/v1/orders").mock(side_effect=[httpx.ReadError("dropped")])
    jn_api.get("/api/v1/orders").respond(
        json=orders_page(
            {"id": 9, "product_id": 13, "number": "16095170000", "created_at": created(1)},
            {"id": 8, "product_id": 12, "number": "16095170001", "created_at": created(1)},
            {"id": 7, "product_id": 12, "number": "16095170002", "created_at": created(3600)},
        )
    )
    rental = jn("rent", "12")
    assert (rental.id, rental.number) == ("8", "+16095170001")  # same product, recent
    assert create.call_count == 1


def test_a_lost_order_absent_from_the_list_is_placed_once_more(
    jn: Harness, jn_api: respx.MockRouter
) -> None:
    create = jn_api.post("/api/v1/orders").mock(
        side_effect=[
            httpx.Response(500, text="Server Error"),
            httpx.Response(200, json=ok({"order_id": 10, "number": "16095170003"})),
        ]
    )
    old = {"id": 7, "product_id": 12, "number": "16095170002", "created_at": created(3600)}
    jn_api.get("/api/v1/orders").respond(json=orders_page(old))
    assert jn("rent", "12").id == "10"
    assert create.call_count == 2


def test_a_lost_order_without_creation_times_stays_ambiguous(
    jn: Harness, jn_api: respx.MockRouter
) -> None:
    create = jn_api.post("/api/v1/orders").mock(side_effect=[httpx.ReadError("dropped")])
    jn_api.get("/api/v1/orders").respond(
        json=orders_page({"id": 8, "product_id": 12, "number": "16095170001"})
    )
    with pytest.raises(otpkit.AmbiguousOrderError):
        jn("rent", "12")
    assert create.call_count == 1


def test_a_timed_out_order_is_never_placed_again(
    jn: Harness, jn_api: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The provider may still turn the timed-out request into an order after the list is read.
    # (The grace before reading it is still paused for, only not 5 s of it: the mocks wait for
    # nothing.)
    monkeypatch.setattr(otpkit.providers.JesusNumber, "lost_order_grace", 0.05)
    create = jn_api.post("/api/v1/orders").mock(side_effect=[httpx.ReadTimeout("no reply")])
    jn_api.get("/api/v1/orders").respond(json=orders_page())
    with pytest.raises(otpkit.AmbiguousOrderError) as caught:
        jn("rent", "12")
    assert caught.value.may_still_be_placed is True
    assert create.call_count == 1
