"""The demo sign-up site under ``/demo``: a phone-verification form whose SMS the sandbox sends.

``GET /demo/signup`` is the page (plain HTML and JS, no external assets). Its script calls
``POST /demo/api/send-code`` with the number typed, which texts a fresh 6-digit code to the
sandbox rental holding that number, and ``POST /demo/api/verify``, which accepts only that
code: one live code per number, valid for ``CODE_TTL`` of sandbox time, ``MAX_ATTEMPTS`` wrong
guesses, used once. Errors are ``{"error": <what the page shows>, "reason": <slug>}``.
Numbers the delivery model refuses get ``REFUSED_MESSAGE`` (reason ``number_refused``); a dead
number's code is "sent" and never arrives; under the ``real-world`` profile codes come late.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib.resources import files
from typing import Any, Final

import phonenumbers
from phonenumbers import PhoneNumberFormat
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from otpkit.sandbox._engine import Engine
from otpkit.sandbox._state import Refused

__all__ = [
    "CODE_LENGTH",
    "CODE_TTL",
    "MAX_ATTEMPTS",
    "REFUSED_MESSAGE",
    "SENDER",
    "SIGNUP_PATH",
    "DemoSite",
    "routes",
]

SIGNUP_PATH: Final = "/demo/signup"
CODE_LENGTH: Final = 6
#: How long a code stays valid, in sandbox time (``Sandbox.advance_clock`` expires it).
CODE_TTL: Final = timedelta(minutes=5)
#: Wrong guesses allowed per code; after that only a new code helps.
MAX_ATTEMPTS: Final = 5
SENDER: Final = "Demo"
#: What the page says for a number the delivery model refuses (``refused_rate``).
REFUSED_MESSAGE: Final = "This number can't receive SMS. Use another number."

_PAGE = files(__package__).joinpath("_demo_site.html").read_text(encoding="utf-8")
# No external assets and nothing but this origin to talk to, as the page promises.
_PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; script-src 'unsafe-inline'; "
    "style-src 'unsafe-inline'; connect-src 'self'; img-src data:; form-action 'self'",
}


class _Problem(Exception):
    """A request the site turns down, with the status and words the page shows."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message = status, reason, message


@dataclass
class _Code:
    code: str
    sent_at: datetime
    wrong: int = 0


class DemoSite:
    """The site's memory of codes sent, per E.164 number, on the sandbox clock of ``engine``."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._codes: dict[str, _Code] = {}

    def send_code(self, phone: str, country: str | None = None) -> dict[str, Any]:
        """Text a fresh code to the rental holding ``phone``; it replaces any earlier one."""
        number = _parse(phone, country)
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        display = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
        if self._engine.state.number_refused(e164):
            # What apps say to numbers they know as virtual or blocked; nothing is texted.
            raise _Problem(422, "number_refused", REFUSED_MESSAGE)
        code = f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"
        minutes = int(CODE_TTL.total_seconds() // 60)
        text = (
            f"Your {SENDER} code is {code}. It expires in {minutes} minutes. "
            "Don't share it with anyone."
        )
        try:
            delivery = self._engine.state.text_from_app(e164, text, code=code, sender=SENDER)
        except Refused:
            raise _Problem(
                422,
                "not_rented",
                f"We couldn't text {display}: no number rented from this sandbox matches it.",
            ) from None
        finally:
            self._engine.pump()  # a delivery may have a webhook push to send
        # A dead number's SMS is "sent" as far as the site knows: it just never arrives.
        if delivery.status == "ignored":
            raise _Problem(
                422,
                "rental_cancelled",
                f"We couldn't text {display}: its rental has been cancelled.",
            )
        self._codes[e164] = _Code(code, self._engine.clock.now())
        return {
            "sent": True,
            "phone": e164,
            "display": display,
            "code_length": CODE_LENGTH,
            "expires_in": int(CODE_TTL.total_seconds()),
        }

    def verify(self, phone: str, code: str) -> dict[str, Any]:
        """Accept ``code`` if it is the live code of ``phone``; it cannot be used again."""
        number = _parse(phone, None)
        e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
        display = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
        sent = self._codes.get(e164)
        if sent is None:
            raise _Problem(404, "no_code", "No code was sent to this number.")
        if self._engine.clock.now() - sent.sent_at > CODE_TTL:
            del self._codes[e164]
            raise _Problem(410, "expired", "That code has expired. Request a new one.")
        if sent.wrong >= MAX_ATTEMPTS:
            raise _Problem(429, "too_many_attempts", "Too many wrong codes. Request a new one.")
        typed = re.sub(r"[\s-]+", "", code)  # "123 456" and "123-456" are what the SMS says
        if not secrets.compare_digest(typed.encode(), sent.code.encode()):
            sent.wrong += 1
            left = MAX_ATTEMPTS - sent.wrong
            more = (
                f"{left} attempt{'s' if left != 1 else ''} left." if left else "Request a new one."
            )
            raise _Problem(400, "wrong_code", f"That code is not right. {more}")
        del self._codes[e164]
        return {
            "verified": True,
            "phone": e164,
            "message": f"Welcome, {display}! Your phone is verified.",
        }

    def routes(self) -> list[BaseRoute]:
        """The site's routes, under ``/demo``."""
        return [
            Route("/demo", _to_signup, methods=["GET"]),
            Route("/demo/", _to_signup, methods=["GET"]),
            Route(SIGNUP_PATH, _page, methods=["GET"], name="signup_page"),
            Route("/demo/api/send-code", self._send_code_endpoint, methods=["POST"]),
            Route("/demo/api/verify", self._verify_endpoint, methods=["POST"]),
        ]

    async def _send_code_endpoint(self, request: Request) -> Response:
        try:
            body = await _body(request)
            phone = _text(body, "phone", "Enter your mobile number.")
            country = body.get("country")
            result = self.send_code(phone, country if isinstance(country, str) else None)
        except _Problem as problem:
            return _problem(problem)
        return JSONResponse(result)

    async def _verify_endpoint(self, request: Request) -> Response:
        try:
            body = await _body(request)
            phone = _text(body, "phone", "Enter your mobile number.")
            code = _text(body, "code", "Enter the code we texted you.")
            result = self.verify(phone, code)
        except _Problem as problem:
            return _problem(problem)
        return JSONResponse(result)


def routes(engine: Engine) -> list[BaseRoute]:
    """The demo site's routes for the sandbox app serving ``engine``."""
    return DemoSite(engine).routes()


async def _to_signup(request: Request) -> Response:
    return RedirectResponse(request.url_for("signup_page"), status_code=307)


async def _page(request: Request) -> Response:
    return HTMLResponse(_PAGE, headers=_PAGE_HEADERS)


def _parse(phone: str, country: str | None) -> phonenumbers.PhoneNumber:
    region = country.strip().upper() if country else None
    try:
        number = phonenumbers.parse(phone, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise _Problem(422, "invalid_phone", "Enter a valid mobile number.")
    return number


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise _Problem(400, "bad_request", "Send a JSON object.")
    return body


def _text(body: dict[str, Any], name: str, missing: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _Problem(400, "missing_" + name, missing)
    return value


def _problem(problem: _Problem) -> Response:
    return JSONResponse({"error": problem.message, "reason": problem.reason}, problem.status)
