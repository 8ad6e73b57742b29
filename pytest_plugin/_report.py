"""``--otp-report PATH``: the run's rentals as one JSON document (``_report_model.Report``).

Every process of the run records, as each test's run ends (its teardown report: by then every
number it rented is cancelled or kept), the ``RentalRecord`` of each number, and the
``RentFailure`` of each it could not rent (``_settled.note_failure`` noticed them, for the
terminal as well): one JSON line each in its own spool file in the run directory, so a worker
that dies takes only its running test's records with it. The controller (or the only process,
without pytest-xdist) counts the tests' outcomes and runs from the reports it logs, and at the
end of the session merges the spools, adds the journal's totals and delivery rates, and writes
PATH once, atomically.

Numbers are masked to their last four digits, in every text of the document too (a timeout's
message names the number, an SMS may), unless ``--otp-report-numbers``.
"""

from __future__ import annotations

import os
import warnings
from collections import Counter
from collections.abc import Generator, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from pydantic import TypeAdapter

from pytest_plugin._fixtures import RENTED
from pytest_plugin._records import RentalRecord, RentFailure, rental_record
from pytest_plugin._rotation import attempt_of, run_of
from pytest_plugin._run import SharedRun, is_worker, run_directory
from pytest_plugin._session import settings_of
from pytest_plugin._settled import rent_failures
from pytest_plugin._story import verdict_counts

if TYPE_CHECKING:
    import otpkit
    from otpkit._journal import JournalEntry
    from pytest_plugin._report_model import DeliveryRate, ProviderTotals, Report, TestOutcome

__all__ = ["Reporter", "checked_path", "register", "report_line"]

_SPOOL_GLOB = "otpkit-report.*.jsonl"
#: How many of the test's rented numbers (``RENTED``) are spooled already.
_SPOOLED = pytest.StashKey[int]()
#: How many of its ``rent_failures`` are spooled already.
_SPOOLED_FAILURES = pytest.StashKey[int]()
#: A spool line: both models refuse unknown fields, so a line validates as exactly one.
_SPOOLED_LINE: TypeAdapter[RentalRecord | RentFailure] = TypeAdapter(RentalRecord | RentFailure)
_REPORTER = pytest.StashKey["Reporter"]()


def _asked(config: pytest.Config) -> bool:
    # Cheap checks first: a run that asks for no report must not pay for reading the settings.
    given = config.getoption("otp_report", default=None) or config.getini("otp_report")
    return bool(given or os.environ.get("OTPKIT_REPORT") or os.path.isfile(".env"))


def register(config: pytest.Config) -> None:
    """From ``pytest_configure``: record the run's rentals when a report is asked for (a bad
    PATH is a usage error now, not a traceback at the end)."""
    if not _asked(config):
        return
    settings = settings_of(config)
    if settings.report is None:
        return
    path = None if is_worker(config) else checked_path(config, settings.report)
    reporter = Reporter(config, path, show_numbers=settings.report_numbers)
    config.stash[_REPORTER] = reporter
    config.pluginmanager.register(reporter, "otpkit-report")


def checked_path(config: pytest.Config, given: Path) -> Path:
    """Where the report goes, absolute; a ``UsageError`` when it cannot be written there."""
    path = given.expanduser()
    if not path.is_absolute():
        path = config.invocation_params.dir / path
    problem = None
    if path.is_dir():
        problem = "it is a directory (give the file to write)"
    elif not path.parent.is_dir():
        problem = f"the directory {path.parent} does not exist"
    elif not os.access(path.parent, os.W_OK | os.X_OK):
        problem = f"the directory {path.parent} is not writable"
    if problem:
        raise pytest.UsageError(f"otpkit: cannot write the report to {given}: {problem}")
    return path


def report_line(config: pytest.Config) -> list[str]:
    """The terminal summary's line about the report (empty when none was asked for)."""
    reporter = config.stash.get(_REPORTER, None)
    return [reporter.written] if reporter is not None and reporter.written else []


def _final(outcome: TestOutcome | None, report: pytest.TestReport) -> TestOutcome | None:
    """A test's outcome so far, after one more of its reports (as pytest counts them)."""
    expected = hasattr(report, "wasxfail")
    if report.when == "setup":
        if report.failed:
            return "error"
        return ("xfailed" if expected else "skipped") if report.skipped else None
    if report.when == "call":
        if report.failed:
            return "failed"
        if report.skipped:
            return "xfailed" if expected else "skipped"
        return "xpassed" if expected else "passed"
    if report.failed and outcome != "failed":  # a teardown that failed
        return "error"
    return outcome


class Reporter:
    """The report's plugin in one process: it spools its tests' rentals and, in the process
    that writes the report (``path`` given), counts outcomes and writes the document."""

    def __init__(self, config: pytest.Config, path: Path | None, *, show_numbers: bool) -> None:
        self.config = config
        self.path = path
        self.show_numbers = show_numbers
        self.started_at = datetime.now(timezone.utc)
        self._outcomes: dict[str, TestOutcome | None] = {}
        self._runs: Counter[str] = Counter()
        #: What the terminal summary says about the report, once it is written (or not).
        self.written: str | None = None

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        report = yield
        if report.when == "teardown":
            self._spool(item)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.path is None:
            return
        if report.when == "setup":
            self._runs[report.nodeid] += 1
            self._outcomes[report.nodeid] = None
        outcome: str = report.outcome  # pytest-rerunfailures adds "rerun" to pytest's three
        if outcome == "rerun":  # the next run decides
            return
        self._outcomes[report.nodeid] = _final(self._outcomes.get(report.nodeid), report)

    @pytest.hookimpl(trylast=True)  # after pytest's own, which tears down what is left
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        for item in session.items:  # the tests an interruption left without a teardown report
            self._spool(item)
        if self.path is not None:
            self._write(self.path)

    def _spool(self, item: pytest.Item) -> None:
        rented = item.stash.get(RENTED, [])
        done = item.stash.get(_SPOOLED, 0)
        failures = rent_failures(item)
        failed = item.stash.get(_SPOOLED_FAILURES, 0)
        if len(rented) <= done and len(failures) <= failed:
            return
        item.stash[_SPOOLED] = len(rented)
        item.stash[_SPOOLED_FAILURES] = len(failures)
        run = run_of(item)
        try:
            lines = [self._record(item, run, number).model_dump_json() for number in rented[done:]]
            lines += [failure.model_dump_json() for failure in failures[failed:]]
            from otpkit._private import private_file

            spool = run_directory(self.config) / f"otpkit-report.{os.getpid()}.jsonl"
            with open(private_file(spool), "a", encoding="utf-8") as out:
                out.write("".join(f"{line}\n" for line in lines))
        except Exception as error:  # a report must never fail a test
            warnings.warn(f"otpkit: --otp-report lost {item.nodeid}: {error}", stacklevel=1)

    def _record(self, item: pytest.Item, run: int, number: otpkit.PhoneNumber) -> RentalRecord:
        attempt = attempt_of(item, number)
        return rental_record(
            number, test=item.nodeid, run=run, attempt=attempt, show_number=self.show_numbers
        )

    def _write(self, path: Path) -> None:
        from otpkit._private import write_atomically

        try:
            report = self.document()
            write_atomically(path, report.model_dump_json(by_alias=True, indent=2) + "\n")
        except Exception as error:  # a report must never fail the run
            self.written = f"report not written to {path}: {error}"
            warnings.warn(f"otpkit: {self.written}", stacklevel=1)
            return
        rentals = sum(len(test.rentals) for test in report.tests)
        self.written = f"report: {path} ({len(report.tests)} tests, {rentals} rentals)"

    def document(self) -> Report:
        """The report of the run so far: the spooled rentals, outcomes, and the journal's money."""
        from otpkit._version import __version__
        from pytest_plugin._report_model import Report, ReportedTest

        directory = run_directory(self.config)
        records, failures = _read_spools(directory)
        by_test: dict[str, list[RentalRecord]] = {}
        for record in sorted(records, key=lambda r: r.rented_at):
            by_test.setdefault(record.test, []).append(record)
        failed: dict[str, list[RentFailure]] = {}
        for failure in failures:
            failed.setdefault(failure.test, []).append(failure)
            by_test.setdefault(failure.test, [])  # a test that rented none is reported too
        tests = [
            ReportedTest(
                id=test,
                outcome=self._outcomes.get(test) or "interrupted",
                runs=max(
                    [self._runs[test], *(r.run for r in rentals)]
                    + [f.run for f in failed.get(test, [])]
                ),
                rentals=sorted(rentals, key=lambda r: (r.run, r.attempt, r.rented_at)),
                rent_failures=sorted(failed.get(test, []), key=lambda f: f.run),
            )
            for test, rentals in by_test.items()
        ]
        state = SharedRun(directory).state()
        entries = self._journal_entries(state.get("run_id"))
        verdicts = verdict_counts(records, failures)  # the terminal's verdicts line counts these
        return Report(
            otpkit_version=__version__,
            run_id=state.get("run_id") or SharedRun(directory).run_id,
            started_at=self.started_at,
            finished_at=datetime.now(timezone.utc),
            numbers="shown" if self.show_numbers else "masked",
            tests=tests,
            totals=_totals(entries),
            delivery=_delivery(entries),
            verdicts=dict(sorted(verdicts.items())),
        )

    def _journal_entries(self, run_id: str | None) -> list[JournalEntry]:
        """The run's rentals in the journal, as the terminal summary counts them."""
        if run_id is None:  # nothing was rented
            return []
        import otpkit

        settings = settings_of(self.config)
        journal = otpkit.Journal(settings.journal or otpkit.default_journal_path())
        return [e for e in journal.entries(run_id) if e.state != "failed"]


def _read_spools(directory: Path) -> tuple[list[RentalRecord], list[RentFailure]]:
    """The spooled rentals, and the numbers that could not be rented."""
    lines = [
        _SPOOLED_LINE.validate_json(line)
        for spool in sorted(directory.glob(_SPOOL_GLOB))
        for line in spool.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    records = [line for line in lines if isinstance(line, RentalRecord)]
    return records, [line for line in lines if isinstance(line, RentFailure)]


def _totals(entries: list[JournalEntry]) -> dict[str, ProviderTotals]:
    from otpkit._journal import spend_of
    from pytest_plugin._report_model import ProviderTotals

    totals = {}
    for provider in sorted({e.provider for e in entries}):
        mine = [e for e in entries if e.provider == provider]
        spend = spend_of(mine)
        left = [e.order_id or "order unknown" for e in mine if e.unsettled]
        totals[provider] = ProviderTotals(
            rentals=len(mine),
            codes=sum(1 for e in mine if e.codes),
            refunded=sum(1 for e in mine if e.refunded),
            charged=spend.charged,
            refunded_amount=spend.refunded,
            net=spend.net,
            left_open=len(left),
            left_open_orders=left,
        )
    return totals


def _delivery(entries: Iterable[JournalEntry]) -> list[DeliveryRate]:
    import statistics

    from otpkit._delivery_stats import delivery_stats
    from pytest_plugin._report_model import DeliveryRate

    rates = []
    for offer in delivery_stats(entries).values():
        seconds = offer.seconds_to_code()
        rates.append(
            DeliveryRate(
                provider=offer.provider,
                product=offer.product,
                country=offer.country,
                rentals=offer.rentals,
                tried=offer.tried,
                delivered=offer.delivered,
                failed=offer.failed,
                refunded=offer.refunded,
                rate=offer.rate,
                code_seconds_p50=round(statistics.median(seconds), 3) if seconds else None,
                cost_per_code=offer.cost_per_code(),
            )
        )
    return rates
