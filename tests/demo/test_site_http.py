"""The demo sign-up site over real HTTP: codes go to rented numbers, and only they verify."""

from __future__ import annotations

import re
from typing import Any

import httpx
import phonenumbers
import pytest

import otpkit
import otpkit.sandbox
from otpkit.sandbox import Sandbox
from otpkit.sandbox._demo_site import (
    CODE_TTL,
    MAX_ATTEMPTS,
    REFUSED_MESSAGE,
    SENDER,
    SIGNUP_PATH,
)
from tests.demo.conftest import rent

SEND = "/demo/api/send-code"
VERIFY = "/demo/api/verify"


def send(http: httpx.Client, phone: str, **extra: Any) -> httpx.Response:
    return http.post(SEND, json={"phone": phone, **extra})


def verify(http: httpx.Client, phone: str, code: str) -> httpx.Response:
    return http.post(VERIFY, json={"phone": phone, "code": code})


def last_code(rental: otpkit.Rental) -> str:
    """The code of the newest SMS: the site answers only once the SMS is with the number."""
    code = rental.messages()[-1].code
    assert code is not None
    return code


def sent_code(http: httpx.Client, rental: otpkit.Rental) -> str:
    """Ask the site to text ``rental`` and read the code the number received."""
    response = send(http, rental.number)
    assert response.status_code == 200, response.text
    return last_code(rental)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def display(number: str) -> str:
    return phonenumbers.format_number(
        phonenumbers.parse(number), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


def test_signup_page_is_self_contained(http: httpx.Client) -> None:
    page = http.get(SIGNUP_PATH)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert 'type="tel"' in html
    assert html.count('maxlength="1"') == 6
    assert "Send code" in html
    assert "Verify" in html
    # No external assets: nothing is loaded from another origin.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_demo_root_redirects_to_the_signup_page(http: httpx.Client) -> None:
    response = http.get("/demo", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"].endswith(SIGNUP_PATH)


def test_send_code_texts_the_rented_number(http: httpx.Client, client: otpkit.Client) -> None:
    with rent(client) as rental:
        response = send(http, rental.number)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["phone"] == rental.number
        assert body["display"] == display(rental.number)
        assert "code" not in body  # the code only travels by SMS
        code = rental.wait_for_code(timeout=5)
        assert re.fullmatch(r"\d{6}", code)
        if client.provider_name == "jesusnumber":  # sanalnumara's API carries only the code
            (message,) = rental.messages()
            assert message.text.startswith(f"Your {SENDER} code is {code}.")
            assert message.sender == SENDER


def test_verify_accepts_only_the_code_sent(http: httpx.Client, client: otpkit.Client) -> None:
    with rent(client) as rental:
        code = sent_code(http, rental)
        refused = verify(http, rental.number, wrong(code))
        assert refused.status_code == 400
        assert refused.json() == {
            "error": f"That code is not right. {MAX_ATTEMPTS - 1} attempts left.",
            "reason": "wrong_code",
        }
        accepted = verify(http, rental.number, code)
        assert accepted.status_code == 200, accepted.text
        assert accepted.json() == {
            "verified": True,
            "phone": rental.number,
            "message": f"Welcome, {display(rental.number)}! Your phone is verified.",
        }
        again = verify(http, rental.number, code)  # a code is good for one sign-up
        assert again.status_code == 404
        assert again.json()["error"] == "No code was sent to this number."


def test_a_new_code_replaces_the_old_one(http: httpx.Client, client: otpkit.Client) -> None:
    with rent(client) as rental:
        first = sent_code(http, rental)
        assert send(http, rental.number).status_code == 200
        second = last_code(rental)
        if second == first:  # one in a million: the fresh code repeated the old one
            pytest.skip("the random codes happened to be equal")
        assert verify(http, rental.number, first).json()["reason"] == "wrong_code"
        assert verify(http, rental.number, second).status_code == 200


@pytest.mark.parametrize("provider", ["jesusnumber"], indirect=True)
def test_number_as_a_person_types_it(http: httpx.Client, client: otpkit.Client) -> None:
    with rent(client) as rental:
        national = phonenumbers.format_number(
            phonenumbers.parse(rental.number), phonenumbers.PhoneNumberFormat.NATIONAL
        )
        response = send(http, national, country="US")  # "(201) 555-0123" and the list's "US"
        assert response.status_code == 200, response.text
        code = last_code(rental)
        # Digits only, or the code with the separator some SMS put in it.
        assert verify(http, rental.number, f"{code[:3]}-{code[3:]}").status_code == 200


@pytest.mark.parametrize("provider", ["jesusnumber"], indirect=True)
def test_too_many_wrong_codes_burn_the_code(http: httpx.Client, client: otpkit.Client) -> None:
    with rent(client) as rental:
        code = sent_code(http, rental)
        for left in range(MAX_ATTEMPTS - 1, -1, -1):
            refused = verify(http, rental.number, wrong(code)).json()
            assert refused["reason"] == "wrong_code"
            assert (f"{left} attempt" in refused["error"]) == (left > 0)
        blocked = verify(http, rental.number, code)
        assert blocked.status_code == 429
        assert blocked.json()["reason"] == "too_many_attempts"


@pytest.mark.parametrize("provider", ["jesusnumber"], indirect=True)
def test_codes_expire(http: httpx.Client, client: otpkit.Client, sandbox: Sandbox) -> None:
    with rent(client) as rental:
        code = sent_code(http, rental)
        sandbox.advance_clock(CODE_TTL.total_seconds() + 1)
        expired = verify(http, rental.number, code)
        assert expired.status_code == 410
        assert expired.json()["error"] == "That code has expired. Request a new one."
        assert verify(http, rental.number, code).json()["reason"] == "no_code"


def test_no_code_was_sent_to_an_unknown_number(http: httpx.Client) -> None:
    response = verify(http, "+12015550123", "123456")
    assert response.status_code == 404
    assert response.json() == {"error": "No code was sent to this number.", "reason": "no_code"}


def test_numbers_nobody_rented_get_no_sms(http: httpx.Client) -> None:
    response = send(http, "+12015550123")
    assert response.status_code == 422
    assert response.json()["reason"] == "not_rented"
    assert "+1 201-555-0123" in response.json()["error"]


@pytest.mark.parametrize("provider", ["jesusnumber"], indirect=True)
def test_cancelled_rentals_get_no_sms(http: httpx.Client, client: otpkit.Client) -> None:
    with rent(client) as rental:
        assert rental.cancel().refunded
        response = send(http, rental.number)
        assert response.status_code == 422
        assert response.json()["reason"] == "rental_cancelled"
        assert verify(http, rental.number, "123456").json()["reason"] == "no_code"


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        ({"phone": "12"}, 422, "invalid_phone"),
        ({"phone": "+1 555"}, 422, "invalid_phone"),
        ({"phone": ""}, 400, "missing_phone"),
        ({}, 400, "missing_phone"),
        ([1, 2], 400, "bad_request"),
    ],
)
def test_send_code_rejects_bad_requests(
    http: httpx.Client, body: object, status: int, reason: str
) -> None:
    response = http.post(SEND, json=body)
    assert response.status_code == status
    assert response.json()["reason"] == reason


def test_verify_rejects_bad_requests(http: httpx.Client) -> None:
    assert http.post(VERIFY, content=b"{not json").json()["reason"] == "bad_request"
    assert http.post(VERIFY, json={"phone": "+12015550123"}).json()["reason"] == "missing_code"
    numeric = http.post(VERIFY, json={"phone": "+12015550123", "code": 123456})
    assert numeric.json()["reason"] == "missing_code"  # "012345" sent as a number loses a 0


def test_a_refused_number_is_told_it_cannot_receive_sms(
    http: httpx.Client, client: otpkit.Client, sandbox: Sandbox
) -> None:
    with rent(client) as rental:
        assert sandbox.mark_number(rental.number, refused=True).refused
        response = send(http, rental.number)
        assert response.status_code == 422
        assert response.json() == {"error": REFUSED_MESSAGE, "reason": "number_refused"}
        assert "This number can't receive SMS" in REFUSED_MESSAGE
        assert rental.messages() == []  # nothing was texted
        sandbox.mark_number(rental.number, refused=False)
        assert send(http, rental.number).status_code == 200
        assert rental.wait_for_code(timeout=5)


@pytest.mark.parametrize("provider", ["jesusnumber"], indirect=True)
def test_a_dead_numbers_code_is_sent_and_never_arrives(
    http: httpx.Client, client: otpkit.Client, sandbox: Sandbox
) -> None:
    with rent(client) as rental:
        sandbox.mark_number(rental.number, dead=True)
        response = send(http, rental.number)
        assert response.status_code == 200, response.text  # as far as the app knows, it went
        with pytest.raises(otpkit.CodeTimeoutError):
            rental.wait_for_code(timeout=0.5)
    assert rental.outcome is not None and rental.outcome.refunded


def test_refused_rate_chooses_the_refused_numbers() -> None:
    with (
        otpkit.sandbox.run(throttle=None, refused_rate=0.5, auto_deliver=0.05, seed=9) as sandbox,
        httpx.Client(base_url=sandbox.base_url, trust_env=False) as http,
    ):
        key = sandbox.new_api_key("jesusnumber", balance=500)
        numbers = []
        for _ in range(60):
            order = http.post("/api/v1/orders", json={"product_id": 17}, headers={"X-API-Key": key})
            numbers.append("+" + order.json()["data"]["number"])  # jesusnumber: digits only
        reasons = [send(http, number).json().get("reason") for number in numbers]
        sandbox.advance_clock(1)  # the stand-in SMS are due
        orders = {o.number: o for o in sandbox.ledger(key).orders}
    refused = [n for n, reason in zip(numbers, reasons, strict=True) if reason == "number_refused"]
    assert 0.3 < len(refused) / len(numbers) < 0.7
    assert refused == [n for n in numbers if orders[n].refused]
    # The stand-in app texts no refused number either: each stays refundable.
    assert all(orders[n].messages == 0 and orders[n].status == "pending" for n in refused)
    assert all(orders[n].messages >= 1 for n in numbers if n not in refused)


def test_real_world_delays_hold_back_the_demo_sites_sms() -> None:
    with (
        otpkit.sandbox.run(throttle=None, profile="real-world", seed=2) as sandbox,
        httpx.Client(base_url=sandbox.base_url, trust_env=False) as http,
    ):
        key = sandbox.new_api_key("jesusnumber")
        order = http.post("/api/v1/orders", json={"product_id": 17}, headers={"X-API-Key": key})
        number = "+" + order.json()["data"]["number"]
        assert send(http, number).status_code == 200
        assert sandbox.ledger(key).orders[0].messages == 0  # on its way, seconds to come
        sandbox.advance_clock(3600)
        assert sandbox.ledger(key).orders[0].messages == 1
