"""Each test's OTP story, told once every number it rented is settled: at its teardown.

The failure section used to be made with the call report, before teardown cancels the
numbers, so the last one showed no outcome. Now:

- in the test's process (a pytest-xdist worker, or the only one), the teardown report carries
  the records of the numbers the run rented (``RentalRecord``: every number cancelled or kept
  by then), the numbers it could not rent (``RentFailure``) and the attempts section;
  the JUnit XML properties go on the same report, which JUnit XML reads;
- in the process that prints (the controller under pytest-xdist, which sees the workers'
  reports as they arrive, custom attributes included), ``Told`` gathers them, appends the
  sections to the report the terminal shows for the test (its failure, or with ``-rP`` its
  passed call) and the pytest-html table to its teardown report, and counts the verdicts for
  the summary.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

import pytest

from pytest_plugin._fixtures import RENTED
from pytest_plugin._records import RentalRecord, RentFailure, rental_record
from pytest_plugin._rotation import attempt_of, attempts_section, replace_properties, run_of
from pytest_plugin._run import is_worker
from pytest_plugin._story import PROPERTY_PREFIX, properties, section, verdict_counts

__all__ = [
    "RENTED_SECTION",
    "Told",
    "note_failure",
    "register",
    "rent_failures",
    "settle",
    "verdicts",
]

#: The section of the terminal report that tells the test's rentals.
RENTED_SECTION = "otpkit: rented numbers"
_ATTEMPTS_SECTION = "otpkit: attempts"
#: The teardown report's attribute that carries the run's story to the process that prints.
_CARRIED = "otpkit_story"
#: Item: how many of ``RENTED`` are recorded already (earlier runs').
_RECORDED = pytest.StashKey[int]()
#: Item: the records of every run of the test so far (JUnit XML tells them all).
_RECORDS = pytest.StashKey[list[RentalRecord]]()
#: Item: the numbers its runs could not rent.
_FAILURES = pytest.StashKey[list[RentFailure]]()
_TOLD = pytest.StashKey["Told"]()


def _rent_failure(error: BaseException) -> tuple[str, str] | None:
    """The verdict and message of a failure to rent (no stock, no money) in ``error`` or what
    it was raised from (``pytest.fail`` over the provider's error), else None."""
    if "otpkit" not in sys.modules:  # no otpkit error can have been raised
        return None
    from otpkit._timeline import Verdict, verdict_of

    seen: BaseException | None = error
    for _ in range(5):  # a chain is short; a cycle must not hang the report
        if seen is None:
            return None
        verdict = verdict_of(seen)
        if verdict in (Verdict.OUT_OF_STOCK, Verdict.NO_BALANCE):
            return str(verdict), str(seen)
        seen = seen.__cause__ or seen.__context__
    return None


def note_failure(item: pytest.Item, call: pytest.CallInfo[None]) -> None:
    """From a failed setup or call: remember a number that could not be rented."""
    if call.excinfo is None:
        return
    found = _rent_failure(call.excinfo.value)
    if found is not None:
        verdict, detail = found
        failure = RentFailure(test=item.nodeid, run=run_of(item), verdict=verdict, detail=detail)
        item.stash.setdefault(_FAILURES, []).append(failure)


def rent_failures(item: pytest.Item) -> list[RentFailure]:
    """The numbers every run of ``item`` so far could not rent (``note_failure``'s), oldest
    first: ``--otp-report`` reads them here, so both tell the same failures."""
    return item.stash.get(_FAILURES, [])


def settle(item: pytest.Item, report: pytest.TestReport) -> None:
    """At teardown: record the numbers this run rented, and put the run's story on ``report``
    (for the process that prints) and every run's in its JUnit XML properties."""
    rented = item.stash.get(RENTED, [])
    done = item.stash.get(_RECORDED, 0)
    item.stash[_RECORDED] = len(rented)
    run = run_of(item)
    new = [
        rental_record(number, test=item.nodeid, run=run, attempt=attempt_of(item, number))
        for number in rented[done:]
    ]
    records = item.stash.setdefault(_RECORDS, [])
    records += new
    failures = rent_failures(item)
    mine = [failure for failure in failures if failure.run == run]
    attempts = attempts_section(item)
    if new or mine or attempts:
        setattr(
            report,
            _CARRIED,
            {
                "rentals": [record.model_dump(mode="json") for record in new],
                "failures": [failure.model_dump(mode="json") for failure in mine],
                "attempts": attempts,
            },
        )
    if records or failures:
        shown = properties(records, failures)
        replace_properties(item.user_properties, shown, PROPERTY_PREFIX)
        replace_properties(report.user_properties, shown, PROPERTY_PREFIX)


class Told:
    """The plugin of the process that prints: every test's records, and where its story is
    shown (registered by ``register``)."""

    def __init__(self, config: pytest.Config) -> None:
        self._config = config
        self.records: dict[str, list[RentalRecord]] = {}
        self.failures: dict[str, list[RentFailure]] = {}
        #: The report of each test's current run that the terminal shows.
        self._shown: dict[str, pytest.TestReport] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self._tell(report) and self._html:
            from pytest_plugin._html import add_extras

            test = report.nodeid
            add_extras(report, self.records[test], self.failures[test])

    @property
    def _html(self) -> bool:
        from pytest_plugin._html import wanted

        return wanted(self._config)

    def _tell(self, report: pytest.TestReport) -> bool:
        """Take in one report; at a teardown that carries a story, tell it (True: it did)."""
        test = report.nodeid
        if report.when == "setup":
            self._shown.pop(test, None)  # a new run
        if report.when in ("setup", "call"):
            earlier = self._shown.get(test)
            first_failure = _failed(report) and not (earlier is not None and _failed(earlier))
            if first_failure or (report.when == "call" and report.passed):
                self._shown[test] = report
        if report.when != "teardown":
            return False
        target = self._shown.pop(test, None)
        carried: dict[str, Any] | None = getattr(report, _CARRIED, None)
        if carried is None:
            return False
        records = self.records.setdefault(test, [])
        records += [RentalRecord.model_validate(r) for r in carried["rentals"]]
        failures = self.failures.setdefault(test, [])
        failures += [RentFailure.model_validate(f) for f in carried["failures"]]
        if report.failed and (target is None or not _failed(target)):
            target = report  # only the teardown failed: its error is what the terminal shows
        if target is not None:
            if carried["attempts"]:
                target.sections.append((_ATTEMPTS_SECTION, carried["attempts"]))
            if records or failures:
                target.sections.append((RENTED_SECTION, section(records, failures)))
        return bool(records or failures)

    def verdicts(self) -> Counter[str]:
        """How many rentals of the run failed with each verdict (or could not be made)."""
        return verdict_counts(
            (r for rs in self.records.values() for r in rs),
            (f for fs in self.failures.values() for f in fs),
        )


def _failed(report: pytest.TestReport) -> bool:
    return report.failed or report.outcome == "rerun"  # type: ignore[comparison-overlap]


def register(config: pytest.Config) -> None:
    """From ``pytest_configure``, in the process that prints (not in a pytest-xdist worker)."""
    if not is_worker(config) and _TOLD not in config.stash:
        config.stash[_TOLD] = Told(config)
        config.pluginmanager.register(config.stash[_TOLD], "otpkit-told")


def verdicts(config: pytest.Config) -> Counter[str]:
    """The run's verdicts so far (none in a pytest-xdist worker: the controller counts them)."""
    plugin = config.stash.get(_TOLD, None)
    return plugin.verdicts() if plugin is not None else Counter()
