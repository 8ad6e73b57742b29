"""Phone numbers as providers hand them out, turned into E.164 with ``phonenumbers``."""

from __future__ import annotations

from typing import NamedTuple

import phonenumbers


class ParsedNumber(NamedTuple):
    e164: str
    national: str
    country_code: int


def parse_number(raw: str, region: str | None = None) -> ParsedNumber | None:
    """Read a number given as digits with or without ``+`` (or spaces, dashes, brackets).

    Providers give international numbers, usually without the ``+``; ``region`` is only a hint
    for a number that does not parse as international. None when it is not a phone number.
    """
    text = raw.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if not 6 <= len(digits) <= 17:
        return None
    attempts = [f"+{digits}"] if not text.startswith("00") else [f"+{digits[2:]}"]
    if region:
        attempts.append(text)
    for candidate in attempts:
        try:
            number = phonenumbers.parse(candidate, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number) and number.country_code:
            return ParsedNumber(
                phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                phonenumbers.national_significant_number(number),
                number.country_code,
            )
    return None
