"""A rental's story for reports, and the verdict on a failed verification.

Every rental keeps a ``Timeline``: rented (and for how much), each poll and what it found, a
poll woken by a push, the SMS, the code, a wait given up (with its verdict), a number the app
refused, and how the cancel ended (and the money). Reports (pytest's failure section,
pytest-html, JUnit XML, ``--otp-report``) show it; nothing in it is a secret (no API key; the
number as the provider gave it, masked by whoever publishes it).

A ``Verdict`` says in one word why a verification failed, for the error, the report and the
summary::

    never_sent        no SMS reached the provider: the app never sent one, or the number is dead
    filters_mismatch  SMS arrived but none matched the wait's filters
    provider_errors   the provider failed more polls than it answered: nothing can be told
    number_rejected   the app under test refused the number
    out_of_stock      the provider had no number for the product
    no_balance        the account had not the money for the rental
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from otpkit.providers._base import now

__all__ = ["Timeline", "TimelineEvent", "Verdict", "verdict_of"]


class Verdict(str, Enum):
    """Why a verification failed (see the module docstring); ``str(verdict)`` is its name."""

    NEVER_SENT = "never_sent"
    FILTERS_MISMATCH = "filters_mismatch"
    PROVIDER_ERRORS = "provider_errors"
    NUMBER_REJECTED = "number_rejected"
    OUT_OF_STOCK = "out_of_stock"
    NO_BALANCE = "no_balance"

    def __str__(self) -> str:
        return self.value

    @property
    def explanation(self) -> str:
        """The verdict in words, as the error message and the reports say it."""
        return _EXPLANATIONS[self]


_EXPLANATIONS = {
    Verdict.NEVER_SENT: "no SMS reached the number (the app never sent it, or the number is dead)",
    Verdict.FILTERS_MISMATCH: "SMS arrived but none counted (filtered out, or no code in it)",
    Verdict.PROVIDER_ERRORS: "the provider failed more polls than it answered",
    Verdict.NUMBER_REJECTED: "the app refused the number",
    Verdict.OUT_OF_STOCK: "the provider was out of stock",
    Verdict.NO_BALANCE: "the account had not enough balance",
}


def verdict_of(error: BaseException) -> Verdict | None:
    """The verdict ``error`` carries (None: not a failed verification, e.g. a bug in the test).

    >>> verdict_of(otpkit.OutOfStockError("no numbers"))  # doctest: +SKIP
    <Verdict.OUT_OF_STOCK: 'out_of_stock'>
    """
    from otpkit._errors import InsufficientBalanceError, NumberRejectedError, OutOfStockError

    given = getattr(error, "verdict", None)
    if isinstance(given, Verdict):
        return given
    if isinstance(error, NumberRejectedError):
        return Verdict.NUMBER_REJECTED
    if isinstance(error, OutOfStockError):
        return Verdict.OUT_OF_STOCK
    if isinstance(error, InsufficientBalanceError):
        return Verdict.NO_BALANCE
    return None


@dataclass(frozen=True)
class TimelineEvent:
    """One step of a rental's story: when (UTC), what (``kind``) and the details.

    ``kind`` is one of ``rented``, ``wait``, ``poll``, ``poll_failed``, ``push``, ``sms``,
    ``code``, ``gave_up``, ``rejected``, ``cancelled``, ``kept``, ``cancel_failed``.
    """

    at: datetime
    kind: str
    detail: str = ""


class Timeline:
    """The events of one rental, in order (appended from any thread)."""

    def __init__(self) -> None:
        self._events: list[TimelineEvent] = []
        self._lock = threading.Lock()

    def add(self, kind: str, detail: str = "") -> None:
        with self._lock:
            self._events.append(TimelineEvent(now(), kind, detail))

    @property
    def events(self) -> tuple[TimelineEvent, ...]:
        with self._lock:
            return tuple(self._events)
