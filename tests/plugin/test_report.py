"""``--otp-report PATH``: one JSON document per run, valid against the committed schema.

Inner pytest runs against the run's sandbox (``--otp-sandbox``); each inner test logs the
numbers it rented (``REPORT_LOG``), so the outer test knows the whole numbers the report must
not show, and which tests ran on which worker.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import phonenumbers
import pytest

from pytest_plugin._records import EventRecord, RentalRecord, mask, masked
from pytest_plugin._report_model import SCHEMA_FILE, schema_text


@pytest.fixture(autouse=True)
def _sandbox_env(monkeypatch: pytest.MonkeyPatch, pytester: pytest.Pytester) -> None:
    # The stand-in SMS comes 0.5 s after renting: time enough to mark a number dead first.
    monkeypatch.setenv("OTPKIT_SANDBOX_DELAY", "0.5")
    monkeypatch.setenv("REPORT_LOG", str(pytester.path / "rented.jsonl"))


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=240)


#: Every inner test rents through this autouse fixture, which logs the number whole.
CONFTEST = """
import json, os
import pytest

@pytest.fixture(autouse=True)
def _logged(request, phone_number):
    entry = {
        "test": request.node.nodeid,
        "number": str(phone_number),
        "worker": os.environ.get("PYTEST_XDIST_WORKER", "main"),
    }
    with open(os.environ["REPORT_LOG"], "a") as log:
        log.write(json.dumps(entry) + "\\n")
"""


def rented(pytester: pytest.Pytester) -> list[dict[str, str]]:
    lines = (pytester.path / "rented.jsonl").read_text().splitlines()
    return [json.loads(line) for line in lines]


def valid_report(path: Path) -> dict[str, Any]:
    """The report at ``path``, validated against the committed schema."""
    document: dict[str, Any] = json.loads(path.read_text())
    jsonschema.validate(document, json.loads(SCHEMA_FILE.read_text()))
    assert document["schema"] == "otpkit-report" and document["version"] == 1
    return document


def summary_money(output: str) -> tuple[Decimal, Decimal]:
    """What the terminal summary says the sandbox charged and refunded (jesusnumber)."""
    found = re.search(r"sandbox jesusnumber: charged ([\d.]+), refunded ([\d.]+),", output)
    assert found, output
    return Decimal(found.group(1)), Decimal(found.group(2))


def test_the_committed_schema_is_the_one_the_models_generate() -> None:
    # If this fails after a model changed: python -m pytest_plugin._report_model
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text()


def test_masking_hides_every_spelling_of_the_number_in_every_text() -> None:
    number = "+16095170503"
    when = datetime(2026, 1, 1, tzinfo=timezone.utc)
    record = RentalRecord(
        test="t",
        run=1,
        attempt=1,
        provider="jesusnumber",
        product="whatsapp",
        country="US",
        number=mask(number),
        order_id="1",
        rented_at=when,
        outcome="refunded",
        outcome_detail=f"order of 16095170503 cancelled ({number})",
        verdict="never_sent",
        charged=Decimal("0.50"),
        refunded=Decimal("0.50"),
        timeline=[
            EventRecord(at=when, kind="gave_up", detail=f"no code for {number} after 1.0 s"),
            EventRecord(at=when, kind="sms", detail="SMS: 'your number 6095170503 is set'"),
        ],
    )
    text = masked(record, number).model_dump_json()
    assert "6095170503" not in text and "0503" in text
    hidden = masked(record, number)
    assert hidden.timeline[0].detail == "no code for +*******0503 after 1.0 s"
    assert hidden.timeline[1].detail == "SMS: 'your number ******0503 is set'"
    assert hidden.outcome_detail == "order of *******0503 cancelled (+*******0503)"


@pytest.mark.slow
def test_the_report_holds_every_rental_of_every_run_masked_and_the_ledgers_money(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import os
        from pathlib import Path
        import pytest

        dead = []

        def test_passes(phone_number, otp):
            assert otp().isdigit()

        @pytest.mark.otp(sandbox_sms=False)  # nobody texts it: the wait fails, in both runs
        def test_quiet_number(phone_number, otp):
            otp(timeout=1)

        @pytest.mark.otp(attempts=2, attempt_timeout=1)
        def test_rotates(phone_number, otp, otp_sandbox):
            if not dead:  # the first attempt's number never gets its SMS
                dead.append(otp_sandbox.mark_number(phone_number, dead=True))
            assert otp().isdigit()

        def test_flaky(phone_number, otp):
            flag = Path(os.environ["REPORT_LOG"] + ".flaky")
            if not flag.exists():
                flag.touch()
                raise AssertionError("the app under test broke, once")
            assert otp().isdigit()
        """
    )
    path = pytester.path / "report.json"
    result = run(pytester, "--otp-sandbox", "--reruns", "1", "--otp-report", str(path))
    assert result.parseoutcomes() == {"passed": 3, "failed": 1, "rerun": 2}
    result.stdout.fnmatch_lines([f"report: {path} (4 tests, 7 rentals)"])
    report = valid_report(path)
    assert report["numbers"] == "masked"
    tests = {test["id"].rpartition("::")[2]: test for test in report["tests"]}
    shape = {
        name: (test["outcome"], test["runs"], [(r["run"], r["attempt"]) for r in test["rentals"]])
        for name, test in tests.items()
    }
    assert shape == {
        "test_passes": ("passed", 1, [(1, 1)]),
        "test_quiet_number": ("failed", 2, [(1, 1), (2, 1)]),
        "test_rotates": ("passed", 1, [(1, 1), (1, 2)]),
        "test_flaky": ("passed", 2, [(1, 1), (2, 1)]),
    }
    quiet = tests["test_quiet_number"]["rentals"]
    assert [(r["outcome"], r["verdict"]) for r in quiet] == [("refunded", "never_sent")] * 2
    assert [e["kind"] for e in quiet[0]["timeline"]][-2:] == ["gave_up", "cancelled"]
    rotated = tests["test_rotates"]["rentals"]
    assert [(r["outcome"], r["verdict"]) for r in rotated] == [
        ("refunded", "never_sent"),
        ("code_received", None),
    ]
    assert report["verdicts"] == {"never_sent": 3}

    # No number whole anywhere: not in the number fields, the timeouts' messages, the SMS.
    text = path.read_text()
    numbers = rented(pytester)
    assert len(numbers) == 7
    for entry in numbers:
        number = entry["number"]
        national = str(phonenumbers.parse(number).national_number)
        assert number.lstrip("+") not in text and national not in text, number
    records = [r for test in report["tests"] for r in test["rentals"]]
    assert sorted(r["number"] for r in records) == sorted(mask(e["number"]) for e in numbers)

    # The money: the journal's totals, the sum of the rentals and the sandbox's ledger agree.
    totals = report["totals"]["jesusnumber"]
    assert (totals["rentals"], totals["codes"], totals["left_open"]) == (7, 3, 0)
    charged, refunded = summary_money(result.stdout.str())
    assert Decimal(totals["charged"]) == charged == sum(Decimal(r["charged"]) for r in records)
    assert Decimal(totals["refunded_amount"]) == refunded
    assert refunded == sum(Decimal(r["refunded"]) for r in records)
    assert Decimal(totals["net"]) == charged - refunded
    (offer,) = report["delivery"]
    assert (offer["provider"], offer["rentals"], offer["delivered"]) == ("jesusnumber", 7, 3)
    assert offer["failed"] == 3 and offer["rate"] == pytest.approx(4 / 8)


def test_a_number_that_could_not_be_rented_is_reported_and_counted_as_the_terminal_counts(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        def test_out_of_stock(rent_phone_number, otp_sandbox):
            otp_sandbox.set_stock("jesusnumber", 14, 0)  # Telegram: no other test rents it
            rent_phone_number("telegram")

        def test_passes(phone_number, otp):
            assert otp().isdigit()
        """
    )
    path = pytester.path / "report.json"
    result = run(pytester, "--otp-sandbox", "--otp-report", str(path))
    result.assert_outcomes(passed=1, failed=1)
    report = valid_report(path)
    tests = {test["id"].rpartition("::")[2]: test for test in report["tests"]}
    assert list(tests) == ["test_passes", "test_out_of_stock"]  # rented first, then the rest
    stockless = tests["test_out_of_stock"]
    assert (stockless["outcome"], stockless["runs"], stockless["rentals"]) == ("failed", 1, [])
    (failure,) = stockless["rent_failures"]
    assert (failure["test"], failure["run"], failure["verdict"]) == (
        stockless["id"],
        1,
        "out_of_stock",
    )
    assert "out of stock" in failure["detail"]
    assert tests["test_passes"]["rent_failures"] == []
    assert report["verdicts"] == {"out_of_stock": 1}
    said = re.search(r"^verdicts: (.+)$", result.stdout.str(), re.MULTILINE)
    assert said, result.stdout.str()
    counted = dict(reversed(part.split(" ")) for part in said.group(1).split(", "))
    assert {verdict: int(n) for verdict, n in counted.items()} == report["verdicts"]


@pytest.mark.slow
def test_under_xdist_one_document_holds_both_workers_rentals_numbers_shown(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_signup(phone_number, otp, n):
            assert otp().isdigit()
        """
    )
    # The path from the ini file, the numbers switch from the environment.
    pytester.makeini("[pytest]\notp_report = out.json\n")
    monkeypatch.setenv("OTPKIT_REPORT_NUMBERS", "1")
    result = run(pytester, "--otp-sandbox", "-n", "2")
    result.assert_outcomes(passed=4)
    report = valid_report(pytester.path / "out.json")
    logged = rented(pytester)
    assert len({entry["worker"] for entry in logged}) == 2  # both workers rented
    assert report["numbers"] == "shown"
    assert sorted(
        (t["id"].rpartition("::")[2], t["outcome"], t["runs"]) for t in report["tests"]
    ) == [(f"test_signup[{n}]", "passed", 1) for n in range(4)]
    shown = {test["id"]: [r["number"] for r in test["rentals"]] for test in report["tests"]}
    assert shown == {entry["test"]: [entry["number"]] for entry in logged}
    charged, refunded = summary_money(result.stdout.str())
    totals = report["totals"]["jesusnumber"]
    assert (totals["rentals"], totals["codes"]) == (4, 4)
    assert (Decimal(totals["charged"]), Decimal(totals["refunded_amount"])) == (charged, refunded)


@pytest.mark.parametrize(
    ("how", "said"),
    [
        (("--otp-report", "missing/report.json"), "the directory */missing does not exist"),
        (("--otp-report", "."), "it is a directory (give the file to write)"),
    ],
    ids=["directory missing", "a directory"],
)
def test_a_report_path_that_cannot_be_written_stops_the_run_at_once(
    pytester: pytest.Pytester, how: tuple[str, ...], said: str
) -> None:
    pytester.makepyfile("def test_x(): pass")
    result = run(pytester, *how)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: otpkit: cannot write the report to {how[1]}: {said}"])
    assert "Traceback" not in result.stderr.str() and "test_x" not in result.stdout.str()


def test_a_report_path_from_the_environment_is_checked_too(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTPKIT_REPORT", str(pytester.path / "nowhere" / "r.json"))
    pytester.makepyfile("def test_x(): pass")
    result = run(pytester, "-n", "1")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: otpkit: cannot write the report to */nowhere/r.json: *"])
