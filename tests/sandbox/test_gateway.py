"""The sandbox as the app's SMS gateway: the official Twilio SDK, and a plain ``/_sandbox/sms``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client as Twilio

import otpkit
from otpkit.sandbox import IN_STOCK, ProviderName, Sandbox
from otpkit.sandbox._twilio import num_segments
from tests.sandbox.helpers import JN
from tests.sandbox.test_delivery import _Receiver, messages

ACCOUNT_SID = "AC" + "0" * 32
FROM = "+15005550006"
SETTINGS = otpkit.Settings(call_timeout=5.0, request_timeout=2.0, timeout=5.0)


@pytest.fixture
def twilio(sandbox: Sandbox) -> Twilio:
    """The official SDK pointed at the sandbox: the only change an app's configuration needs."""
    client = Twilio(ACCOUNT_SID, "any-auth-token")
    client.api.base_url = sandbox.base_url
    return client


@pytest.fixture(params=["jesusnumber", "sanalnumara"])
def rental(request: pytest.FixtureRequest, sandbox: Sandbox) -> Iterator[otpkit.Rental]:
    provider: ProviderName = request.param
    key = sandbox.new_api_key(provider)
    with otpkit.connect(
        provider, api_key=key, base_url=sandbox.base_url, settings=SETTINGS
    ) as client:
        name, country = IN_STOCK[provider]
        with client.rent(client.find_product(name, country=country)) as rented:
            yield rented


def test_the_sdk_texts_a_rented_number_of_either_provider(
    twilio: Twilio, rental: otpkit.Rental
) -> None:
    sent = twilio.messages.create(to=rental.number, from_=FROM, body="Your Acme code is 482913")
    assert rental.wait_for_code(timeout=5) == "482913"
    if rental.provider == "jesusnumber":  # sanalnumara's getMessage tells only the code
        assert rental.wait_for_message(timeout=5).sender == FROM
    assert (sent.to, sent.from_, sent.body) == (rental.number, FROM, "Your Acme code is 482913")
    assert sent.sid is not None and sent.sid.startswith("SM") and len(sent.sid) == 34
    assert (sent.status, sent.direction, sent.num_segments) == ("queued", "outbound-api", "1")
    assert sent.account_sid == ACCOUNT_SID
    assert sent.uri == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sent.sid}.json"
    assert isinstance(sent.date_created, datetime) and sent.date_created.tzinfo is not None
    assert (sent.price, sent.error_code, sent.error_message) == (None, None, None)


def test_the_reply_is_twilios_message_resource(
    sandbox: Sandbox, http: httpx.Client, jn: JN
) -> None:
    order = jn.rent()
    reply = http.post(
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
        data={"To": "+" + order["number"], "From": FROM, "Body": "Code: 111222"},
        auth=(ACCOUNT_SID, "token"),
    )
    assert reply.status_code == 201, reply.text
    body = reply.json()
    assert {
        "account_sid",
        "api_version",
        "body",
        "date_created",
        "date_sent",
        "date_updated",
        "direction",
        "error_code",
        "error_message",
        "from",
        "messaging_service_sid",
        "num_media",
        "num_segments",
        "price",
        "price_unit",
        "sid",
        "status",
        "subresource_uris",
        "to",
        "uri",
    } == set(body)
    # RFC 2822, as Twilio writes it: "Wed, 02 Dec 2026 17:11:30 +0000".
    assert body["date_created"].endswith(" +0000") and body["date_created"][3:5] == ", "
    assert body["api_version"] == "2010-04-01"


def test_a_messaging_service_instead_of_from(twilio: Twilio, jn: JN, sandbox: Sandbox) -> None:
    order = jn.rent()
    service = "MG" + "1" * 32
    sent = twilio.messages.create(
        to="+" + order["number"], messaging_service_sid=service, body="Your code is 909090"
    )
    assert (sent.status, sent.from_, sent.messaging_service_sid) == ("accepted", None, service)
    (sms,) = messages(jn, order["id"])
    assert (sms["code"], sms["sender"]) == ("909090", service)


def test_a_number_no_rental_holds_gets_twilios_error(twilio: Twilio, http: httpx.Client) -> None:
    with pytest.raises(TwilioRestException) as raised:
        twilio.messages.create(to="+15005550009", from_=FROM, body="Your code is 123456")
    assert (raised.value.code, raised.value.status) == (21614, 400)
    assert "no rental holds it" in raised.value.msg
    reply = http.post(
        f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
        data={"To": "+15005550009", "From": FROM, "Body": "x"},
    )
    assert reply.status_code == 400
    assert reply.json() == {
        "code": 21614,
        "message": "'To' number +15005550009 is not a valid mobile number "
        "(otpkit sandbox: no rental holds it)",
        "more_info": "https://www.twilio.com/docs/errors/21614",
        "status": 400,
    }


def test_a_cancelled_rental_no_longer_holds_its_number(twilio: Twilio, sandbox: Sandbox) -> None:
    key = sandbox.new_api_key("jesusnumber")
    with otpkit.connect(
        "jesusnumber", api_key=key, base_url=sandbox.base_url, settings=SETTINGS
    ) as client:
        with client.rent(client.find_product("whatsapp")) as rental:
            pass
        with pytest.raises(TwilioRestException, match="its rental is cancelled") as raised:
            twilio.messages.create(to=rental.number, from_=FROM, body="Your code is 123456")
    assert raised.value.code == 21614
    assert sandbox.ledger(key).orders[0].messages == 0


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"From": FROM, "Body": "x"}, 21604),
        ({"To": "not a number", "From": FROM, "Body": "x"}, 21211),
        ({"To": "+12025550123", "From": FROM}, 21602),
        ({"To": "+12025550123", "Body": "x"}, 21603),
        ({"To": "+12025550123", "From": FROM, "Body": "x" * 1601}, 21617),
    ],
)
def test_twilios_validation_errors(http: httpx.Client, fields: dict[str, str], code: int) -> None:
    reply = http.post(f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json", data=fields)
    assert reply.status_code == 400
    assert reply.json()["code"] == code
    assert reply.json()["more_info"] == f"https://www.twilio.com/docs/errors/{code}"


def test_a_gateway_sms_is_pushed_like_any_other(twilio: Twilio, jn: JN, sandbox: Sandbox) -> None:
    receiver = _Receiver()
    try:
        sandbox.set_callback_url(jn.key, receiver.url)
        order = jn.rent()
        twilio.messages.create(to="+" + order["number"], from_=FROM, body="Your code is 246810")
        event = receiver.received.get(timeout=3)
    finally:
        sandbox.set_callback_url(jn.key, None)
        receiver.close()
    assert event["message"]["order_id"] == order["id"]
    assert (event["message"]["sms"], event["message"]["sender"]) == ("Your code is 246810", FROM)


def test_an_order_the_app_texted_gets_no_stand_in_sms(
    twilio: Twilio, jn: JN, sandbox: Sandbox
) -> None:
    sandbox.set_auto_deliver(30)
    texted, untouched = jn.rent(), jn.rent()
    twilio.messages.create(to="+" + texted["number"], from_=FROM, body="Your code is 135791")
    sandbox.advance_clock(31)
    assert [m["sms"] for m in messages(jn, texted["id"])] == ["Your code is 135791"]
    assert len(messages(jn, untouched["id"])) == 1  # the stand-in SMS, for comparison


def test_an_account_can_go_without_the_stand_in_sms(
    jn: JN, http: httpx.Client, sandbox: Sandbox
) -> None:
    sandbox.set_auto_deliver(30)
    quiet = JN(http, sandbox.new_api_key("jesusnumber", auto_deliver=False))
    spared, other = quiet.rent(), jn.rent()
    sandbox.advance_clock(31)
    assert messages(quiet, spared["id"]) == []
    assert len(messages(jn, other["id"])) == 1


def test_the_plain_sms_endpoint(http: httpx.Client, jn: JN) -> None:
    order = jn.rent()
    reply = http.post(
        "/_sandbox/sms", json={"to": order["number"], "body": "Code 424242", "sender": "Acme"}
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "delivered"
    assert messages(jn, order["id"])[0] | {"received_at": None} == {
        "sms": "Code 424242",
        "code": "424242",
        "sender": "Acme",
        "received_at": None,
    }
    missing = http.post("/_sandbox/sms", json={"to": "+15005550009", "body": "Code 424242"})
    assert missing.status_code == 404
    assert missing.json() == {"error": "no number rented from this sandbox matches it"}
    empty = http.post("/_sandbox/sms", json={"to": order["number"], "body": ""})
    assert empty.status_code == 422


@pytest.mark.parametrize(
    ("body", "parts"),
    [
        ("x" * 160, 1),
        ("x" * 161, 2),
        ("x" * 306, 2),
        ("x" * 307, 3),
        ("{" * 80, 1),
        ("ş" * 70, 1),
        ("ş" * 71, 2),
        ("😀" * 35, 1),
    ],
)
def test_num_segments(body: str, parts: int) -> None:
    assert num_segments(body) == parts
