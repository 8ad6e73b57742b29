"""Waiting for a code: the poll schedule, the deadline, and which message counts.

``waiting`` is an operation like renting: both drivers run it, its pauses end early when a push
arrives (a push only wakes it: the code counts once the provider's own SMS endpoint shows it).
One deadline bounds the whole wait: every request made while waiting gets at most the time the
wait has left, so ``wait_for_code(timeout=T)`` ends by T whatever the provider does.

The poll schedule follows when test SMS usually arrive, not a blind exponential, and it starts
when the wait starts (the number is usually rented at fixture setup, the SMS triggered when the
test presses "Send code"): polling is dense for the first seconds of the wait and backs off
(capped) afterwards. With push delivery, polling is only a slow safety net.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import tenacity
from tenacity.wait import wait_base

from otpkit._errors import CodeTimeoutError, ConfigurationError, RateLimitError
from otpkit._exchange import is_transient
from otpkit._models import Message, RentalInfo
from otpkit._timeline import Timeline, Verdict
from otpkit.providers import Operation, Pause, Provider, RequestTally, retried, within

__all__ = ["CodeWait", "MessageFilter", "wait_for_sms", "waiting"]

#: What a poll begun at the deadline still gets to finish (the promise is "by T + 1 s", and a
#: reply's last read may take up to half a second more: the whole-reply check is between reads).
LAST_POLL_GRACE = 0.3
#: The least time between two polls woken by pushes: a storm of forged callbacks for an order
#: costs the provider at most one request per PUSH_GAP.
PUSH_GAP = 0.5


class wait_for_sms(wait_base):  # lower case, like tenacity's own policies
    """Seconds until the next poll, from the time since the wait's first poll.

    ``first``: the pause before the first poll of a number rented just now (an SMS cannot be
    there yet); every ``dense`` seconds until ``dense_until``; then growing by ``growth`` per
    poll up to ``cap``. A 429's ``Retry-After`` wins when longer.
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
        """The pause after a poll made ``elapsed`` seconds after the first (before jitter)."""
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


def schedule_for(pushed: bool) -> wait_for_sms:
    """The poll schedule of a wait, with or without push delivery."""
    return SAFETY_NET if pushed else POLLING


@dataclass(frozen=True)
class MessageFilter:
    """Which messages count: from ``sender``, containing ``contains``, matching ``pattern``."""

    sender: str | None = None
    contains: str | None = None
    pattern: re.Pattern[str] | None = None

    def __str__(self) -> str:
        shown = [
            f"{name}={value!r}"
            for name, value in (
                ("sender", self.sender),
                ("contains", self.contains),
                ("pattern", self.pattern.pattern if self.pattern else None),
            )
            if value is not None
        ]
        return ", ".join(shown)

    def check_against(self, provider: Provider) -> None:
        """Refuse, up front, a filter ``provider`` can never satisfy."""
        if self.sender is not None and not provider.reports_sender:
            raise ConfigurationError(
                f"sender={self.sender!r} can never match: {provider.name} does not say who "
                "sent an SMS (its reply holds the code only); filter with contains= or "
                "pattern= instead"
            )

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
    #: How long before the first poll (a number rented just now cannot have its SMS yet).
    first_pause: float = 0.0
    polls: int = 0
    started: float = field(default_factory=time.monotonic)
    tally: RequestTally = field(default_factory=RequestTally)
    last_error: BaseException | None = None
    #: Messages that arrived but did not pass the filters (the newest poll's).
    rejected: list[Message] = field(default_factory=list)
    #: Messages that passed the filters but hold no code (the newest poll's).
    codeless: list[Message] = field(default_factory=list)
    #: Where the wait's polls, pushes and SMS are told (the rental's story).
    timeline: Timeline = field(default_factory=Timeline)
    answered: int = 0
    failed: int = 0
    _first_poll: float | None = None
    #: When the next poll is due by the schedule: a poll before that was woken by a push.
    _due: float | None = None
    _told: Counter[tuple[str, str | None, str | None]] = field(default_factory=Counter)
    _last_poll: float | None = None

    @property
    def schedule(self) -> wait_for_sms:
        return schedule_for(self.pushed)

    @property
    def deadline(self) -> float:
        """The monotonic time at which the wait gives up."""
        return self.started + self.timeout

    def remaining(self) -> float:
        return max(0.0, self.deadline - time.monotonic())

    def retrying(self) -> dict[str, Any]:
        """The tenacity policy of the polls: until a message counts, bounded by the deadline."""
        return {
            "retry": tenacity.retry_if_result(lambda found: found is None)
            | tenacity.retry_if_exception(self._worth_retrying),
            "wait": self._clipped_wait,
            "stop": lambda retry_state: self.remaining() <= 0,
            "reraise": False,
        }

    def _worth_retrying(self, error: BaseException) -> bool:
        self.last_error = error
        self.failed += 1
        self.timeline.add("poll_failed", f"poll {self.polls}: {error}")
        return is_transient(error)

    def _clipped_wait(self, retry_state: tenacity.RetryCallState) -> float:
        # The last poll happens at the deadline rather than a full interval before it.
        since_first = time.monotonic() - (self._first_poll or self.started)
        pause = min(self.schedule.pause(since_first, retry_state), self.remaining())
        self.expect_poll_after(pause)
        return pause

    def expect_poll_after(self, pause: float) -> None:
        """The schedule's next poll is ``pause`` seconds away (an earlier one was pushed)."""
        self._due = time.monotonic() + pause

    def push_gap(self) -> float:
        """How long a poll woken early must still wait: one per ``PUSH_GAP`` at most."""
        if self._last_poll is None or self._due is None or time.monotonic() >= self._due:
            return 0.0
        return min(max(0.0, self._last_poll + PUSH_GAP - time.monotonic()), self.remaining())

    def poll_started(self) -> None:
        self._last_poll = time.monotonic()
        self.polls += 1
        if self._first_poll is None:
            self._first_poll = time.monotonic()
        if self.pushed and self._due is not None and time.monotonic() < self._due - 0.05:
            self.timeline.add("push", "a push woke the wait; the provider is asked to confirm")
        self._due = None

    def choose(self, messages: list[Message]) -> Message | None:
        """The newest message that counts, or None to keep waiting."""
        self.last_error = None
        self.answered += 1
        fresh = unseen(messages, self.baseline)
        for message in unseen(fresh, self._told):
            self._told[message_key(message)] += 1
            sender = (
                f" from {message.sender[:40]}" if message.sender else ""
            )  # escaped by the timeline
            self.timeline.add("sms", f"SMS{sender}: {message.text[:160]!r}")
        self.rejected = [m for m in fresh if not self.only.accepts(m)]
        self.codeless = [m for m in fresh if self.only.accepts(m) and m.code is None]
        for message in reversed(fresh):
            if self.only.accepts(message) and (message.code is not None or not self.need_code):
                return message
        self.timeline.add("poll", f"poll {self.polls}: {self._no_count(len(messages))}")
        return None

    def _no_count(self, seen: int) -> str:
        if not seen:
            return "no SMS yet"
        old = sum(self.baseline.values())
        return f"{seen} SMS, none counts" if seen > old else f"{seen} old SMS"

    @property
    def verdict(self) -> Verdict:
        """Why the wait found nothing: what came, or why nothing can be told."""
        if self.rejected or (self.need_code and self.codeless):
            return Verdict.FILTERS_MISMATCH
        # Failing at the end (or mostly): whether an SMS came meanwhile cannot be told.
        if self.failed > self.answered or self.last_error is not None:
            return Verdict.PROVIDER_ERRORS
        return Verdict.NEVER_SENT

    def timed_out(self) -> CodeTimeoutError:
        """The error to raise when the deadline passed: what was asked, and what went wrong."""
        waited = time.monotonic() - self.started
        what = "code" if self.need_code else "SMS"
        verdict = self.verdict
        details = [verdict.explanation, self.tally.describe()]
        if self.rejected:
            count = len(self.rejected)
            details.append(
                f"{count} SMS arrived but did not match the filters: {self.only} "
                f"(the newest: {self.rejected[-1].text[:80]!r})"
            )
        if self.need_code and self.codeless:
            details.append(
                f"{len(self.codeless)} SMS held no code otpkit could read "
                f"(the newest: {self.codeless[-1].text[:80]!r}); pass pattern= to say where it is"
            )
        if self.last_error is not None:
            details.append(f"last error: {self.last_error}")
        polls = f"{self.polls} poll" + ("" if self.polls == 1 else "s")
        return CodeTimeoutError(
            f"no {what} for {self.rental.number} ({self.rental.provider} order "
            f"{self.rental.id}) after {waited:.1f} s and {polls}: {'; '.join(details)}",
            provider=self.rental.provider,
            rental_id=self.rental.id,
            number=self.rental.number,
            waited=waited,
            polls=self.polls,
            requests=self.tally.requests,
            problems=dict(self.tally.problems),
            verdict=verdict,
        )


def waiting(
    provider: Provider, wait: CodeWait, found: Callable[[list[Message]], Message | None]
) -> Operation[Message]:
    """Poll ``provider`` for ``wait.rental``'s SMS until ``found`` picks one, or the deadline.

    ``found`` sees each poll's messages (and does the rental's bookkeeping). Every request is
    bound to the wait's deadline (plus a short grace for a poll begun right at it); transient
    failures are counted and waited through, anything else is raised at once.
    """
    wake = wait.rental.id if wait.pushed else None

    def poll(_attempt: int) -> Operation[Message | None]:
        if (gap := wait.push_gap()) > 0:
            # Pushes (forged ones too) wake at most one poll per PUSH_GAP seconds.
            yield Pause(gap)
        wait.poll_started()
        messages = yield from within(
            provider.messages(wait.rental), wait.deadline + LAST_POLL_GRACE, wait.tally
        )
        return found(messages)

    if wait.first_pause > 0:
        first = min(wait.first_pause, wait.remaining())
        wait.expect_poll_after(first)
        yield Pause(first, wake=wake)
    try:
        message = yield from retried(poll, wake=wake, **wait.retrying())
    except tenacity.RetryError:
        raise wait.timed_out() from None
    assert message is not None  # the policy retries until one is found
    return message
