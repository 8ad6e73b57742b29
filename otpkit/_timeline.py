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
    provider_errors   the provider was failing at the end of the wait (or most of it): nothing
                      can be told
    number_rejected   the app under test refused the number
    out_of_stock      the provider had no number for the product
    no_balance        the account had not the money for the rental
"""

from __future__ import annotations

import collections
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
    ``code``, ``gave_up``, ``rejected``, ``cancelled``, ``kept``, ``cancel_failed`` (and
    ``left_out``: how many events of a very long story were not kept).
    """

    at: datetime
    kind: str
    detail: str = ""


#: A detail longer than this is cut (a provider's error text can be half a megabyte).
MAX_DETAIL = 500
#: Events kept: the first and the last half of these (a long wait polls many times).
MAX_EVENTS = 200


def _printable(text: str) -> str:
    """``text`` as one printable line: control characters (newlines, ANSI escapes, NUL) and
    lone surrogates escaped, so that no report can be forged or broken by what a provider
    or an SMS sender wrote."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return shown if len(shown) <= MAX_DETAIL else shown[: MAX_DETAIL - 1] + "…"


class Timeline:
    """The events of one rental, in order (appended from any thread); at most ``MAX_EVENTS``,
    the middle ones left out and counted."""

    def __init__(self) -> None:
        self._head: list[TimelineEvent] = []
        self._tail: collections.deque[TimelineEvent] = collections.deque(maxlen=MAX_EVENTS // 2)
        self._left_out = 0
        self._lock = threading.Lock()

    def add(self, kind: str, detail: str = "") -> None:
        event = TimelineEvent(now(), kind, _printable(detail))
        with self._lock:
            if len(self._head) < MAX_EVENTS // 2:
                self._head.append(event)
                return
            if len(self._tail) == self._tail.maxlen:
                self._left_out += 1
            self._tail.append(event)

    @property
    def events(self) -> tuple[TimelineEvent, ...]:
        with self._lock:
            if not self._left_out:
                return (*self._head, *self._tail)
            gap = TimelineEvent(self._tail[0].at, "left_out", f"{self._left_out} events")
            return (*self._head, gap, *self._tail)
