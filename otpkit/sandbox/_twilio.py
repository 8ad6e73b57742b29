"""A Twilio-compatible Messages endpoint: the SMS gateway of the app under test.

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` with Twilio's form fields (``To``,
``From`` or ``MessagingServiceSid``, ``Body``) texts the rental holding ``To``, whichever
provider it is rented from, and answers with Twilio's Message resource (HTTP 201) or Twilio's
error shape (HTTP 400). Basic auth is accepted and not checked: any account SID and token do.
The official SDK sends through it once ``client.api.base_url`` is the sandbox's URL.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from email.utils import format_datetime
from typing import Any, Final
from urllib.parse import parse_qsl

import phonenumbers
from phonenumbers import PhoneNumberFormat
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from otpkit.sandbox._engine import Engine
from otpkit.sandbox._state import Refused

__all__ = ["MESSAGES_PATH", "routes"]

API_VERSION: Final = "2010-04-01"
MESSAGES_PATH: Final = f"/{API_VERSION}/Accounts/{{account_sid}}/Messages.json"
#: Twilio refuses longer bodies (error 21617).
MAX_BODY: Final = 1600
# GSM 03.38's basic set: a body outside it is sent as UCS-2, with fewer characters a segment.
_GSM = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENDED = set("^{}\\[~]|€\f")


class _TwilioError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _error(code: int, message: str, status: int = 400) -> Response:
    return JSONResponse(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        },
        status,
    )


def num_segments(body: str) -> int:
    """How many SMS parts ``body`` takes: 160 GSM characters alone, 153 each when split
    (an extended character counts twice); 70 and 67 UCS-2 characters otherwise."""
    if all(ch in _GSM or ch in _GSM_EXTENDED for ch in body):
        units = len(body) + sum(ch in _GSM_EXTENDED for ch in body)
        single, part = 160, 153
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, part = 70, 67
    return 1 if units <= single else -(-units // part)


def _recipient(raw: str) -> str:
    """``To`` in E.164; Twilio's 21211 when it is not a phone number."""
    text = raw.strip()
    try:
        number = phonenumbers.parse(text if text.startswith("+") else "+" + text)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_possible_number(number):
        raise _TwilioError(21211, f"Invalid 'To' Phone Number: {text}")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def _sender(fields: dict[str, str]) -> tuple[str | None, str | None]:
    sender = fields.get("From", "").strip() or None
    service = fields.get("MessagingServiceSid", "").strip() or None
    if sender is None and service is None:
        raise _TwilioError(
            21603, "A 'From' or 'MessagingServiceSid' parameter is required to send a message"
        )
    return sender, service


async def _create_message(request: Request) -> Response:
    engine: Engine = request.app.state.engine
    account_sid = request.path_params["account_sid"]
    fields = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    try:
        if not fields.get("To", "").strip():
            raise _TwilioError(21604, "A 'To' phone number is required.")
        to = _recipient(fields["To"])
        sender, service = _sender(fields)
        body = fields.get("Body", "")
        if not body:
            raise _TwilioError(21602, "Message body is required.")
        if len(body) > MAX_BODY:
            raise _TwilioError(
                21617, f"The concatenated message body exceeds the {MAX_BODY} character limit."
            )
        with engine.state.lock:
            try:
                delivery = engine.state.deliver_to_number(to, body, sender=sender or service)
            except Refused:
                delivery = None
            if delivery is None or delivery.status == "ignored":
                why = "its rental is cancelled" if delivery else "no rental holds it"
                raise _TwilioError(
                    21614,
                    f"'To' number {to} is not a valid mobile number (otpkit sandbox: {why})",
                )
            created = engine.clock.now()
    except _TwilioError as error:
        return _error(error.code, error.message)
    finally:
        engine.pump()  # the SMS may have a webhook push to send
    return JSONResponse(_message(account_sid, to, sender, service, body, created), 201)


def _message(
    account_sid: str, to: str, sender: str | None, service: str | None, body: str, created: datetime
) -> dict[str, Any]:
    sid = "SM" + secrets.token_hex(16)
    uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}"
    stamp = format_datetime(created)
    return {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "body": body,
        "date_created": stamp,
        "date_sent": None,
        "date_updated": stamp,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        # Twilio picks the sender from a messaging service's pool later, and says so.
        "from": sender,
        "messaging_service_sid": service,
        "num_media": "0",
        "num_segments": str(num_segments(body)),
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "accepted" if service is not None and sender is None else "queued",
        "subresource_uris": {"media": f"{uri}/Media.json"},
        "to": to,
        "uri": f"{uri}.json",
    }


def routes() -> list[BaseRoute]:
    """The Twilio-compatible routes."""
    return [Route(MESSAGES_PATH, _create_message, methods=["POST"])]
