"""The plugin's hooks: options, the ``otp`` marker, the sweep, each test's OTP story, the
summary."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Generator
from typing import Any

import pytest

from pytest_plugin._fixtures import MARKER_KEYS, check_marker
from pytest_plugin._html_support import html_supported
from pytest_plugin._options import add_options
from pytest_plugin._report import register as register_report
from pytest_plugin._report import report_line
from pytest_plugin._rotation import (
    attempt_properties,
    note_outcome,
    pytest_runtest_call,
    pytest_runtest_setup,
    replace_properties,
)
from pytest_plugin._run import SharedRun, check_webhook_address, is_worker, run_directory
from pytest_plugin._session import run_sandbox, settings_of, webhook_secret
from pytest_plugin._settled import note_failure, settle
from pytest_plugin._settled import register as register_story
from pytest_plugin._summary import SWEPT, summary_lines

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

#: Where the run's sandbox is, in every test process (``--otp-sandbox``).
SANDBOX_URL = "OTPKIT_SANDBOX_URL"


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
    # Its hooks are pytest-html's: unknown to pytest without it.
    if html_supported(config) and not config.pluginmanager.hasplugin("otpkit-html"):
        from pytest_plugin import _html

        config.pluginmanager.register(_html, "otpkit-html")
    register_story(config)  # the rentals' story, told when each test's teardown is reported
    register_report(config)  # --otp-report: its own plugin (pytest_plugin/_report.py)
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
    options = ("otp_provider", "otp_sandbox", "otp_journal")
    if any(config.getoption(name, default=None) or config.getini(name) for name in options):
        return True
    named = any(name.startswith("OTPKIT_") for name in os.environ)
    return named or os.path.isfile(".env")  # Settings also reads a .env file


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


def _webhook_configured(config: pytest.Config) -> bool:
    named = config.getoption("otp_webhook", default=None) or config.getini("otp_webhook")
    return bool(named or os.environ.get("OTPKIT_WEBHOOK"))


@pytest.hookimpl(trylast=True)  # after the terminal's header, so the line shows under it
def pytest_sessionstart(session: pytest.Session) -> None:
    """With the sandbox, start it and say where it is (in every process); then sweep rentals
    that earlier, crashed runs left open, of every provider and base URL the journal names
    (once per run, not per worker), and say so in one line."""
    config = session.config
    if _webhook_configured(config) and not is_worker(config):
        # Refused at once, not when the first test rents: an open receiver takes forged codes.
        settings = settings_of(config)
        if settings.webhook:
            check_webhook_address(settings.webhook, webhook_secret(settings))
    if not _may_use_otpkit(config):
        return
    settings = settings_of(config)
    if settings.sandbox:
        # Started now rather than by the first fixture: an app started before any rental
        # must already know the URL.
        sandbox = run_sandbox(settings, SharedRun(run_directory(config)))
        _point_at_sandbox(config, sandbox["url"])
    if is_worker(config):
        return
    from otpkit._errors import OtpkitError
    from otpkit._sweep_all import sweep_all

    try:
        report = sweep_all(settings)
    except OtpkitError as error:
        line = f"start-of-run sweep failed: {error}"
        warnings.warn(f"otpkit: {line}", stacklevel=1)
    else:
        if not (report.accounts or report.sandbox_gone or report.warnings):
            return  # nothing was left open: nothing to say
        line = f"start-of-run sweep: {report.line()}"
    config.stash[SWEPT] = line
    terminal = config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None:
        terminal.write_line(f"otpkit: {line}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    _hide_otpkit_frames(call)
    report = yield
    if report.failed and report.when in ("setup", "call"):
        note_failure(item, call)  # a number it could not rent: its verdict counts too
    if report.when == "call":
        note_outcome(item, report)
    if report.when == "teardown":
        # Every number is cancelled or kept by now: the story is told with how each ended.
        settle(item, report)
        if properties := attempt_properties(item):
            # JUnit XML reads the teardown report's.
            replace_properties(item.user_properties, properties)
            replace_properties(report.user_properties, properties)
    return report


def _only_otpkit_errors(excinfo: pytest.ExceptionInfo[BaseException]) -> bool:
    import otpkit

    return isinstance(excinfo.value, otpkit.OtpkitError)


def _hide_otpkit_frames(call: pytest.CallInfo[None]) -> None:
    """Show an otpkit error from the user's own frames down to their call into otpkit, not
    through the plugin's and the library's internals: the error's message says what happened
    (``--fulltrace`` shows them all). pytest hides a frame whose module defines
    ``__tracebackhide__``; a callable one decides per error, so a bug in otpkit shows whole."""
    if call.excinfo is None or "otpkit" not in sys.modules:
        return
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in ("otpkit", "pytest_plugin") and module is not None:
            module.__dict__.setdefault("__tracebackhide__", _only_otpkit_errors)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if is_worker(config):
        return
    try:
        lines = summary_lines(config) + report_line(config)
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
