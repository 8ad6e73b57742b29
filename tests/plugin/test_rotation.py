"""Rotation in pytest: a dead or refused number starts the test over on a fresh one.

Inner pytest runs against the run's sandbox (``--otp-sandbox``). The inner tests make their
first number dead through ``otp_sandbox.mark_number`` (or let a seeded dead rate decide), and
check from inside that the number before was cancelled before the next was rented.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import pytest

from pytest_plugin._records import mask


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
    """Every attempt the inner tests made, in order."""
    path = pytester.path / "attempts.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def orders_at_the_end(pytester: pytest.Pytester) -> list[dict[str, Any]]:
    """The sandbox's ledger of every number the inner tests rented, as the run ended."""
    orders: list[dict[str, Any]] = json.loads((pytester.path / "attempts.jsonl.orders").read_text())
    return orders


#: An inner conftest: a function-scoped ``page`` stand-in, and a log of every attempt (its
#: number, and the sandbox's view of the numbers the same test rented before it).
CONFTEST = """
import json, os
import pytest

@pytest.fixture
def form():  # stands in for a ``page``: function-scoped, closed at teardown
    form = {"open": True}
    yield form
    form["open"] = False

@pytest.fixture
def attempt(request, form, phone_number, otp_sandbox):
    earlier = [
        entry for entry in _read() if entry["test"] == request.node.nodeid
    ]
    # What the sandbox says, now, of the numbers this test rented before: none may be open.
    before = [otp_sandbox.mark_number(entry["number"]) for entry in earlier]
    entry = {
        "test": request.node.nodeid,
        "number": str(phone_number),
        "index": len(earlier) + 1,
        "form": id(form),
        "earlier": [
            {"status": o.status, "dead": o.dead, "refunds": o.refunds} for o in before
        ],
    }
    with open(os.environ["ROTATION_LOG"], "a") as log:
        log.write(json.dumps(entry) + "\\n")
    return entry

def pytest_sessionfinish(session):
    # The controller (or the only process) asks the sandbox, before it stops, how every
    # number rented in the run ended.
    if hasattr(session.config, "workerinput") or not _read():
        return
    import otpkit.sandbox

    with otpkit.sandbox.attach(os.environ["OTPKIT_SANDBOX_URL"]) as sandbox:
        orders = [sandbox.mark_number(entry["number"]) for entry in _read()]
    with open(os.environ["ROTATION_LOG"] + ".orders", "w") as out:
        json.dump([order.model_dump(mode="json") for order in orders], out)

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
        def test_signup(form, phone_number, otp, otp_sandbox, attempt):
            assert form["open"]
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
    assert first["number"] != second["number"] and first["form"] != second["form"]
    # The dead number was cancelled, and refunded, before the second one was rented.
    assert second["earlier"] == [{"status": "cancelled", "dead": True, "refunds": 1}]
    # Told at teardown, so the last attempt's number shows how it ended too (paid: its code came).
    result.stdout.fnmatch_lines(
        [
            "*- otpkit: attempts -*",
            f"attempt 1 of 3, * s, dropped (no code after 2.0 s): {mask(first['number'])} "
            "(jesusnumber order *); refunded: *",
            f"attempt 2 of 3, * s, the test's outcome (passed): {mask(second['number'])} "
            "(jesusnumber order *); not refunded: a code was received*",
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
    dropped = re.escape(mask(first["number"]))
    assert re.match(
        rf"attempt 1 of 3, [\d.]+ s, dropped \(no code after 2.0 s\): {dropped} "
        r"\(jesusnumber order \d+\); refunded: ",
        properties["otpkit_attempt_1"],
    ), properties
    assert properties["otpkit_attempt_2"].startswith("attempt 2 of 3")
    assert "; not refunded: a code was received" in properties["otpkit_attempt_2"]


def test_a_refused_number_starts_over_and_without_attempts_fails_saying_why(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.otp(attempts=2)
        def test_refused_once(phone_number, otp, attempt):
            if attempt["index"] == 1:
                otp.reject_number("app says: not accepted")
            assert otp()

        def test_refused_without_rotation(phone_number, otp, attempt):
            otp.reject_number("app says: not accepted")
        """
    )
    result = run(pytester, "--otp-sandbox", "-rA")
    result.assert_outcomes(passed=1, failed=1)
    log = attempts_logged(pytester)
    assert sorted((e["test"].rpartition("::")[2], e["index"]) for e in log) == [
        ("test_refused_once", 1),
        ("test_refused_once", 2),
        ("test_refused_without_rotation", 1),
    ]
    second = next(e for e in log if e["index"] == 2)
    assert second["earlier"] == [{"status": "cancelled", "dead": False, "refunds": 1}]
    result.stdout.fnmatch_lines(
        [
            "attempt 1 of 2, * s, dropped (refused by the app: app says: not accepted): "
            "+* (jesusnumber order *); refunded: *",
            "attempt 2 of 2, * s, the test's outcome (passed): +*",
        ]
    )
    result.stdout.fnmatch_lines(
        ["*NumberRejectedError: the app refused +*: app says: not accepted"]
    )
    result.stdout.fnmatch_lines(
        [
            "jesusnumber: 3 rentals, 1 codes received, 2 refunded;*",
            "sandbox jesusnumber:*open rentals 0, double refunds 0",
        ]
    )


def test_other_failures_are_not_retried_and_one_attempt_is_the_default(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import otpkit
        import pytest

        @pytest.mark.otp(attempts=3, attempt_timeout=1)
        def test_the_app_broke(phone_number, attempt):
            raise AssertionError("the app under test broke")

        @pytest.mark.otp(attempts=3, attempt_timeout=1)
        def test_a_nested_rotation_gave_up(phone_number, attempt):
            raise otpkit.VerificationFailedError("every attempt of client.verify failed")

        @pytest.mark.otp(timeout=1)
        def test_no_rotation_asked(phone_number, otp, otp_sandbox, attempt):
            otp_sandbox.mark_number(phone_number, dead=True)
            otp()
        """
    )
    result = run(pytester, "--otp-sandbox", "-rA")
    result.assert_outcomes(failed=3)
    assert sorted(e["index"] for e in attempts_logged(pytester)) == [1, 1, 1]
    output = result.stdout.str()
    # Nothing was dropped; the rotating tests list their one attempt, the other none.
    assert "dropped (" not in output and " of 1, " not in output
    assert output.count("attempt 1 of 3, ") == 2
    result.stdout.fnmatch_lines(
        [
            # The wait's own time, 1.0 s, or a tenth more on a loaded machine.
            "*CodeTimeoutError: no code for +* after 1.[01] s*",
            "jesusnumber: 3 rentals, 0 codes received, 3 refunded;*",
            "sandbox jesusnumber:*open rentals 0, double refunds 0",
        ]
    )


@pytest.mark.slow
def test_a_suite_with_30_percent_dead_numbers_passes_under_xdist(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTPKIT_SANDBOX_DELAY", "0.2")
    monkeypatch.setenv("OTPKIT_SANDBOX_DEAD_RATE", "0.3")
    # With this seed 4 of the first 14 rentals are dead: rotation must happen, and no test can
    # draw 5 dead numbers in a row whichever worker rents first.
    monkeypatch.setenv("OTPKIT_SANDBOX_SEED", "19")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(10))
        def test_signup(form, phone_number, otp, attempt, n):
            assert form["open"]
            assert otp().isdigit()
        """
    )
    options = ["--otp-attempts", "5", "--otp-attempt-timeout", "1.5"]
    result = run(pytester, "--otp-sandbox", "-n", "2", *options)
    result.assert_outcomes(passed=10)
    log = attempts_logged(pytester)
    orders = orders_at_the_end(pytester)
    assert len(orders) == len(log) >= 14  # each attempt rented one number, no more
    dead = [order for order in orders if order["dead"]]
    assert len(dead) >= 4
    assert all(order["status"] == "cancelled" and order["refunds"] == 1 for order in dead)
    assert not [order for order in orders if order["status"] == "pending"]
    # Before each attempt rented, the test's earlier numbers were cancelled already.
    assert all(earlier["status"] != "pending" for e in log for earlier in e["earlier"])
    rentals = re.search(r"jesusnumber: (\d+) rentals, 10 codes received", result.stdout.str())
    assert rentals and int(rentals.group(1)) == len(orders), result.stdout.str()
    result.stdout.fnmatch_lines(
        ["*left for `otpkit sweep`: 0", "sandbox jesusnumber:*open rentals 0, double refunds 0"]
    )


def test_a_rerun_starts_its_own_attempts_and_rents_nothing_twice(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.otp(attempts=2, attempt_timeout=1.5)
        def test_signup(form, phone_number, otp, otp_sandbox, attempt):
            if attempt["index"] <= 2:  # both attempts of the first run draw dead numbers
                otp_sandbox.mark_number(phone_number, dead=True)
            assert otp()
        """
    )
    result = run(pytester, "--otp-sandbox", "--reruns", "1", "-rA")
    assert result.parseoutcomes() == {"passed": 1, "rerun": 1}
    log = attempts_logged(pytester)
    assert [e["index"] for e in log] == [1, 2, 3]
    assert len({e["number"] for e in log}) == 3
    orders = orders_at_the_end(pytester)
    assert [(o["dead"], o["refunds"], o["status"]) for o in orders] == [
        (True, 1, "cancelled"),
        (True, 1, "cancelled"),
        (False, 0, "received"),
    ]
    # The rerun counts its attempts afresh: its one number is its attempt 1 of 2.
    result.stdout.fnmatch_lines(
        [f"attempt 1 of 2, * s, the test's outcome (passed): {mask(log[2]['number'])} *"]
    )
    # The passed test's story (-rA) tells both runs, every number with how it ended: the first
    # run's two dead numbers refunded, the rerun's kept (its code came).
    numbers = [mask(e["number"]) for e in log]
    result.stdout.fnmatch_lines(
        [
            "*- otpkit: rented numbers -*",
            f"run 1, attempt 1: {numbers[0]} (jesusnumber whatsapp, US, order *): refunded 0.50; "
            "verdict: never_sent — no SMS reached the number*",
            "    +0.0 s  rented: whatsapp from jesusnumber (order *), charged 0.50",
            f"run 1, attempt 2: {numbers[1]} (*): refunded 0.50; verdict: never_sent*",
            f"run 2, attempt 1: {numbers[2]} (*): code received, paid 0.50",
            "    +0.0 s  rented: *",
            "    +* s  wait: waiting up to 1.5 s for a code, polled",
            "    +* s  SMS from WhatsApp: *",
            "    +* s  code: code * after * poll(s)",
            "    +* s  kept (code received): paid 0.50: *",
        ]
    )
    result.stdout.fnmatch_lines(
        ["jesusnumber: 3 rentals, 1 codes received, 2 refunded;*", "*open rentals 0*"]
    )


def test_attempts_come_from_flags_ini_and_environment(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(
        """
        def test_probe(otp_session):
            s = otp_session.settings
            print("SETTINGS", s.attempts, s.attempt_timeout)
        """
    )
    monkeypatch.setenv("OTPKIT_ATTEMPTS", "4")
    monkeypatch.setenv("OTPKIT_ATTEMPT_TIMEOUT", "9")
    run(pytester, "-s").stdout.fnmatch_lines(["*SETTINGS 4 9.0*"])
    pytester.makeini("[pytest]\notp_attempts = 3\notp_attempt_timeout = 8\n")
    run(pytester, "-s").stdout.fnmatch_lines(["*SETTINGS 3 8.0*"])
    flags = ["--otp-attempts", "2", "--otp-attempt-timeout", "7"]
    run(pytester, "-s", *flags).stdout.fnmatch_lines(["*SETTINGS 2 7.0*"])
    monkeypatch.setenv("OTPKIT_ATTEMPTS", "0")
    monkeypatch.delenv("OTPKIT_ATTEMPT_TIMEOUT")
    pytester.makeini("[pytest]\n")
    result = run(pytester, "-s")
    # Refused before any test runs, in one line naming the variable.
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: otpkit: OTPKIT_ATTEMPTS must be valid*"])


@pytest.mark.parametrize(
    ("marker", "said"),
    [
        ("attempts=0", "attempts=...) takes a whole number >= 1, got 0"),
        ("attempts=2.5", "attempts=...) takes a whole number >= 1, got 2.5"),
        ("attempt_timeout=0", "attempt_timeout=...) takes seconds > 0"),
    ],
)
def test_a_wrong_attempts_marker_stops_the_run_at_once(
    pytester: pytest.Pytester, marker: str, said: str
) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        @pytest.mark.otp({marker})
        def test_x(phone_number):
            pass
        """
    )
    result = run(pytester, "--otp-sandbox")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*@pytest.mark.otp({said}*"])


@pytest.mark.slow
def test_the_example_suite_with_a_real_page_passes_through_dead_numbers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pytest-playwright's own ``page`` in a real Chromium against the demo site; with this seed
    # 2 of the first 6 numbers are dead, so at most 2 tests start over, each at most twice.
    monkeypatch.setenv("OTPKIT_SANDBOX_DEAD_RATE", "0.3")
    monkeypatch.setenv("OTPKIT_SANDBOX_SEED", "4")
    example = Path(__file__).resolve().parents[2] / "examples" / "pytest_signup"
    for name in ("conftest.py", "test_signup.py"):
        (pytester.path / name).write_text((example / name).read_text())
    options = ["--otp-attempts", "4", "--otp-attempt-timeout", "3"]
    result = run(pytester, "--otp-sandbox", "-n", "2", "-rA", *options)
    result.assert_outcomes(passed=4)
    output = result.stdout.str()
    assert output.count("dropped (no code after 3.0 s)") == 2, output
    assert output.count("; refunded: ") == 2
    result.stdout.fnmatch_lines(["sandbox jesusnumber:*open rentals 0, double refunds 0"])
    assert "left for `otpkit sweep`: 0" in output
