"""Cancelling as one operation: the retry policy and the journal update, for every path.

A rental's own exit, ``client.cancel(order_id)`` and the sweep all cancel through
``cancelling``, so a cancel is retried the same way and its outcome recorded in one place.
One deadline bounds a cancel with all its retries (``CANCEL_DEADLINE``): a provider that hangs
on the cancel endpoint holds a test's teardown that long, not minutes; what it left undone the
journal keeps for the sweep.
"""

from __future__ import annotations

import time
from typing import Any

import tenacity

from otpkit._errors import (
    AuthenticationError,
    NetworkError,
    OrderNotFoundError,
    OtpkitError,
    ProviderError,
    ValidationError,
)
from otpkit._exchange import stop_before
from otpkit._journal import RentalJournal
from otpkit._models import CancelOutcome, RentalInfo
from otpkit.providers import Operation, Provider, retried, within
from otpkit.providers._base import RentalRef, rental_id

__all__ = ["CANCEL_DEADLINE", "CANCEL_RETRY", "cancelling", "unconfirmed"]

#: Seconds a cancel may take, retries included.
CANCEL_DEADLINE = 15.0


def _cancel_is_retryable(error: BaseException) -> bool:
    # A refusal that will not change on retry is final; everything else may be passing.
    final = (AuthenticationError, OrderNotFoundError, ValidationError)
    return isinstance(error, ProviderError) and not isinstance(error, final)


#: Beyond the per-call retries: a cancel refused for a passing reason is tried again (and
#: never begun past the cancel's deadline, added per cancel).
CANCEL_RETRY: dict[str, Any] = {
    "retry": tenacity.retry_if_exception(_cancel_is_retryable),
    "wait": tenacity.wait_exponential(multiplier=0.5, max=2.0),
    "stop": tenacity.stop_after_attempt(3),
    "reraise": True,
}


def unconfirmed(error: BaseException) -> bool:
    """Whether a failed cancel may still have landed (sent, but no reply came)."""
    return isinstance(error, NetworkError)


def cancelling(
    provider: Provider,
    rental: RentalRef,
    *,
    journal: RentalJournal | None,
    row: int | None = None,
    settled: CancelOutcome | None = None,
    note: str = "",
) -> Operation[CancelOutcome]:
    """Cancel ``rental`` and record the outcome in its journal row (found by order id when
    ``row`` is not given). ``settled``: the outcome is already known (a code was received, so
    the provider keeps the payment), and only the journal is told. ``note`` prefixes the
    journal's detail ("swept: "). A cancel that still fails is journaled as ``cancel_failed``
    for the sweep, then raised."""
    if row is None and journal is not None:
        entry = journal.find(provider.name, rental_id(rental))
        if entry is not None and entry.state != "closed":
            row = entry.row
    if settled is not None:
        outcome = settled
    else:
        target = rental if isinstance(rental, RentalInfo) else str(rental)
        deadline = time.monotonic() + CANCEL_DEADLINE
        policy = {**CANCEL_RETRY, "stop": CANCEL_RETRY["stop"] | stop_before(deadline)}
        try:
            # A fresh operation per attempt: an operation runs once.
            outcome = yield from retried(
                lambda _attempt: within(provider.cancel(target), deadline), **policy
            )
        except OtpkitError as error:
            if journal is not None and row is not None:
                what = (
                    "cancel unconfirmed (it may have landed)"
                    if unconfirmed(error)
                    else "cancel failed"
                )
                journal.cancel_failed(row, f"{note}{what}: {error}")
            raise
    if journal is not None and row is not None:
        journal.closed(row, outcome.refunded, f"{note}{outcome.detail}")
    return outcome
