"""The plugin's hooks: options, the ``otp`` marker, the sweep, failure details and the summary."""

from __future__ import annotations

import os
import warnings
from collections.abc import Generator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from pytest_plugin._fixtures import MARKER_KEYS, RENTED, check_marker
from pytest_plugin._options import add_options
from pytest_plugin._rotation import (
    attempt_properties,
    attempts_section,
    pytest_runtest_call,
    pytest_runtest_setup,
    replace_properties,
)
from pytest_plugin._run import SharedRun, is_worker, run_directory
from pytest_plugin._session import describe, run_sandbox, settings_of

if TYPE_CHECKING:
    import otpkit

__all__ = [
    "pytest_addoption",
    "pytest_collection_modifyitems",
    "pytest_configure",
    "pytest_runtest_call",
    "pytest_runtest_makereport",
    "pytest_runtest_setup",
    "pytest_sessionstart",
    "pytest_terminal_summary",
    "pytest_unconfigure",
]

_SWEPT = pytest.StashKey[list["otpkit.SweepReport"]]()
#: Where the run's sandbox is, in every test process (``--otp-sandbox``).
SANDBOX_URL = "OTPKIT_SANDBOX_URL"


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"otp({', '.join(f'{key}=None' for key in MARKER_KEYS)}): "
        "what the phone_number/otp fixtures rent for this test, how long otp() waits, "
        "whether the sandbox texts the numbers itself (sandbox_sms=False: your app sends the "
        "SMS), and how many numbers the test may go through (attempts=N: a code that never "
        "comes after attempt_timeout seconds, or otp.reject_number(reason), starts it over on "
        "a fresh number)",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        check_marker(item)


def _may_use_otpkit(config: pytest.Config) -> bool:
    # Cheap checks first: runs that never use otpkit must not pay for importing it.
    for name in ("otp_provider", "otp_sandbox"):
        if config.getoption(name, default=None) or config.getini(name):
            return True
    named = os.environ.get("OTPKIT_PROVIDER") or os.environ.get("OTPKIT_SANDBOX")
    return bool(named) or os.path.isfile(".env")  # Settings also reads a .env file


def _point_at_sandbox(config: pytest.Config, url: str) -> None:
    """``OTPKIT_SANDBOX_URL`` in this process, so an app a test starts inherits it."""
    before = os.environ.get(SANDBOX_URL)
    os.environ[SANDBOX_URL] = url

    def restore() -> None:
        if before is None:
            os.environ.pop(SANDBOX_URL, None)
        else:
            os.environ[SANDBOX_URL] = before

    config.add_cleanup(restore)


def pytest_sessionstart(session: pytest.Session) -> None:
    """With the sandbox, start it and say where it is (in every process); else sweep
    rentals that earlier, crashed runs left open (once per run, not per worker)."""
    config = session.config
    if not _may_use_otpkit(config):
        return
    settings = settings_of(config)
    if settings.sandbox:
        # Started now rather than by the first fixture: an app started before any rental
        # must already know the URL. A fresh sandbox has nothing to sweep.
        sandbox = run_sandbox(settings, SharedRun(run_directory(config)))
        _point_at_sandbox(config, sandbox["url"])
        return
    if is_worker(config) or not settings.provider:
        return
    import otpkit

    reports = []
    try:
        with otpkit.connect(settings=settings) as client:
            if client.journal is not None and client.journal.abandoned(client.provider_name):
                reports.append(client.sweep())
    except otpkit.OtpkitError as error:
        warnings.warn(f"otpkit: the start-of-run sweep failed: {error}", stacklevel=1)
    config.stash[_SWEPT] = reports


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    rented = item.stash.get(RENTED, [])
    if rented and report.failed and report.when in ("setup", "call"):
        lines = [describe(number) for number in rented]
        report.sections.append(("otpkit: rented numbers", "\n".join(lines)))
    if report.when == "call" and (attempts := attempts_section(item, report)):
        report.sections.append(("otpkit: attempts", attempts))
    if report.when == "teardown" and (properties := attempt_properties(item)):
        # JUnit XML reads the teardown report's; by now the last number is refunded or not.
        replace_properties(item.user_properties, properties)
        replace_properties(report.user_properties, properties)
    return report


def _summary(config: pytest.Config) -> list[str]:
    lines = [
        f"swept from earlier runs: {len(report.rentals)} rental(s), "
        f"{len(report.refunded)} refunded ({report.refunded_amount})"
        for report in config.stash.get(_SWEPT, [])
    ]
    state = SharedRun(run_directory(config)).state()
    if "run_id" not in state:
        return lines
    import otpkit
    from otpkit._journal import spend_of

    settings = settings_of(config)
    journal = otpkit.Journal(settings.journal or otpkit.default_journal_path())
    entries = [e for e in journal.entries(state["run_id"]) if e.state != "failed"]
    # Per provider: their balances are in different currencies.
    for provider in sorted({e.provider for e in entries}):
        mine = [e for e in entries if e.provider == provider]
        spend = spend_of(mine)
        left = [e for e in mine if e.unsettled]
        lines.append(
            f"{provider}: {len(mine)} rentals, {sum(1 for e in mine if e.codes)} codes received, "
            f"{sum(1 for e in mine if e.refunded)} refunded; charged {spend.charged}, "
            f"refunded {spend.refunded}, net spend {spend.net}; "
            f"left for `otpkit sweep`: {len(left)}"
            + (" (" + ", ".join(e.order_id or "order unknown" for e in left) + ")" if left else "")
        )
    if "sandbox" in state:
        from otpkit import sandbox

        with sandbox.attach(state["sandbox"]["url"]) as control:
            for provider, key in state["sandbox"]["keys"].items():
                quiet = state["sandbox"].get("quiet_keys", {}).get(provider)
                # One line per provider: the account with the stand-in SMS and the one without.
                ledgers = [control.ledger(k) for k in (key, quiet) if k]
                if any(ledger.orders for ledger in ledgers):
                    paid = sum((ledger.charged for ledger in ledgers), Decimal(0))
                    back = sum((ledger.refunded for ledger in ledgers), Decimal(0))
                    lines.append(
                        f"sandbox {provider}: charged {paid}, refunded {back}, "
                        f"open rentals {sum(ledger.open_rentals for ledger in ledgers)}, "
                        f"double refunds {sum(ledger.double_refunds for ledger in ledgers)}"
                    )
    return lines


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if is_worker(config):
        return
    try:
        lines = _summary(config)
    except Exception as error:  # a summary must never fail the run
        lines = [f"(summary unavailable: {error})"]
    if lines:
        terminalreporter.section("otpkit")
        for line in lines:
            terminalreporter.write_line(line)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the run's sandbox and receiver (by the controller, or the only process)."""
    if is_worker(config) or not hasattr(config, "_tmp_path_factory"):
        return
    directory = run_directory(config)
    if (directory / "otpkit-run.json").exists():
        SharedRun(directory).stop()
