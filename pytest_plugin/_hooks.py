"""The plugin's hooks: options, the ``otp`` marker, the sweep, failure details and the summary."""

from __future__ import annotations

import os
import warnings
from collections.abc import Generator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from pytest_plugin._fixtures import RENTED
from pytest_plugin._options import add_options
from pytest_plugin._run import SharedRun, is_worker, run_directory
from pytest_plugin._session import describe, settings_of

if TYPE_CHECKING:
    import otpkit

__all__ = [
    "pytest_addoption",
    "pytest_configure",
    "pytest_runtest_makereport",
    "pytest_sessionstart",
    "pytest_terminal_summary",
    "pytest_unconfigure",
]

_SWEPT = pytest.StashKey[list["otpkit.SweepReport"]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    # Registered now, after every plugin is loaded, so that it extends pytest-playwright's
    # fixture of the same name whichever order the plugins were found in.
    if config.pluginmanager.hasplugin("playwright") and not config.pluginmanager.hasplugin(
        "otpkit-browser"
    ):
        from pytest_plugin import _browser

        config.pluginmanager.register(_browser, "otpkit-browser")
    config.addinivalue_line(
        "markers",
        "otp(provider=None, product=None, country=None, timeout=None): "
        "what the phone_number/otp fixtures rent for this test, and how long otp() waits",
    )


def _provider_configured(config: pytest.Config) -> bool:
    # Cheap checks first: runs that never use otpkit must not pay for importing it.
    named = config.getoption("otp_provider", default=None) or config.getini("otp_provider")
    return bool(named or os.environ.get("OTPKIT_PROVIDER"))


def pytest_sessionstart(session: pytest.Session) -> None:
    """Sweep rentals that earlier, crashed runs left open (once per run, not per worker)."""
    config = session.config
    if is_worker(config) or not _provider_configured(config):
        return
    settings = settings_of(config)
    if settings.sandbox:
        return  # a fresh sandbox has nothing to sweep
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

    settings = settings_of(config)
    journal = otpkit.Journal(settings.journal or otpkit.default_journal_path())
    entries = [e for e in journal.entries(state["run_id"]) if e.state != "failed"]
    # Per provider: their balances are in different currencies.
    for provider in sorted({e.provider for e in entries}):
        mine = [e for e in entries if e.provider == provider]
        charged = sum((e.price or Decimal(0) for e in mine if e.order_id), Decimal(0))
        refunded = [e for e in mine if e.refunded]
        back = sum((e.price or Decimal(0) for e in refunded), Decimal(0))
        left = [e for e in mine if e.state in ("cancel_failed", "lost", "open", "requesting")]
        lines.append(
            f"{provider}: {len(mine)} rentals, {sum(1 for e in mine if e.codes)} codes received, "
            f"{len(refunded)} refunded; charged {charged}, refunded {back}, "
            f"net spend {charged - back}; left for `otpkit sweep`: {len(left)}"
            + (" (" + ", ".join(e.order_id or "order unknown" for e in left) + ")" if left else "")
        )
    if "sandbox" in state:
        from otpkit import sandbox

        with sandbox.attach(state["sandbox"]["url"]) as control:
            for provider, key in state["sandbox"]["keys"].items():
                ledger = control.ledger(key)
                if ledger.orders:
                    lines.append(
                        f"sandbox {provider}: charged {ledger.charged}, "
                        f"refunded {ledger.refunded}, open rentals {ledger.open_rentals}, "
                        f"double refunds {ledger.double_refunds}"
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
