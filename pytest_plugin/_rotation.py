"""Rotation: a test whose number never got its code, or whose number the app refused, starts
over on a fresh number, up to ``attempts`` times; only the last attempt's outcome is the test's.

It lives in the test's call phase, not in ``pytest_runtest_protocol``: a protocol hook that
runs the test several times would shadow pytest-rerunfailures' own (that hook stops at the
first implementation that answers), and rerunfailures runs each rerun straight through
pytest's ``runtestprotocol``. Inside the call phase, rotation nests under whoever runs the
protocol: pytest, an xdist worker, or a rerun, which then starts its own attempts.

Starting over runs the test's teardown hooks down to the test itself (its function-scoped
fixtures finish: ``phone_number`` cancels its rental, refunded since no SMS came, before the next
one is rented), then, with a fresh fixture request, its setup hooks and the call again: a fresh
``page``, a fresh ``phone_number``. Module and session fixtures stay.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from pytest_plugin._fixtures import RENTED, attempts_of
from pytest_plugin._session import describe

if TYPE_CHECKING:
    import otpkit

__all__ = [
    "attempt_of",
    "attempt_properties",
    "attempts_section",
    "note_outcome",
    "pytest_runtest_call",
    "pytest_runtest_setup",
    "replace_properties",
    "run_of",
]

_ROTATION = pytest.StashKey["Rotation"]()
#: How many runs of a test have started (pytest-rerunfailures adds one per rerun).
_RUNS = pytest.StashKey[int]()
#: Set while an attempt started over by the rotation runs its setup and call.
_RESTARTED = pytest.StashKey[bool]()
#: The name of the JUnit XML properties (``otpkit_attempts``, ``otpkit_attempt_1``...).
_PROPERTY = "otpkit_attempt"


@dataclass(frozen=True)
class Attempt:
    """An attempt that was dropped: what it rented, how long it ran, and why."""

    numbers: tuple[otpkit.PhoneNumber, ...]
    seconds: float
    dropped: str


class Rotation:
    """The attempts of one run of a test (a rerun by pytest-rerunfailures starts a new one)."""

    def __init__(self, item: pytest.Item) -> None:
        self._item = item
        #: Which run of the test this is: 1, then 2 for its first rerun...
        self.run = item.stash.get(_RUNS, 0) + 1
        item.stash[_RUNS] = self.run
        self.dropped: list[Attempt] = []
        #: The last attempt's outcome, once its call report is made.
        self.outcome: str | None = None
        self._finished: float | None = None
        self.begin()

    def _rented(self) -> list[otpkit.PhoneNumber]:
        return self._item.stash.get(RENTED, [])

    def begin(self) -> None:
        """A new attempt starts: what is rented from now on is its."""
        self._started = time.monotonic()
        self._first = len(self._rented())
        self._finished = None

    def current(self) -> tuple[otpkit.PhoneNumber, ...]:
        return tuple(self._rented()[self._first :])

    def drop(self, why: str) -> None:
        self.dropped.append(Attempt(self.current(), time.monotonic() - self._started, why))

    def finish(self) -> None:
        self._finished = time.monotonic()

    @property
    def rented_anything(self) -> bool:
        return bool(self.current()) or any(attempt.numbers for attempt in self.dropped)

    def lines(self, allowed: int) -> list[str]:
        """One line per attempt: how long, why it ended, its numbers and their refunds."""

        def line(
            index: int, seconds: float, end: str, numbers: tuple[otpkit.PhoneNumber, ...]
        ) -> str:
            rented = "; ".join(describe(number) for number in numbers) or "no number rented"
            return f"attempt {index} of {allowed}, {seconds:.1f} s, {end}: {rented}"

        shown = [
            line(index, attempt.seconds, f"dropped ({attempt.dropped})", attempt.numbers)
            for index, attempt in enumerate(self.dropped, start=1)
        ]
        last = (self._finished or time.monotonic()) - self._started
        end = f"the test's outcome ({self.outcome})" if self.outcome else "the test's outcome"
        shown.append(line(len(self.dropped) + 1, last, end, self.current()))
        from pytest_plugin._records import hide_numbers

        # A refusal's reason may quote the number ("the site says +1 202 ... is blocked").
        every = [str(n) for attempt in self.dropped for n in attempt.numbers]
        every += [str(n) for n in self.current()]
        return [hide_numbers(text, every) for text in shown]


def _why_dropped(error: Exception) -> str | None:
    """Why ``error`` drops the number (None: it is the test's own failure, not retried)."""
    if "otpkit" not in sys.modules:  # no otpkit error can have been raised
        return None
    import otpkit

    if isinstance(error, otpkit.VerificationFailedError):
        return None  # a rotation of its own (``client.verify``) already went through its numbers
    if isinstance(error, otpkit.CodeTimeoutError):
        return f"no code after {error.waited:.1f} s"
    if isinstance(error, otpkit.NumberRejectedError):
        return f"refused by the app: {error.reason}"
    return None


@contextlib.contextmanager
def _restarted(item: pytest.Item) -> Iterator[None]:
    item.stash[_RESTARTED] = True
    try:
        yield
    finally:
        item.stash[_RESTARTED] = False


def _start_over(item: pytest.Function, rotation: Rotation) -> None:
    # ``nextitem=item.parent``: tear down the test itself, keep everything it shares with its
    # siblings (module, class and session fixtures).
    item.ihook.pytest_runtest_teardown(item=item, nextitem=item.parent)
    item._initrequest()
    rotation.begin()
    with _restarted(item):
        item.ihook.pytest_runtest_setup(item=item)


def _rotate(item: pytest.Function, rotation: Rotation, error: Exception) -> None:
    """Start over while ``error`` drops the number and attempts are left; raise the last one."""
    allowed = attempts_of(item)
    while len(rotation.dropped) + 1 < allowed and (why := _why_dropped(error)):
        rotation.drop(why)
        _start_over(item, rotation)  # its own failures are the test's: not retried
        try:
            with _restarted(item):
                item.ihook.pytest_runtest_call(item=item)
            return
        except Exception as again:
            error = again
    # Raised outside any ``except``, so the last attempt's error is shown as it is, without the
    # earlier attempts chained to it.
    raise error


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if isinstance(item, pytest.Function) and not item.stash.get(_RESTARTED, False):
        item.stash[_ROTATION] = Rotation(item)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    rotation = item.stash.get(_ROTATION, None)
    if (
        rotation is None
        or item.stash.get(_RESTARTED, False)
        or not isinstance(item, pytest.Function)
    ):
        return (yield)
    failure: Exception | None = None
    try:
        yield
    except Exception as error:
        failure = error
    try:
        if failure is not None:
            _rotate(item, rotation, failure)
    finally:
        rotation.finish()


def attempt_of(item: pytest.Item, number: otpkit.PhoneNumber) -> int:
    """Which attempt of ``item``'s current run rented ``number`` (1 when it does not rotate)."""
    rotation = item.stash.get(_ROTATION, None)
    if rotation is None:
        return 1
    for index, attempt in enumerate(rotation.dropped, start=1):
        if any(rented is number for rented in attempt.numbers):
            return index
    return len(rotation.dropped) + 1


def _shown(item: pytest.Item) -> Rotation | None:
    rotation = item.stash.get(_ROTATION, None)
    if rotation is None or not rotation.rented_anything or attempts_of(item) <= 1:
        return None
    return rotation


def run_of(item: pytest.Item) -> int:
    """Which run of ``item`` is the current one (1 unless pytest-rerunfailures reran it)."""
    rotation = item.stash.get(_ROTATION, None)
    return rotation.run if rotation is not None else 1


def note_outcome(item: pytest.Item, report: pytest.TestReport) -> None:
    """From the call report: the last attempt's outcome is the test's."""
    rotation = item.stash.get(_ROTATION, None)
    if rotation is not None:
        rotation.outcome = report.outcome


def attempts_section(item: pytest.Item) -> str | None:
    """The "otpkit: attempts" section (None when the test does not rotate); asked at teardown,
    so the last attempt's numbers show how they ended too."""
    rotation = _shown(item)
    if rotation is None:
        return None
    return "\n".join(rotation.lines(attempts_of(item)))


def attempt_properties(item: pytest.Item) -> list[tuple[str, object]]:
    """The attempts as JUnit XML properties, refunds included (for the teardown report)."""
    rotation = _shown(item)
    if rotation is None:
        return []
    lines = rotation.lines(attempts_of(item))
    numbered = [(f"{_PROPERTY}_{index}", line) for index, line in enumerate(lines, start=1)]
    return [(f"{_PROPERTY}s", str(len(lines))), *numbered]


def replace_properties(
    target: list[tuple[str, object]], new: list[tuple[str, object]], prefix: str = _PROPERTY
) -> None:
    """Put ``new`` in ``target`` instead of the properties named ``prefix...`` an earlier run
    (a rerun) left there."""
    target[:] = [p for p in target if not str(p[0]).startswith(prefix)] + new
