"""What both drivers do around one HTTP exchange: typed transport errors, lost orders, retries.

Reads and cancels are safe to repeat, so transport failures, 5xx, unreadable bodies and 429s
are retried with exponential backoff and jitter, honouring ``Retry-After``, within a total time
per call that never reaches past the call's ``deadline``. A request that creates an order is
never repeated once it may have reached the provider: its lost or unreadable reply becomes
``AmbiguousOrderError``. The retries are an operation (``exchanging``), so both drivers only
ever send one request per call they are handed.
"""

from __future__ import annotations

import random
import time
from dataclasses import replace
from typing import Any, TypeVar

import httpx
import tenacity
from tenacity.wait import wait_base

from otpkit._errors import (
    AmbiguousOrderError,
    MalformedResponseError,
    NetworkError,
    ProviderError,
    RateLimitError,
    RequestTimeoutError,
    ServerError,
)
from otpkit._redact import redact
from otpkit.providers._base import Call, Operation, now, relay, retried

T = TypeVar("T")

# Failures in which the request provably never reached the provider.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def transport_error(provider: str, call: Call[Any], error: httpx.TransportError) -> ProviderError:
    """The typed error for an exchange that got no reply."""
    what = redact(str(error)) or type(error).__name__
    if call.creates_order and not isinstance(error, _NEVER_SENT):
        lost = _ambiguous(provider, call, f"the connection failed after sending ({what})")
        lost.may_still_be_placed = isinstance(error, httpx.TimeoutException)
        return lost
    if isinstance(error, httpx.TimeoutException):
        return RequestTimeoutError(
            f"{call.endpoint}: {provider} did not reply in time ({type(error).__name__})",
            provider=provider,
            endpoint=call.endpoint,
        )
    return NetworkError(
        f"{call.endpoint}: connection to {provider} failed: {what}",
        provider=provider,
        endpoint=call.endpoint,
    )


def settle(provider: str, call: Call[T], response: httpx.Response, attempt: int) -> T:
    """Read ``response`` with the call's parser; a create with an unusable reply is ambiguous."""
    try:
        return call.parse(response, attempt)
    except (ServerError, MalformedResponseError) as error:
        if call.creates_order:
            raise _ambiguous(provider, call, str(error)) from None
        raise


def _ambiguous(provider: str, call: Call[Any], why: str) -> AmbiguousOrderError:
    return AmbiguousOrderError(
        f"{call.endpoint}: the order for product {call.product_id!r} may or may not have been "
        f"placed (and charged): {why}",
        product_id=call.product_id,
        sent_at=now(),
        provider=provider,
        endpoint=call.endpoint,
    )


def is_transient(error: BaseException) -> bool:
    """Whether repeating the same (safe) request may succeed."""
    if isinstance(error, MalformedResponseError):
        return error.transient
    return isinstance(error, (RateLimitError, ServerError, NetworkError))


class wait_retry_after(wait_base):  # lower case, like tenacity's own policies
    """Wait what a 429's ``Retry-After`` asks (plus a little jitter), else ``fallback``."""

    def __init__(self, fallback: wait_base, jitter: float = 0.25) -> None:
        self.fallback = fallback
        self.jitter = jitter

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None and outcome.failed else None
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            # Jitter spreads the workers that were all told the same moment.
            return error.retry_after + random.uniform(0, self.jitter)
        return float(self.fallback(retry_state))


#: Backoff between attempts of a safe request: 0.25 s doubling up to 4 s, plus jitter.
RETRY_WAIT = wait_retry_after(
    tenacity.wait_exponential(multiplier=0.25, max=4.0) + tenacity.wait_random(0, 0.25)
)


#: How long a request may queue for the machine's shared request budget: two full minutes of
#: a per-minute window, so that many workers sharing one key queue up instead of failing.
LIMITER_PATIENCE = 120.0


class stop_before(tenacity.stop.stop_base):  # lower case, like tenacity's own policies
    """Stop when the next attempt would start at or after the monotonic time ``limit``."""

    def __init__(self, limit: float) -> None:
        self.limit = limit

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return time.monotonic() + retry_state.upcoming_sleep >= self.limit


def exchanging(
    operation: Operation[T], *, call_timeout: float, request_timeout: float
) -> Operation[T]:
    """``operation`` with each of its calls retried as this module says, every send told how
    long it may take: never longer than ``request_timeout``, nor past the call's deadline."""
    return relay(
        operation,
        lambda call: _attempts(call, call_timeout=call_timeout, request_timeout=request_timeout),
    )


def _attempts(call: Call[T], *, call_timeout: float, request_timeout: float) -> Operation[T]:
    limit = time.monotonic() + call_timeout
    if call.deadline is not None:
        limit = min(limit, call.deadline)

    failures: list[Exception] = []

    def attempt(number: int) -> Operation[T]:
        left = limit - time.monotonic()
        if left <= 0:
            if failures:  # the pause ran past the limit (a loaded machine): say what failed
                raise failures[-1]
            raise RequestTimeoutError(
                f"{call.endpoint}: no time was left to ask", endpoint=call.endpoint
            )
        # Queueing for the shared request budget is bounded by a wait's deadline only: the
        # call's own budget is for retries, and many workers on one key must be able to queue.
        patience = LIMITER_PATIENCE
        if call.deadline is not None:
            patience = min(patience, call.deadline - time.monotonic())
        send = replace(
            call, attempt=number, timeout=min(request_timeout, left), patience=max(patience, 0.0)
        )
        try:
            result: T = yield send
        except Exception as error:
            failures.append(error)
            if call.tally is not None:
                call.tally.count(error)
            raise
        if call.tally is not None:
            call.tally.count(None)
        return result

    return retried(
        attempt,
        retry=tenacity.retry_if_exception(is_transient),
        wait=RETRY_WAIT,
        stop=stop_before(limit),
        reraise=True,
    )
