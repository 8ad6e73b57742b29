"""Pages built from the real widget packages (tests/playwright/widgets), and what each app must
hold afterwards: the state it would submit (``window.widgetState``, written into #result on
submit), not the DOM value. Every number is from a country other than the widget's default.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WidgetCase:
    id: str
    path: str
    value: str  # the number, or the code
    submit: str
    expect: dict[str, Any]


GB = "+447400123456"

PHONE_WIDGETS = [
    WidgetCase(
        "mui-tel-input-flag-menu",
        "widgets/mui_tel.html",
        GB,
        "text=Send code",
        {"value": "+44 7400 123456", "country": "GB", "valid": True},
    ),
    WidgetCase(
        "mui-tel-input-forced-calling-code",
        "widgets/mui_tel.html?force=1",
        GB,
        "text=Send code",
        {"value": "+44 7400 123456", "country": "GB", "national": "7400123456"},
    ),
    WidgetCase(
        "antd-select-of-dial-codes",
        "widgets/antd_phone.html",
        GB,
        "text=Send code",
        {"country": "GB", "e164": GB},
    ),
    WidgetCase(
        "react-phone-number-input",
        "widgets/rpni.html",
        "+4915123456789",
        "text=Send code",
        {"value": "+4915123456789", "country": "DE", "valid": True},
    ),
    WidgetCase(
        "react-phone-input-2-search",
        "widgets/rpi2.html",
        "+905321234567",
        "text=Get code",
        {"value": "905321234567", "country": "tr", "dialCode": "90"},
    ),
    WidgetCase(
        "react-phone-input-2-no-search",
        "widgets/rpi2.html?search=0",
        "+905321234567",
        "text=Get code",
        {"value": "905321234567", "country": "tr"},
    ),
    WidgetCase(
        "react-select-country-names",
        "widgets/react_select.html",
        "+34612345678",
        "text=Send code",
        {"country": "ES", "e164": "+34612345678"},
    ),
    WidgetCase(
        "headless-ui-listbox",
        "widgets/headless_listbox.html",
        "+393331234567",
        "text=Send code",
        {"country": "IT", "e164": "+393331234567"},
    ),
    WidgetCase(
        "mui-autocomplete",
        "widgets/mui_autocomplete.html",
        "+31612345678",
        "text=Send code",
        {"country": "NL", "e164": "+31612345678"},
    ),
    WidgetCase(
        "intl-tel-input",
        "widgets/iti.html",
        GB,
        "text=Continue",
        {"number": GB, "country": "gb", "valid": True},
    ),
    WidgetCase(
        "intl-tel-input-separate-dial-code",
        "widgets/iti.html?separate=1",
        GB,
        "text=Continue",
        {"number": GB, "country": "gb", "valid": True},
    ),
    WidgetCase(
        "vue-tel-input",
        "widgets/vue_tel.html",
        "+33612345678",
        "text=Send code",
        {"e164": "+33612345678", "country": "FR", "valid": True},
    ),
    WidgetCase(
        "shadow-dom-select-of-flags-and-iso-codes",
        "widgets/shadow.html",
        "+48512345678",
        "text=Send code",
        {"country": "PL", "e164": "+48512345678"},
    ),
]

OTP_WIDGETS = [
    WidgetCase("mui-one-time-password-input", "widgets/mui_otp.html", "482913", "text=Verify", {}),
    WidgetCase("antd-input-otp", "widgets/antd_otp.html", "482913", "text=Verify", {}),
    WidgetCase("shadow-dom-boxes", "widgets/shadow.html", "482913", "text=Send code", {}),
]

# A verification dialog whose code step is a same-origin iframe holding the MUI widget.
IFRAME_DIALOG = "iframe_dialog.html?open=1"
IFRAME = "#verify iframe"

# antd with only China and France on offer: the UK cannot be set.
UNSETTABLE = "widgets/antd_phone.html?only=CN,FR"
READY = "() => window.widgetState"
