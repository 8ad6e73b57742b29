"""The timeline keeps reports whole: one printable line per event, bounded in size and count;
and numbers are masked however a text spells them."""

from __future__ import annotations

from otpkit._timeline import MAX_DETAIL, MAX_EVENTS, Timeline
from pytest_plugin._records import hide_numbers


def test_what_a_provider_writes_cannot_forge_or_break_a_line() -> None:
    timeline = Timeline()
    timeline.add("sms", "SMS from Shop\n    +9.9 s  cancelled: refunded\x1b[2J\x00 \ud83d")
    [event] = timeline.events
    assert event.detail.isprintable() and "\n" not in event.detail and "\x1b" not in event.detail
    assert "\\n" in event.detail and "\\x1b" in event.detail and "\\ud83d" in event.detail
    event.detail.encode("utf-8")  # no lone surrogate left to break a report's encoding


def test_a_huge_detail_is_cut_and_a_long_story_keeps_its_ends() -> None:
    timeline = Timeline()
    timeline.add("cancel_failed", "x" * 500_000)
    assert len(timeline.events[0].detail) == MAX_DETAIL
    for poll in range(1, 1000):
        timeline.add("poll", f"poll {poll}")
    events = timeline.events
    assert len(events) == MAX_EVENTS + 1
    assert events[1].detail == "poll 1" and events[-1].detail == "poll 999"
    [gap] = [e for e in events if e.kind == "left_out"]
    assert gap.detail == f"{1000 - MAX_EVENTS} events"


def test_every_spelling_of_a_number_is_masked() -> None:
    number = "+12028969404"
    for quoted in ("+1 202 896 9404", "+1-202-896-9404", "12028969404", "2028969404"):
        assert hide_numbers(f"the site says {quoted} is blocked", [number]).endswith(
            "*9404 is blocked"
        ), quoted
    assert hide_numbers("(202) 896-9404", [number]) == "(******9404"
    # Longer digit runs are other things (an order id), and codes stay.
    assert hide_numbers("order 2028969404123, code 123456", [number]) == (
        "order 2028969404123, code 123456"
    )
