"""Waiting for a code: the poll schedule, the deadline, and which message counts.

Everything here is free of I/O; ``Rental`` and ``AsyncRental`` run it with ``tenacity.Retrying``
and ``AsyncRetrying``, and with a push inbox their sleep wakes as soon as the SMS is pushed.

The poll schedule follows when test SMS usually arrive, not a blind exponential: an app sends
the code a second or two after the number is typed, so polling is dense in that window and
backs off exponentially (capped) afterwards. With push delivery, polling is only a slow safety net.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import tenacity
from tenacity.wait import wait_base

from otpkit._errors import CodeTimeoutError, RateLimitError
from otpkit._exchange import is_transient
from otpkit._models import Message, RentalInfo

__all__ = ["CodeWait", "MessageFilter", "wait_for_sms"]


class wait_for_sms(wait_base):  # lower case, like tenacity's own policies
    """Seconds until the next poll, from the time since waiting began.

    ``first`` seconds before the second poll; every ``dense`` seconds until ``dense_until``;
    then growing by ``growth`` per poll up to ``cap``. A 429's ``Retry-After`` wins when longer.
    """

    def __init__(
        self,
        *,
        first: float = 1.0,
        dense: float = 0.4,
        dense_until: float = 4.0,
        growth: float = 1.3,
        cap: float = 5.0,
        jitter: float = 0.1,
    ) -> None:
        self.first, self.dense, self.dense_until = first, dense, dense_until
        self.growth, self.cap, self.jitter = growth, cap, jitter

    def interval(self, elapsed: float) -> float:
        """The pause after a poll made ``elapsed`` seconds into the wait (before jitter)."""
        if elapsed < self.first:
            return self.first - elapsed
        if elapsed < self.dense_until:
            return self.dense
        # Growing each pause by ``growth`` per poll is, in terms of time, a pause that grows
        # linearly with the time spent since the dense window.
        return min(self.cap, self.dense + (self.growth - 1) * (elapsed - self.dense_until))

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        return self.pause(retry_state.seconds_since_start or 0.0, retry_state)

    def pause(self, elapsed: float, retry_state: tenacity.RetryCallState) -> float:
        """The pause after a poll ``elapsed`` seconds in, with jitter and ``Retry-After``."""
        pause = self.interval(elapsed)
        pause *= 1 + random.uniform(-self.jitter, self.jitter)
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None and outcome.failed else None
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            pause = max(pause, error.retry_after)
        return max(pause, 0.0)


#: Default schedule when polling is the only way to learn of an SMS.
POLLING = wait_for_sms()
#: Safety-net schedule when SMS are pushed to a webhook receiver.
SAFETY_NET = wait_for_sms(first=5.0, dense=5.0, dense_until=5.0, growth=1.5, cap=15.0)


@dataclass(frozen=True)
class MessageFilter:
    """Which messages count: from ``sender``, containing ``contains``, matching ``pattern``."""

    sender: str | None = None
    contains: str | None = None
    pattern: re.Pattern[str] | None = None

    def accepts(self, message: Message) -> bool:
        if self.sender is not None and (message.sender or "").casefold() != self.sender.casefold():
            return False
        if self.contains is not None and self.contains.casefold() not in message.text.casefold():
            return False
        return self.pattern is None or self.pattern.search(message.text) is not None


def message_key(message: Message) -> tuple[str, str | None, str | None]:
    """What tells two messages apart (providers give no message ids)."""
    return (message.text, message.code, message.sender)


def unseen(
    messages: Iterable[Message], seen: Counter[tuple[str, str | None, str | None]]
) -> list[Message]:
    """``messages`` less those already ``seen`` (counted, so a repeated text still counts once)."""
    left = Counter(seen)
    fresh = []
    for message in messages:
        key = message_key(message)
        if left[key] > 0:
            left[key] -= 1
        else:
            fresh.append(message)
    return fresh


@dataclass
class CodeWait:
    """One wait for a message: its deadline, filters, counters and the final error."""

    rental: RentalInfo
    timeout: float
    only: MessageFilter = field(default_factory=MessageFilter)
    need_code: bool = True
    baseline: Counter[tuple[str, str | None, str | None]] = field(default_factory=Counter)
    pushed: bool = False
    #: Seconds of the rental's own timeline already gone when the wait began: the schedule is
    #: shaped by when an SMS can arrive after renting, not by when someone started waiting.
    age: float = 0.0
    polls: int = 0
    started: float = field(default_factory=time.monotonic)
    last_error: BaseException | None = None

    @property
    def schedule(self) -> wait_for_sms:
        return SAFETY_NET if self.pushed else POLLING

    def first_pause(self) -> float:
        """How long to wait before the first poll: none for a rental that is no longer new."""
        return min(max(0.0, self.schedule.first - self.age), self.remaining())

    def remaining(self) -> float:
        return max(0.0, self.timeout - (time.monotonic() - self.started))

    def retrying(self) -> dict[str, Any]:
        """Keyword arguments for tenacity: poll until a message, bounded by the deadline."""
        return {
            "retry": tenacity.retry_if_result(lambda found: found is None)
            | tenacity.retry_if_exception(self._worth_retrying),
            "wait": self._clipped_wait,
            # From the wait's own start, which includes the pause before the first poll.
            "stop": lambda retry_state: self.remaining() <= 0,
            "reraise": False,
        }

    def _worth_retrying(self, error: BaseException) -> bool:
        self.last_error = error
        return is_transient(error)

    def _clipped_wait(self, retry_state: tenacity.RetryCallState) -> float:
        # The last poll happens at the deadline rather than a full interval before it.
        return min(self.schedule.pause(self.age + self.elapsed(), retry_state), self.remaining())

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def choose(self, messages: list[Message]) -> Message | None:
        """The newest message that counts, or None to keep waiting."""
        self.last_error = None
        for message in reversed(unseen(messages, self.baseline)):
            if self.only.accepts(message) and (message.code is not None or not self.need_code):
                return message
        return None

    def timed_out(self) -> CodeTimeoutError:
        """The error to raise when the deadline passed."""
        waited = time.monotonic() - self.started
        what = "code" if self.need_code else "SMS"
        cause = f"; last error: {self.last_error}" if self.last_error else ""
        return CodeTimeoutError(
            f"no {what} for {self.rental.number} ({self.rental.provider} order "
            f"{self.rental.id}) after {waited:.1f} s and {self.polls} polls{cause}",
            provider=self.rental.provider,
            rental_id=self.rental.id,
            number=self.rental.number,
            waited=waited,
            polls=self.polls,
        )
