"""What number a phone widget holds, from what the page script read back (``readout`` in
``_dom.js``): the field's value, the country its control shows, a dial code printed beside it.

A widget "denotes" a number when the app behind it would submit that number: "+44 7400 123456"
in a field whose flag shows the UK, "7400 123456" beside a "+44" or a select set to the UK.
A "+44..." typed next to a control still showing "+86" denotes nothing: apps glue the two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import phonenumbers


@dataclass(frozen=True)
class Reading:
    """The number the widget denotes (E.164, or None when it is not a whole number) and how it
    looks, for the error message."""

    denotes: str | None
    ok: bool
    shows: str


def _digits(text: str) -> str:
    return re.sub(r"\D+", "", text)


def _e164(text: str, region: str | None) -> str | None:
    try:
        parsed = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not parsed.country_code or not parsed.national_number:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _dial_of(region: str) -> str:
    code = phonenumbers.country_code_for_region(region) if region else 0
    return str(code) if code else ""


def describe(shown: dict[str, Any]) -> str:
    """How the widget looks, in the words of its own texts."""
    value = str(shown.get("value") or "")
    parts = [repr(value)]
    if shown.get("prefix"):
        parts.append(f"after +{shown['prefix']}")
    control = shown.get("control") or {}
    if control.get("text"):
        parts.append(f"with the country control showing {control['text']!r}")
    return " ".join(parts)


def read_phone(shown: dict[str, Any], wanted: str) -> Reading:
    """Whether ``shown`` (a readout) denotes ``wanted`` (E.164)."""
    value = str(shown.get("value") or "").strip()
    digits = _digits(value)
    control = shown.get("control") or {}
    region = str(control.get("region") or "")
    dial = str(shown.get("prefix") or control.get("dial") or _dial_of(region))
    if region and dial and _dial_of(region) != dial:
        region = ""  # a misread name or flag; the printed dial code is what the app uses
    denotes: str | None
    if value.startswith(("+", "00")):
        number = _e164("+" + value[2:] if value.startswith("00") else value, None)
        # A whole number typed beside a control set to another country: the app joins them.
        conflict = bool(dial and number and not number.startswith("+" + dial))
        denotes = f"+{dial} {value}" if conflict else number
    elif dial and digits.startswith(dial) and "+" + digits == wanted and not shown.get("prefix"):
        denotes = "+" + digits  # the widget keeps the dial code inside the field, without "+"
    elif region:
        denotes = _e164(value, region)
    elif dial:
        denotes = _e164(f"+{dial}{digits}", None)
    else:
        # No country anywhere on the widget: a plain field, where the digits are all there is.
        nsn = phonenumbers.national_significant_number(phonenumbers.parse(wanted, None))
        ok = digits in (nsn, "0" + nsn, wanted[1:])
        return Reading(denotes="+" + digits if digits else None, ok=ok, shows=describe(shown))
    ok = denotes == wanted
    for hidden in shown.get("hidden") or []:
        text = str(hidden)
        held = _e164(text if text.startswith("+") else "+" + _digits(text), None)
        if held is not None and held != wanted:
            ok = False
    return Reading(denotes=denotes, ok=ok, shows=describe(shown))
