"""Rotation in pytest: a dead or refused number starts the test over on a fresh one.

Inner pytest runs against the run's sandbox (``--otp-sandbox``). The inner tests make their
first number dead through ``otp_sandbox.mark_number`` (or let a seeded dead rate decide), and
check from inside that the number before was cancelled before the next was rented.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _sandbox_env(monkeypatch: pytest.MonkeyPatch, pytester: pytest.Pytester) -> None:
    # The stand-in SMS comes 1 s after renting: time enough to mark a number dead first.
    monkeypatch.setenv("OTPKIT_SANDBOX_DELAY", "1.0")
    for name in ("OTPKIT_ATTEMPTS", "OTPKIT_ATTEMPT_TIMEOUT", "OTPKIT_SANDBOX_DEAD_RATE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ROTATION_LOG", str(pytester.path / "attempts.jsonl"))


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=240)


def attempts_logged(pytester: pytest.Pytester) -> list[dict[str, Any]]:
    path = pytester.path / "attempts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


#: An inner conftest: a function-scoped ``page`` stand-in, and a log of every attempt (its
#: number, and the sandbox's view of the numbers the same test rented before it).
CONFTEST = """
import json, os
import pytest

@pytest.fixture
def page():
    page = {"open": True}
    yield page
    page["open"] = False

@pytest.fixture
def attempt(request, page, phone_number, otp_sandbox):
    earlier = [
        entry for entry in _read() if entry["test"] == request.node.nodeid
    ]
    # What the sandbox says, now, of the numbers this test rented before: none may be open.
    before = [otp_sandbox.mark_number(entry["number"]) for entry in earlier]
    entry = {
        "test": request.node.nodeid,
        "number": str(phone_number),
        "index": len(earlier) + 1,
        "page": id(page),
        "earlier": [
            {"status": o.status, "dead": o.dead, "refunds": o.refunds} for o in before
        ],
    }
    with open(os.environ["ROTATION_LOG"], "a") as log:
        log.write(json.dumps(entry) + "\\n")
    return entry

def _read():
    path = os.environ["ROTATION_LOG"]
    if not os.path.exists(path):
        return []
    with open(path) as log:
        return [json.loads(line) for line in log]
"""


def test_a_dead_number_starts_the_test_over_on_a_fresh_one(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.otp(attempts=3, attempt_timeout=2)
        def test_signup(page, phone_number, otp, otp_sandbox, attempt):
            assert page["open"]
            if attempt["index"] == 1:
                otp_sandbox.mark_number(phone_number, dead=True)  # it will never get its SMS
            assert otp().isdigit()
        """
    )
    junit = pytester.path / "junit.xml"
    result = run(pytester, "--otp-sandbox", "-rA", f"--junitxml={junit}")
    result.assert_outcomes(passed=1)
    log = attempts_logged(pytester)
    assert [entry["index"] for entry in log] == [1, 2]
    first, second = log
    assert first["number"] != second["number"] and first["page"] != second["page"]
    # The dead number was cancelled, and refunded, before the second one was rented.
    assert second["earlier"] == [{"status": "cancelled", "dead": True, "refunds": 1}]
    result.stdout.fnmatch_lines(
        [
            "*- otpkit: attempts -*",
            f"attempt 1 of 3, * s, dropped (no code after 2.0 s): {first['number']} "
            "(jesusnumber order *); refunded: *",
            f"attempt 2 of 3, * s, the test's outcome (passed): {second['number']} "
            "(jesusnumber order *)",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "jesusnumber: 2 rentals, 1 codes received, 1 refunded;*left for `otpkit sweep`: 0",
            "sandbox jesusnumber:*open rentals 0, double refunds 0",
        ]
    )
    properties = {p.get("name"): p.get("value") for p in ElementTree.parse(junit).iter("property")}
    assert properties["otpkit_attempts"] == "2"
    assert re.match(
        rf"attempt 1 of 3, [\d.]+ s, dropped \(no code after 2.0 s\): \{first['number']} "
        r"\(jesusnumber order \d+\); refunded: ",
        properties["otpkit_attempt_1"],
    ), properties
    assert properties["otpkit_attempt_2"].startswith("attempt 2 of 3")
