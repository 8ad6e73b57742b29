"""A test's rentals told as lines: the one renderer of the failure section, pytest-html and
JUnit XML (each renders these lines, none builds its own).

Each rental gets a headline (its number, masked; where it came from; how it ended and the money;
the verdict when it failed) and its timeline, one line per event, times counted from the
rental. Consecutive polls that found nothing new are one line (the headline is one line)::

    +*******0503 (jesusnumber whatsapp, US, order 412): refunded 0.50; verdict: never_sent —
    no SMS reached the number (the app never sent it, or the number is dead)
        +0.0 s  rented: whatsapp from jesusnumber (order 412), charged 0.50
        +0.0 s  wait: waiting up to 2 s for a code, polled
        +0.3-2.0 s  polls 1-5: no SMS yet
        +2.0 s  gave up: never_sent: no code for +*******0503 (...) after 2.0 s and 5 polls: ...
        +2.0 s  cancelled: refunded 0.50: cancelled before any SMS
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from pytest_plugin._records import EventRecord, RentalRecord, RentFailure

__all__ = [
    "PROPERTY_PREFIX",
    "StoryLine",
    "explained",
    "failure_lines",
    "headline",
    "labels",
    "properties",
    "section",
    "timeline",
    "told",
    "verdict_counts",
    "verdicts_line",
]

#: The JUnit XML properties of the rentals start with it (``otpkit_rentals``,
#: ``otpkit_rental_1``, ``otpkit_rental_1_timeline``, ``otpkit_rent_failed_1``).
PROPERTY_PREFIX = "otpkit_rent"

_POLL = re.compile(r"poll (\d+): (.*)", re.DOTALL)
#: What each kind of event is called in a line (a poll is named with its number).
_NAMES = {
    "gave_up": "gave up",
    "rejected": "refused by the app",
    "cancel_failed": "cancel failed",
    "kept": "kept (code received)",
}


@dataclass(frozen=True)
class StoryLine:
    """One line of a timeline: when (``+1.2 s``, or a span for polls told as one), what, details."""

    at: str
    what: str
    detail: str

    def __str__(self) -> str:
        told = f"{self.at}  {self.what}"
        return f"{told}: {self.detail}" if self.detail else told


def _seconds(at: datetime, zero: datetime) -> float:
    return max(0.0, (at - zero).total_seconds())


def _poll(event: EventRecord) -> tuple[int, str] | None:
    """A poll's number and what it found (or how it failed); None for any other event."""
    if event.kind not in ("poll", "poll_failed"):
        return None
    found = _POLL.fullmatch(event.detail)
    return (int(found.group(1)), found.group(2)) if found else None


def timeline(record: RentalRecord) -> list[StoryLine]:
    """``record``'s events as lines, seconds counted from its first (the rental); consecutive
    polls with the same finding ("no SMS yet", the same error) are one line."""
    events = record.timeline
    zero = events[0].at if events else record.rented_at
    lines: list[StoryLine] = []
    index = 0
    while index < len(events):
        event = events[index]
        poll = _poll(event)
        if poll is None:
            lines.append(_line(event, zero))
            index += 1
            continue
        # The run of polls of the same kind that found the same thing.
        end = index + 1
        while end < len(events):
            other = _poll(events[end])
            if other is None or events[end].kind != event.kind or other[1] != poll[1]:
                break
            end += 1
        first, last = events[index], events[end - 1]
        last_number = _poll(last)
        assert last_number is not None
        failed = " failed" if event.kind == "poll_failed" else ""
        start, stop = _seconds(first.at, zero), _seconds(last.at, zero)
        at = f"+{start:.1f}" + ("" if f"{start:.1f}" == f"{stop:.1f}" else f"-{stop:.1f}")
        what = f"poll {poll[0]}" if end - index == 1 else f"polls {poll[0]}-{last_number[0]}"
        lines.append(StoryLine(f"{at} s", what + failed, poll[1]))
        index = end
    return lines


def _line(event: EventRecord, zero: datetime) -> StoryLine:
    at = f"+{_seconds(event.at, zero):.1f} s"
    if event.kind == "sms" and ": " in event.detail:
        # "SMS from WhatsApp: 'text'": the sender belongs to the name, the text is the detail.
        what, text = event.detail.split(": ", 1)
        return StoryLine(at, what, text)
    return StoryLine(at, _NAMES.get(event.kind, event.kind), event.detail)


def explained(verdict: str) -> str:
    """``verdict`` with its explanation: ``never_sent — no SMS reached the number (...)``."""
    from otpkit._timeline import Verdict

    try:
        return f"{verdict} — {Verdict(verdict).explanation}"
    except ValueError:  # a verdict of a newer otpkit than this renderer
        return verdict


def _money(record: RentalRecord) -> str:
    charged = "price unknown" if record.charged is None else str(record.charged)
    if record.outcome == "code_received":
        return f"code received, paid {charged}"
    if record.outcome == "refunded":
        return f"refunded {record.refunded}"
    if record.outcome == "not_refunded":
        return f"not refunded, paid {charged}: {record.outcome_detail}"
    if record.outcome == "cancel_failed":
        return f"cancel failed ({charged} held), left for `otpkit sweep`"
    return f"still open ({charged} held)"


def headline(record: RentalRecord) -> str:
    """One line: the number, where it came from, how it ended and the money, the verdict."""
    where = ", ".join(
        part for part in (f"{record.provider} {record.product}", record.country) if part
    )
    line = f"{record.number} ({where}, order {record.order_id}): {_money(record)}"
    return line + (f"; verdict: {explained(record.verdict)}" if record.verdict else "")


def labels(records: Sequence[RentalRecord]) -> list[str]:
    """What tells ``records`` (one test's) apart: ``run 2, attempt 1`` when the test was rerun
    or rotated, ``rental 2`` when it rented several numbers at once, else nothing."""
    runs = len({r.run for r in records}) > 1
    attempts = any(r.attempt > 1 for r in records)
    if not (runs or attempts):
        return [f"rental {i}" if len(records) > 1 else "" for i in range(1, len(records) + 1)]
    return [
        ", ".join(
            ([f"run {r.run}"] if runs else []) + ([f"attempt {r.attempt}"] if attempts else [])
        )
        for r in records
    ]


def _failure_line(failure: RentFailure, runs: bool) -> str:
    where = f"run {failure.run}: " if runs else ""
    return f"{where}could not rent: verdict: {explained(failure.verdict)} ({failure.detail})"


def told(records: Sequence[RentalRecord]) -> list[tuple[str, RentalRecord]]:
    """One test's records in order (run, attempt, time), each with its headline, labelled."""
    ordered = sorted(records, key=lambda r: (r.run, r.attempt, r.rented_at))
    return [
        (f"{label}: {headline(record)}" if label else headline(record), record)
        for label, record in zip(labels(ordered), ordered, strict=True)
    ]


def failure_lines(records: Sequence[RentalRecord], failures: Sequence[RentFailure]) -> list[str]:
    """A line for each number one test could not rent (naming the run if it ran several times)."""
    runs = len({r.run for r in records} | {f.run for f in failures}) > 1
    return [_failure_line(failure, runs) for failure in failures]


def section(records: Sequence[RentalRecord], failures: Sequence[RentFailure] = ()) -> str:
    """The terminal's "otpkit: rented numbers" section of one test: each rental's headline and
    timeline, then the numbers it could not rent."""
    shown: list[str] = []
    for title, record in told(records):
        shown.append(title)
        shown += [f"    {line}" for line in timeline(record)]
    return "\n".join(shown + failure_lines(records, failures))


def properties(
    records: Sequence[RentalRecord], failures: Sequence[RentFailure] = ()
) -> list[tuple[str, object]]:
    """One test's rentals as JUnit XML properties: ``otpkit_rentals`` (how many), per rental
    ``otpkit_rental_N`` (its headline) and ``otpkit_rental_N_timeline`` (its lines), and
    ``otpkit_rent_failed_N`` for each number it could not rent."""
    if not (records or failures):
        return []
    shown: list[tuple[str, object]] = [("otpkit_rentals", str(len(records)))]
    for index, (title, record) in enumerate(told(records), start=1):
        shown.append((f"otpkit_rental_{index}", title))
        lines = "\n".join(str(line) for line in timeline(record))
        shown.append((f"otpkit_rental_{index}_timeline", lines))
    for index, line in enumerate(failure_lines(records, failures), start=1):
        shown.append((f"otpkit_rent_failed_{index}", line))
    return shown


def verdict_counts(
    records: Iterable[RentalRecord], failures: Iterable[RentFailure] = ()
) -> Counter[str]:
    """How many rentals failed with each verdict, and rentals that could not be made."""
    counts = Counter(r.verdict for r in records if r.verdict is not None)
    counts.update(f.verdict for f in failures)
    return counts


def verdicts_line(counts: Counter[str]) -> str | None:
    """``verdicts: 3 never_sent, 1 filters_mismatch``: the most frequent first (None: none)."""
    if not counts:
        return None

    from otpkit._timeline import Verdict

    # Ties in the order ``otpkit.Verdict`` lists them.
    known = [str(verdict) for verdict in Verdict]

    def rank(verdict: str) -> tuple[int, int, str]:
        place = known.index(verdict) if verdict in known else len(known)
        return (-counts[verdict], place, verdict)

    return "verdicts: " + ", ".join(f"{counts[v]} {v}" for v in sorted(counts, key=rank))
