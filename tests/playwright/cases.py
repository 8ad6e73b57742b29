"""The page scenarios both the sync and the async tests run, and what each page must report.

Each page's own JavaScript writes what it computed into #result (the number it would submit,
the selected country, the code its slots show, keystrokes it received); the expectations are
about that, so they prove the widgets' scripts saw real input.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

RESULT_READY = "() => document.querySelector('#result').textContent.length > 0"


def parse_result(text: str | None) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text or "{}")
    return data


def subset(result: dict[str, Any], expected: dict[str, Any]) -> dict[str, Any]:
    return {key: result.get(key) for key in expected}


@dataclass(frozen=True)
class PhoneCase:
    id: str
    path: str
    number: str
    submit: str
    expect: dict[str, Any]
    target: str | None = None  # a selector to scope the helper to, else the whole page
    country: str | None = None


@dataclass(frozen=True)
class OtpCase:
    id: str
    path: str
    code: str
    submit: str | None  # None: the page submits by itself
    expect: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SignUpCase:
    id: str
    query: str
    expect: dict[str, Any]


PHONE_CASES = [
    PhoneCase(
        "plain-tel-field",
        "plain.html",
        "+14155550123",
        "text=Send code",
        {"phone": "+14155550123", "valid": True, "keys": 12, "honeypot": ""},
    ),
    PhoneCase(
        "select-country-names",
        "country_select.html",
        "+447400123456",
        "#signup button",
        {"country": "GB", "e164": "+447400123456"},
        target="#signup",
    ),
    PhoneCase(
        "select-shared-dial-code",
        "country_select.html",
        "+16135550123",
        "#signup button",
        {"country": "CA", "e164": "+16135550123"},
        target="#signup",
        country="CA",
    ),
    PhoneCase(
        "select-dial-codes-german",
        "country_select.html",
        "+41791234567",
        "#kontakt button",
        {"form": "kontakt", "e164": "+41791234567"},
        target="#kontakt",
    ),
    PhoneCase(
        "intl-tel-input",
        "iti.html",
        "+447400123456",
        "text=Continue",
        {"number": "+447400123456", "country": "gb", "valid": True},
    ),
    PhoneCase(
        "intl-tel-input-country-override",
        "iti.html",
        "+16135550123",
        "text=Continue",
        {"number": "+16135550123", "country": "ca", "valid": True},
        country="CA",
    ),
    PhoneCase(
        "react-phone-input-2",
        "react_tel.html",
        "+905321234567",
        "text=Get code",
        {"phone": "+905321234567", "country": "tr"},
    ),
]

OTP_CASES = [
    OtpCase(
        "single-one-time-code",
        "otp_single.html",
        "482913",
        "text=Verify",
        {"code": "482913", "keys": 6, "promo": ""},
    ),
    OtpCase(
        "4-boxes-auto-advance",
        "otp_boxes.html?n=4",
        "4829",
        "text=Confirm",
        {"code": "4829", "how": "button", "keyed": [0, 1, 2, 3], "focusMoves": 3},
    ),
    OtpCase(
        "6-boxes-auto-advance-auto-submit",
        "otp_boxes.html?n=6&autosubmit=1",
        "482913",
        None,
        {"code": "482913", "how": "auto", "focusMoves": 5},
    ),
    OtpCase(
        "6-boxes-no-auto-advance",
        "otp_boxes.html?n=6&advance=0",
        "482913",
        "text=Confirm",
        {"code": "482913", "how": "button", "keyed": [0, 1, 2, 3, 4, 5], "focusMoves": 0},
    ),
    OtpCase(
        "input-otp-hidden-input-over-slots",
        "input_otp.html",
        "482913",
        None,
        {"code": "482913", "inputs": 6},
    ),
    OtpCase(
        "code-with-sms-separators",
        "otp_single.html",
        " 482-913 ",
        "text=Verify",
        {"code": "482913"},
    ),
]

# The first case has the code step appear a full second after "send"; the others shorten that
# delay to keep the run quick, since waiting is the same code path.
SIGN_UP_CASES = [
    SignUpCase("english-single-field-1s-delay", "", {"how": "button", "verifyClicks": 1}),
    SignUpCase(
        "turkish-4-boxes", "?lang=tr&boxes=4&delay=300", {"how": "button", "verifyClicks": 1}
    ),
    SignUpCase(
        "6-boxes-auto-submit",
        "?boxes=6&autosubmit=1&delay=300",
        {"how": "auto", "verifyClicks": 0},
    ),
]
QUICK_SIGN_UP = "delayed.html?delay=300"
SIGN_UP_NUMBER = "+447400123456"
# delayed.html puts the "SMS" into window.sms one second after the code was requested.
SMS_ARRIVED = "() => window.sms"

# A field whose caption says it wants the rest after a printed "+90".
FIXED_PREFIX_PAGE = """
<form>
  <label for="gsm">Cep telefonu</label>
  <div class="row"><span>+90</span><input id="gsm" name="gsm" maxlength="10"></div>
</form>
<script>
  gsm.addEventListener('input', () => { document.title = '+90' + gsm.value; });
</script>
"""

# A field the page only adds after a moment, with nothing naming it as a phone field except its
# type; the helper waits for it.
LATE_FIELD_PAGE = """
<div id="slot"></div>
<script>
  setTimeout(() => {
    const input = document.createElement('input');
    input.type = 'tel';
    input.addEventListener('input', () => { document.title = input.value; });
    slot.appendChild(input);
  }, 400);
</script>
"""

NO_CODE_FIELD_PAGE = """
<label>Phone <input id="phone" name="phone" type="tel"></label>
<button>Send code</button>
"""
