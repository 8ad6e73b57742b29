"""What a test's rentals were, as data: the one source of the failure section, pytest-html,
JUnit XML and ``--otp-report``.

A ``RentalRecord`` is one rented number of one run of a test (a rerun by pytest-rerunfailures
is a new run; a number dropped by rotation is an attempt of its run): where it came from, the
number (masked to its last four digits unless asked otherwise), its timeline, how it ended, the
verdict when it failed, and the money. A ``RentFailure`` is a number a run could not rent (out
of stock, no balance): its verdict counts as well.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict

if TYPE_CHECKING:
    import otpkit

__all__ = [
    "EventRecord",
    "Outcome",
    "RentFailure",
    "RentalRecord",
    "hide_numbers",
    "mask",
    "masked",
    "outcome_of",
    "rental_record",
]

#: How a rental ended: its code was received (the provider keeps the payment), cancelled with
#: or without a refund, a cancel that failed (left for ``otpkit sweep``), or still open.
Outcome = Literal["code_received", "refunded", "not_refunded", "cancel_failed", "open"]


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EventRecord(_Record):
    """One step of a rental's timeline."""

    at: datetime
    kind: str
    detail: str


class RentalRecord(_Record):
    """One rented number of one run of a test."""

    test: str
    #: 1 for the test's first run, 2 for its first rerun (pytest-rerunfailures), ...
    run: int
    #: 1 for the run's first number, 2 after rotation dropped it, ...
    attempt: int
    provider: str
    product: str
    country: str | None
    number: str
    order_id: str
    rented_at: datetime
    outcome: Outcome
    outcome_detail: str
    verdict: str | None
    charged: Decimal | None
    refunded: Decimal
    timeline: list[EventRecord]


class RentFailure(_Record):
    """A number one run of a test could not rent (no stock, no money): no rental to record,
    but a verdict all the same."""

    test: str
    run: int
    verdict: str
    detail: str


def mask(number: str) -> str:
    """``number`` with all but its last four digits hidden: ``+*******0503``."""
    digits = [c for c in number if c.isdigit()]
    shown = "".join(digits[-4:])
    return ("+" if number.startswith("+") else "") + "*" * max(len(digits) - 4, 0) + shown


#: What may stand between the digits of a number as a text quotes it: +1 (202) 896-9404.
_SEPARATORS = r"[\s\-.()/\\]*"


def _quoted(number: str) -> re.Pattern[str] | None:
    """Any spelling of ``number`` in a text: its national digits with or without separators,
    with or without its country code (``+1 202 896 9404``, ``(202) 896-9404``, ``12028969404``)."""
    from otpkit._phone import parse_number

    parsed = parse_number(number)
    digits = "".join(c for c in number if c.isdigit())
    national = parsed.national if parsed is not None else digits
    if len(national) < 6:
        return None
    country = digits[: len(digits) - len(national)] if digits.endswith(national) else ""
    prefix = f"(?:\\+?{_SEPARATORS.join(country)}{_SEPARATORS})?" if country else r"\+?"
    return re.compile(rf"(?<!\d){prefix}{_SEPARATORS.join(national)}(?!\d)")


def hide_numbers(text: str, numbers: Iterable[str]) -> str:
    """``text`` with every spelling of each of ``numbers`` masked to its last four digits."""
    for number in numbers:
        pattern = _quoted(number)
        if pattern is not None:
            text = pattern.sub(lambda found: mask(found.group()), text)
    return text


def masked(record: RentalRecord, number: str) -> RentalRecord:
    """``record`` with ``number`` hidden in its texts as well as in its ``number`` field (an
    error message or an SMS may quote it)."""

    def hide(text: str) -> str:
        return hide_numbers(text, [number])

    timeline = [
        event.model_copy(update={"detail": hide(event.detail)}) for event in record.timeline
    ]
    return record.model_copy(
        update={
            "number": mask(number),
            "outcome_detail": hide(record.outcome_detail),
            "timeline": timeline,
        }
    )


def outcome_of(rental: otpkit.Rental | otpkit.AsyncRental) -> tuple[Outcome, str]:
    """How ``rental`` ended, and the provider's or otpkit's words for it."""
    kinds = [event.kind for event in rental.timeline]
    ended = rental.outcome
    if ended is not None:
        if "kept" in kinds:
            return "code_received", ended.detail
        return ("refunded" if ended.refunded else "not_refunded"), ended.detail
    if "cancel_failed" in kinds:
        failed = [e for e in rental.timeline if e.kind == "cancel_failed"]
        return "cancel_failed", failed[-1].detail
    return "open", "not cancelled yet"


def _country(number: str) -> str | None:
    import phonenumbers

    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(number)) or None
    except phonenumbers.NumberParseException:
        return None


def rental_record(
    number: otpkit.PhoneNumber, *, test: str, run: int, attempt: int, show_number: bool = False
) -> RentalRecord:
    """The record of ``number`` as rented by ``test`` (its number masked everywhere unless
    ``show_number``)."""
    rental = number.rental
    outcome, detail = outcome_of(rental)
    refunded = rental.price if outcome == "refunded" and rental.price is not None else Decimal(0)
    record = RentalRecord(
        test=test,
        run=run,
        attempt=attempt,
        provider=rental.provider,
        product=rental.service or rental.product_id,
        country=_country(rental.number),
        number=rental.number,
        order_id=rental.id,
        rented_at=rental.rented_at,
        outcome=outcome,
        outcome_detail=detail,
        verdict=None if rental.verdict is None else str(rental.verdict),
        charged=rental.price,
        refunded=refunded,
        timeline=[EventRecord(at=e.at, kind=e.kind, detail=e.detail) for e in rental.timeline],
    )
    return record if show_number else masked(record, rental.number)
