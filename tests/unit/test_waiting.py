"""A wait is a deadline: its requests never outlast it, its error says what went wrong, and its
filters explain themselves (sync and async, over respx)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
import respx

import otpkit
from tests.unit.conftest import JN_BASE, JN_KEY, KEYED_SN, SN_BASE, SN_KEY, Harness, ok

ORDER = {"order_id": "501", "number": "+16095170503", "product_id": "12", "price": "0.50"}


def roomy() -> otpkit.Settings:
    """Budgets far longer than the waits below: the wait's deadline has to be what ends them."""
    return otpkit.Settings(call_timeout=60.0, request_timeout=30.0)


def wait_for_code(
    mode: str, provider: str, timeout: float, **filters: Any
) -> tuple[str | BaseException, float]:
    """Rent once and wait for a code; what came of it and how long the wait took."""
    key, base = (JN_KEY, JN_BASE) if provider == "jesusnumber" else (SN_KEY, SN_BASE)
    options: dict[str, Any] = {"api_key": key, "base_url": base, "settings": roomy()}
    if mode == "sync":
        with (
            otpkit.connect(provider, journal=False, **options) as client,
            client.rent("12") as rental,
        ):
            started = time.monotonic()
            try:
                return rental.wait_for_code(timeout, **filters), time.monotonic() - started
            except otpkit.OtpkitError as error:
                return error, time.monotonic() - started

    async def go() -> tuple[str | BaseException, float]:
        async with (
            otpkit.connect_async(provider, journal=False, **options) as client,
            client.rent("12") as rental,
        ):
            started = time.monotonic()
            try:
                code = await rental.wait_for_code(timeout, **filters)
            except otpkit.OtpkitError as error:
                return error, time.monotonic() - started
            return code, time.monotonic() - started

    return asyncio.run(go())


@pytest.fixture
def jn_rentable(jn_api: respx.MockRouter) -> respx.MockRouter:
    jn_api.post("/api/v1/orders").respond(json=ok(ORDER))
    jn_api.post("/api/v1/orders/reject").respond(json=ok({}))
    return jn_api


def test_a_5xx_storm_ends_at_the_deadline_and_is_counted(
    mode: str, jn_rentable: respx.MockRouter
) -> None:
    jn_rentable.get("/api/v1/orders/501/sms").respond(500, text="<html>busy</html>")
    error, took = wait_for_code(mode, "jesusnumber", 1.5)
    assert isinstance(error, otpkit.CodeTimeoutError)
    assert took < 2.5
    assert error.requests >= 2 and error.problems == {"answered 500": error.requests}
    assert f"{error.requests} requests, {error.requests} answered 500" in str(error)


def test_a_hanging_poll_gets_no_more_than_the_wait_has_left(
    mode: str, jn_rentable: respx.MockRouter
) -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        # What the transport does when the reply does not come within the request's timeout.
        timeout = request.extensions["timeout"]["read"]
        assert timeout <= 1.0 + 0.5 + 0.05, "a poll got more time than the wait had left"
        time.sleep(timeout)
        raise httpx.ReadTimeout("no reply", request=request)

    jn_rentable.get("/api/v1/orders/501/sms").mock(side_effect=hang)
    error, took = wait_for_code(mode, "jesusnumber", 1.0)
    assert isinstance(error, otpkit.CodeTimeoutError)
    assert took < 2.0
    assert error.problems.get("timed out", 0) >= 1


def test_a_long_retry_after_does_not_stretch_the_wait(
    mode: str, jn_rentable: respx.MockRouter
) -> None:
    jn_rentable.get("/api/v1/orders/501/sms").respond(
        429, json={"message": "Too Many Attempts."}, headers={"Retry-After": "30"}
    )
    error, took = wait_for_code(mode, "jesusnumber", 1.0)
    assert isinstance(error, otpkit.CodeTimeoutError)
    assert took < 2.0
    assert "answered 429" in str(error)


def test_an_sms_already_there_is_returned_by_the_first_poll(
    mode: str, jn_rentable: respx.MockRouter
) -> None:
    jn_rentable.get("/api/v1/orders/501/sms").respond(
        json=ok({"order_id": "501", "messages": [{"sms": "Your code is 424242"}]})
    )
    code, took = wait_for_code(mode, "jesusnumber", 5.0)
    assert code == "424242"
    assert took < 1.5  # a fresh rental gets at most the schedule's first pause (1 s)


def test_unmatched_sms_are_named_in_the_timeout(mode: str, jn_rentable: respx.MockRouter) -> None:
    jn_rentable.get("/api/v1/orders/501/sms").respond(
        json=ok({"order_id": "501", "messages": [{"sms": "Bank: 111222", "sender": "Bank"}]})
    )
    error, _ = wait_for_code(mode, "jesusnumber", 1.2, sender="ShopDemo")
    assert isinstance(error, otpkit.CodeTimeoutError)
    assert "1 SMS arrived but did not match the filters: sender='ShopDemo'" in str(error)


def test_a_sender_filter_sanalnumara_cannot_satisfy_is_refused_up_front(
    mode: str, sn_api: respx.MockRouter
) -> None:
    sn_api.get(f"{KEYED_SN}/getNumber/12").respond(
        json={"success": True, "number_id": 75, "number": "+77073076157"}
    )
    polls = sn_api.get(f"{KEYED_SN}/getMessage/75").respond(json={"status": 0, "code": None})
    sn_api.get(f"{KEYED_SN}/cancelNumber/75").respond(json={"success": True, "message": ""})
    error, took = wait_for_code(mode, "sanalnumara", 30.0, sender="ShopDemo")
    assert isinstance(error, otpkit.ConfigurationError)
    assert "sanalnumara does not say who sent an SMS" in str(error)
    assert took < 0.5 and polls.call_count == 0


@pytest.mark.parametrize(
    ("reply", "missing"),
    [
        ({"success": True}, "'data' is null"),
        ({"success": True, "data": None}, "'data' is null"),
        ({"success": True, "data": {"order_id": "501"}}, "'data.messages' is missing"),
        ({"success": True, "data": {"messages": 3}}, "'data.messages' is a int"),
        ({"success": True, "data": {"messages": [7]}}, "an SMS row is a int"),
        ({"success": "yes", "data": {"messages": []}}, "'success' is 'yes', not a boolean"),
    ],
)
def test_an_sms_reply_without_its_structure_is_an_error_at_once(
    mode: str, jn_rentable: respx.MockRouter, reply: dict[str, Any], missing: str
) -> None:
    jn_rentable.get("/api/v1/orders/501/sms").respond(json=reply)
    error, took = wait_for_code(mode, "jesusnumber", 30.0)
    assert isinstance(error, otpkit.MalformedResponseError)
    assert error.endpoint == "jesusnumber.sms" and missing in str(error)
    assert took < 2.0  # not waited out


@pytest.mark.parametrize(
    ("data", "missing"),
    [
        ([], "'data' is list, not an object with 'products'"),
        ({"count": 0}, "'data.products' is missing"),
        ({"products": [{"name": "WhatsApp", "price": "0.50"}]}, "a product row has no id"),
        ({"products": ["WhatsApp"]}, "a product row is a str"),
    ],
)
def test_a_catalogue_without_its_structure_is_an_error(
    mode: str, jn_api: respx.MockRouter, data: Any, missing: str
) -> None:
    jn_api.get("/api/v1/products").respond(json=ok(data))
    with pytest.raises(otpkit.MalformedResponseError, match=missing):
        Harness(mode, "jesusnumber", JN_KEY, JN_BASE)("products")


def test_orders_without_ids_are_an_error(mode: str, jn_api: respx.MockRouter) -> None:
    jn_api.get("/api/v1/orders").respond(json=ok({"orders": [{"number": "+16095170503"}]}))
    with pytest.raises(otpkit.MalformedResponseError, match="an order has no id"):
        Harness(mode, "jesusnumber", JN_KEY, JN_BASE)("orders")
