"""The browser-free parts of the helpers: number splitting, code clean-up, the step protocol."""

from __future__ import annotations

from typing import Any

import pytest

from otpkit._errors import ConfigurationError, OtpkitError
from otpkit.playwright import _flows
from otpkit.playwright._protocol import Call, FetchCode
from otpkit.playwright._readback import read_phone


@pytest.mark.parametrize(
    ("number", "country", "expected"),
    [
        ("+447400123456", None, ("+447400123456", "44", "7400123456", "GB")),
        ("447400123456", None, ("+447400123456", "44", "7400123456", "GB")),
        ("00905321234567", None, ("+905321234567", "90", "5321234567", "TR")),
        ("+16135550123", None, ("+16135550123", "1", "6135550123", "CA")),
        ("+14155550123", "us", ("+14155550123", "1", "4155550123", "US")),
        ("+15555550123", None, ("+15555550123", "1", "5555550123", "US")),  # fictional: no region
        ("+393331234567", None, ("+393331234567", "39", "3331234567", "IT")),
    ],
)
def test_parse_phone(number: str, country: str | None, expected: tuple[str, ...]) -> None:
    parts = _flows.parse_phone(number, country)
    assert (parts.e164, parts.dial, parts.national, parts.region) == expected


class _Number(str):
    """Stands for any str subclass a caller may hand over (e.g. a rental's number)."""


def test_parse_phone_accepts_str_subclasses() -> None:
    assert _flows.parse_phone(_Number("+447400123456")).e164 == "+447400123456"


@pytest.mark.parametrize(
    ("number", "country"), [("hello", None), ("+1", None), ("+447400123456", "US")]
)
def test_parse_phone_rejects(number: str, country: str | None) -> None:
    with pytest.raises(ConfigurationError):
        _flows.parse_phone(number, country)


def test_normalize_code() -> None:
    assert _flows.normalize_code(" 123-456\n") == "123456"
    assert _flows.normalize_code("AB12 CD") == "AB12CD"
    with pytest.raises(OtpkitError, match="empty"):
        _flows.normalize_code("  ")


def test_sign_up_asks_for_the_code_only_after_pressing_send() -> None:
    """Drive the flow by hand, as both runners do, with a scripted page."""
    flow = _flows.sign_up("+447400123456", send="#send", verify=False, country=None, timeout=5)
    replies: dict[str, Any] = {
        "phone": {"input": "p", "kind": "plain", "mode": "e164", "value": ""},
        "values": ["+447400123456"],
        "otp": {"kind": "single", "input": "c"},
    }
    seen: list[str] = []
    step = next(flow)
    result: str | None = None
    while result is None:
        if isinstance(step, FetchCode):
            seen.append("fetch-code")
            reply: Any = "654321"
        else:
            assert isinstance(step, Call)
            op = step.args[1]["op"] if step.method == "evaluate" else None  # type: ignore[index]
            seen.append(op or step.method)
            reply = replies.get(op or "")
            if op == "values" and "fetch-code" in seen:
                reply = ["654321"]
        try:
            step = flow.send(reply)
        except StopIteration as done:
            result = done.value
    assert result == "654321"
    assert seen.index("click") < seen.index("fetch-code") < seen.index("otp")
    assert seen.count("press_sequentially") == 2


@pytest.mark.parametrize(
    ("shown", "ok"),
    [
        ({"value": "+44 7400 123456", "control": {"region": "GB", "dial": ""}}, True),
        ({"value": "7400 123456", "prefix": "44"}, True),
        ({"value": "07400 123456", "control": {"region": "GB", "dial": ""}}, True),
        ({"value": "447400123456", "control": {"region": "GB", "dial": "44"}}, True),
        ({"value": "7400123456"}, True),  # a plain field: the digits are all there is
        # The cases: France still chosen, and "+44..." glued to a "+86" select.
        ({"value": "7400 123456", "control": {"region": "FR", "dial": ""}}, False),
        ({"value": "+447400123456", "control": {"region": "", "dial": "86"}}, False),
        ({"value": "+44 7400 123456", "hidden": ["+337400123456"]}, False),
        ({"value": "7400"}, False),
    ],
)
def test_read_phone(shown: dict[str, Any], ok: bool) -> None:
    assert read_phone(shown, "+447400123456").ok is ok
