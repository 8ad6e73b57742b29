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

from otpkit._verdict import Verdict
from otpkit.providers._base import now

__all__ = ["Timeline", "TimelineEvent", "Verdict", "verdict_of"]


def verdict_of(error: BaseException) -> Verdict | None:
    """The verdict ``error`` carries (None: not a failed verification, e.g. a bug in the test).

    >>> verdict_of(otpkit.OutOfStockError("no numbers"))  # doctest: +SKIP
    <Verdict.OUT_OF_STOCK: 'out_of_stock'>
    """
    given = getattr(error, "verdict", None)
    return given if isinstance(given, Verdict) else None


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
