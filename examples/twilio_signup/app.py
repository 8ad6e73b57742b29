"""A small web app with a phone sign-up whose backend texts the code with the ``twilio`` SDK.

The app under test of ``test_twilio_signup.py``; it knows nothing about otpkit. Configured by
its environment, as an app in production is:

    TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN   the account
    TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID   who sends the SMS
    TWILIO_API_BASE_URL   where Twilio's REST API is (unset: Twilio itself; the tests point it
                          at otpkit's sandbox)
    HOST, PORT            where to listen (127.0.0.1:8000)

    python examples/twilio_signup/app.py
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field

import phonenumbers
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Acme: sign up</title></head>
<body>
<h1>Sign up to Acme</h1>
<form id="phone-form">
  <label for="phone">Mobile number</label>
  <input id="phone" name="phone" type="tel" autocomplete="tel" placeholder="+1 555 123 4567">
  <button type="submit">Send code</button>
</form>
<form id="code-form" hidden>
  <p>Enter the code we texted you.</p>
  <label for="code">Code</label>
  <input id="code" name="code" autocomplete="one-time-code" inputmode="numeric" maxlength="6">
  <button type="submit">Verify</button>
</form>
<p role="alert" id="error"></p>
<p role="status" id="status"></p>
<script>
const $ = (id) => document.getElementById(id);
async function post(path, body) {
  const reply = await fetch(path, {method: "POST", headers: {"Content-Type": "application/json"},
                                   body: JSON.stringify(body)});
  const answer = await reply.json();
  $("error").textContent = reply.ok ? "" : answer.error;
  return reply.ok ? answer : null;
}
$("phone-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (await post("/api/send-code", {phone: $("phone").value})) {
    $("code-form").hidden = false;
    $("code").focus();
  }
});
$("code-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const answer = await post("/api/verify", {phone: $("phone").value, code: $("code").value});
  if (answer) $("status").textContent = "Your phone " + answer.phone + " is verified.";
});
</script>
</body></html>
"""


class _Refusal(Exception):
    pass


@dataclass
class Verifier:
    """Sends codes through Twilio and checks them: one live code per number, used once."""

    twilio: Client
    sender: dict[str, str]
    codes: dict[str, str] = field(default_factory=dict)

    def send_code(self, phone: str) -> str:
        number = _e164(phone)
        code = f"{secrets.randbelow(10**6):06d}"
        try:
            self.twilio.messages.create(
                to=number,
                body=f"Your Acme code is {code}. It expires in 10 minutes.",
                **self.sender,
            )
        except TwilioRestException as error:
            raise _Refusal(f"We couldn't text {number} (Twilio error {error.code}).") from None
        self.codes[number] = code
        return number

    def verify(self, phone: str, code: str) -> str:
        number = _e164(phone)
        if self.codes.get(number) != code.strip():
            raise _Refusal("That code is not right.")
        del self.codes[number]
        return number


def _e164(phone: str) -> str:
    try:
        number = phonenumbers.parse(phone)
    except phonenumbers.NumberParseException:
        raise _Refusal("Type your number with its country code, e.g. +1 555 123 4567.") from None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def verifier_from_env() -> Verifier:
    """The Twilio client and sender the environment describes."""
    sid, token = os.environ["TWILIO_ACCOUNT_SID"], os.environ["TWILIO_AUTH_TOKEN"]
    twilio = Client(sid, token)  # type: ignore[no-untyped-call]  # (its __init__ is unannotated)
    base_url = os.environ.get("TWILIO_API_BASE_URL")
    if base_url:
        twilio.api.base_url = base_url.rstrip("/")
    if os.environ.get("TWILIO_MESSAGING_SERVICE_SID"):
        sender = {"messaging_service_sid": os.environ["TWILIO_MESSAGING_SERVICE_SID"]}
    else:
        sender = {"from_": os.environ["TWILIO_FROM"]}
    return Verifier(twilio, sender)


def create_app(verifier: Verifier) -> Starlette:
    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def send_code(request: Request) -> Response:
        body = await request.json()
        try:
            # The SDK is synchronous: keep it off the event loop.
            number = await run_in_threadpool(verifier.send_code, str(body.get("phone", "")))
        except _Refusal as refusal:
            return JSONResponse({"error": str(refusal)}, 422)
        return JSONResponse({"sent": True, "phone": number})

    async def verify(request: Request) -> Response:
        body = await request.json()
        try:
            number = verifier.verify(str(body.get("phone", "")), str(body.get("code", "")))
        except _Refusal as refusal:
            return JSONResponse({"error": str(refusal)}, 422)
        return JSONResponse({"verified": True, "phone": number})

    return Starlette(
        routes=[
            Route("/", page),
            Route("/api/send-code", send_code, methods=["POST"]),
            Route("/api/verify", verify, methods=["POST"]),
        ]
    )


if __name__ == "__main__":
    uvicorn.run(
        create_app(verifier_from_env()),
        host=os.environ.get("HOST", "127.0.0.1"),
        port=int(os.environ.get("PORT", "8000")),
        log_level="warning",
    )
