"""Each test's OTP story where users look: the failure section, pytest-html, JUnit XML, and the
verdicts in the summary.

One inner run (``--otp-sandbox``, two xdist workers, one rerun per failure) fails once for each
verdict and passes once, with an SMS full of markup; the outer test reads its terminal output,
its JUnit XML and its pytest-html report. Each inner test logs its numbers (``STORY_LOG``) so
the outer one knows them whole, and can tell that the reports show them masked.
"""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ElementTree
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from pytest_plugin._records import EventRecord, RentalRecord, mask
from pytest_plugin._story import headline, timeline, verdicts_line


@pytest.fixture(autouse=True)
def _sandbox_env(monkeypatch: pytest.MonkeyPatch, pytester: pytest.Pytester) -> None:
    # No stand-in SMS comes in time: the tests send what their numbers get.
    monkeypatch.setenv("OTPKIT_SANDBOX_DELAY", "30")
    monkeypatch.setenv("STORY_LOG", str(pytester.path / "rented.jsonl"))


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args, timeout=240)


#: What outsiders may write in an SMS: it must reach the HTML report as text, never as markup.
MARKUP = "<script>alert(1)</script><img src=x onerror=alert(2)>"

CONFTEST = """
import json, os
import pytest

@pytest.fixture
def logged(request):
    def log(number):
        entry = {"test": request.node.name, "number": str(number)}
        with open(os.environ["STORY_LOG"], "a") as out:
            out.write(json.dumps(entry) + "\\n")
    return log
"""

TESTS = f"""
import pytest

MARKUP = {MARKUP!r}

# sandbox_sms=False: the sandbox sends these numbers nothing by itself; the tests decide.
quiet = pytest.mark.otp(sandbox_sms=False, timeout=1)

@quiet
def test_never_sent(phone_number, otp, logged):
    logged(phone_number)
    otp()

@quiet
def test_filters_mismatch(phone_number, otp, otp_sandbox, logged):
    logged(phone_number)
    otp_sandbox.deliver(
        phone_number.rental.id, f"Shop {{MARKUP}} code 123456", provider="jesusnumber"
    )
    otp(contains="Acme")

# The one test of the account with stand-in SMS (too late to come: OTPKIT_SANDBOX_DELAY):
# only its polls fail, the other worker's tests rent from the quiet account.
@pytest.mark.otp(timeout=1)
def test_provider_errors(phone_number, otp, otp_sandbox, otp_client, logged):
    logged(phone_number)
    key = otp_client.provider.api_key
    otp_sandbox.inject_fault("500", count=1000, endpoint="jesusnumber.sms", api_key=key)
    try:
        otp()
    finally:
        otp_sandbox.clear_faults()

@quiet
def test_number_rejected(phone_number, otp, logged):
    logged(phone_number)
    otp.reject_number("app says: number not accepted")

def test_out_of_stock(rent_phone_number, otp_sandbox):
    otp_sandbox.set_stock("jesusnumber", 14, 0)  # Telegram: no other test rents it
    rent_phone_number("telegram")

@quiet
def test_passes(phone_number, otp, otp_sandbox, logged):
    logged(phone_number)
    otp_sandbox.deliver(
        phone_number.rental.id, f"Acme {{MARKUP}} code 654321", provider="jesusnumber"
    )
    assert otp(contains="Acme") == "654321"
"""

VERDICTS = {
    "test_never_sent": "never_sent — no SMS reached the number",
    "test_filters_mismatch": "filters_mismatch — SMS arrived but none counted",
    "test_provider_errors": "provider_errors — the provider was failing (at the end of the wait",
    "test_number_rejected": "number_rejected — the app refused the number",
}


class _Markup(HTMLParser):
    """The elements and the text of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parsed(fragment: str) -> _Markup:
    parser = _Markup()
    parser.feed(fragment)
    parser.close()
    return parser


def html_data(path: Path) -> dict[str, Any]:
    """pytest-html's data: the JSON blob its page is built from."""
    page = path.read_text()
    blob = re.search(r'data-jsonblob="([^"]*)"', page)
    assert blob, page[:2000]
    data: dict[str, Any] = json.loads(html.unescape(blob.group(1)))
    return data


def last_properties(junit: Path) -> dict[str, dict[str, str]]:
    """Per test, the properties of its last test case (a rerun's is the last)."""
    found: dict[str, dict[str, str]] = {}
    for case in ElementTree.parse(junit).iter("testcase"):
        found[str(case.get("name"))] = {
            str(p.get("name")): str(p.get("value")) for p in case.iter("property")
        }
    return found


@pytest.mark.slow
def test_every_report_tells_each_rental_with_its_final_outcome_and_verdict(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_story=TESTS)
    junit, report = pytester.path / "junit.xml", pytester.path / "report.html"
    result = run(
        pytester,
        "--otp-sandbox",
        "-n",
        "2",
        "--reruns",
        "1",
        f"--junitxml={junit}",
        f"--html={report}",
    )
    assert result.parseoutcomes() == {"failed": 5, "passed": 1, "rerun": 5}, result.stdout.str()
    output = result.stdout.str()
    lines = (pytester.path / "rented.jsonl").read_text().splitlines()
    numbers: dict[str, list[str]] = {}
    for entry in map(json.loads, lines):
        numbers.setdefault(entry["test"], []).append(entry["number"])
    assert {test: len(rented) for test, rented in numbers.items()} == {
        **dict.fromkeys(VERDICTS, 2),
        "test_passes": 1,
    }
    # No report shows a number whole (the tracebacks do: they are the test's own).
    for whole in (number for rented in numbers.values() for number in rented):
        for section in output.split("- otpkit: rented numbers -")[1:]:
            # Up to the next failure, or the summaries (pytest's own lines name numbers too).
            assert whole not in section.split("_____")[0].split("=====")[0]

    # The terminal: each failure tells both runs, the last one settled too (told at teardown).
    for test, verdict in VERDICTS.items():
        first, second = (mask(number) for number in numbers[test])
        money = "not refunded, paid 0.50: *" if test == "test_filters_mismatch" else "refunded 0.50"
        where = "jesusnumber whatsapp, US, order *"
        result.stdout.fnmatch_lines(
            [
                f"*_ {test} _*",
                "*- otpkit: rented numbers -*",
                f"run 1: {first} ({where}): {money}; verdict: {verdict}*",
                "    +0.0 s  rented: whatsapp from jesusnumber (order *), charged 0.50",
                f"run 2: {second} ({where}): {money}; verdict: {verdict}*",
            ]
        )
    result.stdout.fnmatch_lines(
        [
            "*_ test_out_of_stock _*",
            "*- otpkit: rented numbers -*",
            "run 1: could not rent: verdict: out_of_stock — the provider was out of stock "
            "(every jesusnumber product matching 'telegram' is out of stock*",
            "run 2: could not rent: verdict: out_of_stock*",
        ]
    )
    # Polls that found nothing are one line; a poll that failed says how.
    result.stdout.fnmatch_lines(["    +* s  poll* 1*: no SMS yet"])
    result.stdout.fnmatch_lines(["    +* s  poll* 1* failed: jesusnumber.sms: *(HTTP 500)"])
    result.stdout.fnmatch_lines(
        [
            "sandbox jesusnumber:*open rentals 0, double refunds 0",
            "verdicts: 2 never_sent, 2 filters_mismatch, 2 provider_errors, 2 number_rejected, "
            "2 out_of_stock",
        ]
    )

    # JUnit XML: the last test case of each test has every rental of every run.
    properties = last_properties(junit)
    never = properties["test_never_sent"]
    assert never["otpkit_rentals"] == "2"
    for index, number in enumerate(numbers["test_never_sent"], start=1):
        assert never[f"otpkit_rental_{index}"].startswith(
            f"run {index}: {mask(number)} (jesusnumber whatsapp, US, order "
        ), never
        assert never[f"otpkit_rental_{index}"].endswith(
            "refunded 0.50; verdict: never_sent — no SMS reached the number (the app never "
            "sent it, or the number is dead)"
        ), never
        timeline = never[f"otpkit_rental_{index}_timeline"].splitlines()
        assert timeline[0].startswith("+0.0 s  rented: whatsapp from jesusnumber"), timeline
        assert re.fullmatch(r"\+[\d.]+(-[\d.]+)? s  polls? 1(-\d+)?: no SMS yet", timeline[2])
        assert timeline[-1].startswith("+") and "  cancelled: refunded 0.50: " in timeline[-1]
    assert properties["test_out_of_stock"]["otpkit_rentals"] == "0"
    assert properties["test_out_of_stock"]["otpkit_rent_failed_2"].startswith(
        "run 2: could not rent: verdict: out_of_stock"
    )
    passed = properties["test_passes"]
    assert passed["otpkit_rental_1"].endswith("): code received, paid 0.50"), passed
    assert MARKUP in passed["otpkit_rental_1_timeline"]  # XML escapes it; the text is whole

    # pytest-html: a table of the rentals for the passed test and the failed ones, the SMS's
    # markup shown as text, never as elements; the money in its summary.
    data = html_data(report)
    extras = {
        test.rpartition("::")[2]: [
            extra["content"] for row in rows for extra in row["extras"] if extra["content"]
        ]
        for test, rows in data["tests"].items()
    }
    for test in ("test_passes", "test_filters_mismatch"):
        assert extras[test], extras
        fragment = extras[test][-1]
        shown = parsed(fragment)
        assert "table" in shown.tags and "caption" in shown.tags
        assert not {"script", "img"} & set(shown.tags), fragment
        assert MARKUP in "".join(shown.text), shown.text
    story = parsed(extras["test_passes"][-1])
    assert "code received, paid 0.50" in "".join(story.text)
    assert "kept (code received)" in story.text
    page = report.read_text()
    summary = re.search(r'<div class="otpkit-summary">.*?</div>', page, re.DOTALL)
    assert summary, page[:3000]
    told = "".join(parsed(summary.group(0)).text)
    assert re.search(r"jesusnumber: 9 rentals, 1 codes received, \d+ refunded; charged", told)
    assert "sandbox jesusnumber: charged " in told and "open rentals 0" in told
    assert "verdicts: 2 never_sent, 2 filters_mismatch" in told


def test_without_pytest_html_none_of_its_hooks_or_extras_and_the_section_still_shows(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
        import sys

        def pytest_unconfigure(config):
            # pytest itself reads pytest_html.__version, loaded or not; its extras are ours.
            print("otpkit-html:", config.pluginmanager.hasplugin("otpkit-html"))
            print("pytest_html.extras imported:", "pytest_html.extras" in sys.modules)
        """
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.otp(sandbox_sms=False, timeout=0.5)
        def test_never_sent(phone_number, otp):
            otp()
        """
    )
    result = run(pytester, "--otp-sandbox", "-p", "no:html", "-s")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- otpkit: rented numbers -*",
            "+* (jesusnumber whatsapp, US, order *): refunded 0.50; verdict: never_sent — *",
            "verdicts: 1 never_sent",
            "otpkit-html: False",
            "pytest_html.extras imported: False",
        ]
    )


def _record(*events: tuple[float, str, str]) -> RentalRecord:
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    return RentalRecord(
        test="t.py::test_x",
        run=1,
        attempt=1,
        provider="jesusnumber",
        product="whatsapp",
        country="US",
        number="+*******0503",
        order_id="7",
        rented_at=start,
        outcome="refunded",
        outcome_detail="order rejected and refunded",
        verdict="provider_errors",
        charged=Decimal("0.50"),
        refunded=Decimal("0.50"),
        timeline=[
            EventRecord(at=start + timedelta(seconds=at), kind=kind, detail=detail)
            for at, kind, detail in events
        ],
    )


def test_polls_that_found_the_same_are_one_line_and_anything_new_breaks_the_run() -> None:
    record = _record(
        (0.0, "rented", "whatsapp from jesusnumber (order 7), charged 0.50"),
        (0.3, "poll", "poll 1: no SMS yet"),
        (1.2, "poll", "poll 2: no SMS yet"),
        (8.3, "poll", "poll 3: no SMS yet"),
        (9.0, "poll_failed", "poll 4: jesusnumber.sms: jesusnumber refused (HTTP 500)"),
        (9.5, "poll_failed", "poll 5: jesusnumber.sms: jesusnumber refused (HTTP 500)"),
        (9.9, "poll_failed", "poll 6: jesusnumber.sms: no reply in time"),
        (10.0, "poll", "poll 7: no SMS yet"),
        (10.1, "cancelled", "refunded 0.50: order rejected and refunded"),
    )
    assert [str(line) for line in timeline(record)] == [
        "+0.0 s  rented: whatsapp from jesusnumber (order 7), charged 0.50",
        "+0.3-8.3 s  polls 1-3: no SMS yet",
        "+9.0-9.5 s  polls 4-5 failed: jesusnumber.sms: jesusnumber refused (HTTP 500)",
        "+9.9 s  poll 6 failed: jesusnumber.sms: no reply in time",
        "+10.0 s  poll 7: no SMS yet",
        "+10.1 s  cancelled: refunded 0.50: order rejected and refunded",
    ]
    assert headline(record) == (
        "+*******0503 (jesusnumber whatsapp, US, order 7): refunded 0.50; verdict: "
        "provider_errors — the provider was failing (at the end of the wait, or most of it)"
    )
    counts = Counter({"number_rejected": 1, "never_sent": 3, "filters_mismatch": 1})
    assert verdicts_line(counts) == "verdicts: 3 never_sent, 1 filters_mismatch, 1 number_rejected"
    assert verdicts_line(Counter()) is None
