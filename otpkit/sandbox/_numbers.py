"""Phone numbers that ``phonenumbers`` accepts as valid mobiles of the wanted country."""

from __future__ import annotations

import random

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

__all__ = ["NumberFactory", "digits_of"]

_MOBILE = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)
# Keep more of the example number's leading digits as attempts fail: few fixed digits give
# variety, more of them make a valid number likely; the last step hardly ever fails.
_KEEP_SCHEDULE = ((1, 25), (2, 25), (3, 50), (-4, 200))


def digits_of(number: str) -> str:
    """Only the digits of ``number`` (the key of the number index)."""
    return "".join(ch for ch in number if ch.isdigit())


class NumberFactory:
    """Hands out distinct E.164 numbers, varying the digits of each region's example mobile."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._used: set[str] = set()

    def new(self, region: str) -> str:
        """A fresh valid mobile number of ``region`` (ISO 3166 code) in E.164."""
        example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
        if example is None:
            raise ValueError(f"no example mobile number for region {region!r}")
        prefix = f"+{example.country_code}"
        nsn = phonenumbers.national_significant_number(example)
        for keep, attempts in _KEEP_SCHEDULE:
            fixed = nsn[:keep]
            for _ in range(attempts):
                tail = "".join(str(self._rng.randrange(10)) for _ in nsn[len(fixed) :])
                candidate = prefix + fixed + tail
                if candidate in self._used:
                    continue
                number = phonenumbers.parse(candidate)
                if _fits(number, region):
                    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
                    self._used.add(e164)
                    return e164
        raise RuntimeError(f"could not make a new valid number for region {region!r}")


def _fits(number: phonenumbers.PhoneNumber, region: str) -> bool:
    # Valid is not enough where a calling code is shared: +1 is also Canada, +7 also Russia.
    return (
        phonenumbers.is_valid_number(number)
        and phonenumbers.region_code_for_number(number) == region
        and phonenumbers.number_type(number) in _MOBILE
    )
