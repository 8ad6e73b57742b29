"""``otpkit demo`` and the example scripts, run as a user runs them: separate processes.

They run side by side, as many at a time as there are CPUs (each has its own sandbox and
Chromium), while the tests collect them one by one. The in-process checks come first, before
those processes start, so that they do not compete with them for the CPU.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import phonenumbers
import pytest

from otpkit import _demo, cli
from otpkit.sandbox import Sandbox
from otpkit.sandbox._demo_site import SIGNUP_PATH

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
# Any sandbox API key: fresh ones (``jn_test_...``) and the shared demo ones.
API_KEY = re.compile(r"\b(?:jn|sn)_(?:test|demo)_\w+")
_TIMEOUT = 90.0


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class Processes:
    """Processes run ``limit`` at a time (more only slow each other down), collected by name."""

    def __init__(self, cwd: Path, env: dict[str, str], *, limit: int) -> None:
        self.cwd, self.env, self.limit = cwd, env, limit
        self._queued: dict[str, tuple[list[str], dict[str, str]]] = {}
        self._running: dict[str, tuple[subprocess.Popen[str], float]] = {}
        self._finished: dict[str, Finished] = {}

    def start(self, name: str, *args: str | Path, env: dict[str, str] | None = None) -> None:
        command = [sys.executable, *map(str, args)]
        self._queued[name] = (command, {**self.env, **(env or {})})
        self._fill()

    def result(self, name: str) -> Finished:
        while name not in self._finished:
            self._reap()
            self._fill()
            time.sleep(0.05)
        return self._finished[name]

    def stop(self) -> None:
        self._queued.clear()
        for process, _ in self._running.values():
            process.kill()
            process.communicate()

    def _fill(self) -> None:
        while self._queued and len(self._running) < self.limit:
            name = next(iter(self._queued))
            command, env = self._queued.pop(name)
            # The outputs are a few kB, far below a pipe's buffer: no reader thread is needed.
            process = subprocess.Popen(
                command,
                cwd=self.cwd,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            self._running[name] = (process, time.monotonic())

    def _reap(self) -> None:
        for name, (process, started) in list(self._running.items()):
            seconds = time.monotonic() - started
            if process.poll() is None and seconds < _TIMEOUT:
                continue
            del self._running[name]
            if process.returncode is None:
                process.kill()
            stdout, stderr = process.communicate()
            if seconds >= _TIMEOUT:
                stderr += f"\n[killed after {_TIMEOUT:g} s]"
            self._finished[name] = Finished(process.returncode, stdout, stderr, seconds)


def clean_env(journal: Path) -> dict[str, str]:
    """This environment without the developer's otpkit settings or sign-up target."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not (name.startswith("OTPKIT_") and name != "OTPKIT_BROWSER")
        and not name.startswith("SIGNUP_")
    }
    env["OTPKIT_JOURNAL"] = str(journal)
    env.pop("DISPLAY", None)  # everything here must work headless
    env.pop("WAYLAND_DISPLAY", None)
    return env


@dataclass(frozen=True)
class Accounts:
    """Sandbox accounts the "real provider" runs of the examples use."""

    script: str
    async_: str


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("commands")


@pytest.fixture(scope="module")
def accounts(sandbox: Sandbox) -> Accounts:
    return Accounts(sandbox.new_api_key("jesusnumber"), sandbox.new_api_key("sanalnumara"))


# Its six processes (two demos, four example runs, each with a Chromium) start once per run:
# tests/conftest.py keeps this whole file on one xdist worker.
@pytest.fixture(scope="module")
def runs(workdir: Path, sandbox: Sandbox, accounts: Accounts) -> Iterator[Processes]:
    limit = max(2, os.cpu_count() or 1)
    processes = Processes(workdir, clean_env(workdir / "journal.sqlite3"), limit=limit)
    cli = ("-m", "otpkit.cli", "demo")
    processes.start("demo", *cli, "--screenshot", workdir / "shots" / "final.png")
    processes.start("demo-sanalnumara", *cli, "--provider", "sanalnumara")
    processes.start("script", EXAMPLES / "signup_script.py")
    processes.start("async", EXAMPLES / "signup_async.py")
    # "Real provider" mode: configured like a user's provider and site, served by our sandbox.
    site = {"SIGNUP_URL": sandbox.base_url + SIGNUP_PATH, "SIGNUP_SUCCESS_TEXT": "is verified"}
    processes.start(
        "script-configured",
        EXAMPLES / "signup_script.py",
        env={
            **site,
            "OTPKIT_PROVIDER": "jesusnumber",
            "OTPKIT_API_KEY": accounts.script,
            "OTPKIT_BASE_URL": sandbox.base_url,
            "OTPKIT_PRODUCT": "whatsapp",
        },
    )
    processes.start(
        "async-configured",
        EXAMPLES / "signup_async.py",
        env={
            **site,
            "OTPKIT_PROVIDER": "sanalnumara",
            "OTPKIT_SANALNUMARA_API_KEY": accounts.async_,
            "OTPKIT_SANALNUMARA_BASE_URL": sandbox.base_url,
            "OTPKIT_PRODUCT": "google",
            "OTPKIT_COUNTRY": "Germany",
        },
    )
    yield processes
    processes.stop()


def money(output: str, label: str) -> Decimal:
    found = re.search(rf"^\s+{label}\s+([\d.]+)\s", output, re.MULTILINE)
    assert found, f"no {label} line in:\n{output}"
    return Decimal(found.group(1))


def test_demo_headed_without_a_display_fails_clearly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert cli.main(["demo", "--headed"]) == 2  # before anything is started
    captured = capsys.readouterr()
    assert "--headed needs a display" in captured.err
    assert captured.out == ""


def test_demo_fails_clearly_without_a_browser(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OTPKIT_BROWSER", "/nonexistent/chromium")
    assert cli.main(["demo"]) == 1
    captured = capsys.readouterr()
    assert "demo failed: OTPKIT_BROWSER is set to '/nonexistent/chromium'" in captured.err
    assert "money lost" not in captured.out  # nothing to account for: it never got that far
    assert not API_KEY.search(captured.out + captured.err)


def test_a_failed_demo_still_accounts_for_the_money(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The page's welcome is not what the demo expects: it fails after the number was used.
    monkeypatch.setattr(_demo, "_VERIFIED", "Your phone is on fire.")
    assert cli.main(["demo"]) == 1
    captured = capsys.readouterr()
    assert "demo failed: unexpected welcome text" in captured.err
    # The dead first number refunded; the second, used, paid for.
    assert money(captured.out, "charged") == Decimal("1.00")
    assert money(captured.out, "net") == money(captured.out, "refunded") == Decimal("0.50")
    assert "money lost: 0.00" in captured.out


@pytest.mark.slow
def test_demo_signs_up_and_loses_no_money(runs: Processes) -> None:
    run = runs.result("demo")
    assert run.returncode == 0, run.output
    out = run.stdout
    # One rotation: attempt 1's number is dead (no SMS, refunded), attempt 2's is verified.
    rented = re.findall(r"attempt (\d): rented (\+\d+) \(order \d+\)", out)
    assert [attempt for attempt, _ in rented] == ["1", "2"], out
    dead, number = rented[0][1], rented[1][1]
    assert f"no code for {dead} in 3 s: next number" in out
    assert f"the dead number {dead} was cancelled: refunded 0.50" in out
    code = re.search(r"SMS arrived .*-> code (\d{6})$", out, re.MULTILINE)
    assert code, out
    assert f'"Your Demo code is {code.group(1)}.' in out
    shown = phonenumbers.format_number(
        phonenumbers.parse(number), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    assert f'the site says: "Welcome, {shown}! Your phone is verified."' in out
    assert f'typed code {code.group(1)} and pressed "Verify"' in out
    # Two rentals at 0.50: the one that got its code is paid for, the dead one refunded.
    assert money(out, "charged") == Decimal("1.00")
    assert money(out, "refunded") == Decimal("0.50")
    assert money(out, "net") == Decimal("0.50")
    assert "balance  50.00 -> 49.50" in out
    assert "money lost: 0.00" in out
    assert run.stderr == ""


def test_demo_saves_a_screenshot(runs: Processes, workdir: Path) -> None:
    assert runs.result("demo").returncode == 0
    shot = workdir / "shots" / "final.png"
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert f"screenshot saved to {shot}" in runs.result("demo").stdout


def test_demo_with_sanalnumara(runs: Processes) -> None:
    run = runs.result("demo-sanalnumara")
    assert run.returncode == 0, run.output
    assert re.search(r"rented \+90\d{10} ", run.stdout)
    assert re.search(r"-> code \d{6}$", run.stdout, re.MULTILINE)
    assert money(run.stdout, "net") == money(run.stdout, "refunded") > 0
    assert "money lost: 0.00" in run.stdout


@pytest.mark.parametrize("name", ["demo", "demo-sanalnumara"])
def test_demo_never_prints_an_api_key(runs: Processes, name: str) -> None:
    run = runs.result(name)
    assert not API_KEY.search(run.output), run.output


@pytest.mark.parametrize("name", ["script", "async"])
def test_examples_run_out_of_the_box(runs: Processes, name: str) -> None:
    run = runs.result(name)
    assert run.returncode == 0, run.output
    assert re.search(r"^rented \+\d+ for ", run.stdout, re.MULTILINE), run.stdout
    assert re.search(r"^typed the code \d{6}$", run.stdout, re.MULTILINE), run.stdout
    assert "the page says 'Your phone is verified.'" in run.stdout
    assert "cancelled; refunded: False" in run.stdout  # the code came, so the number was used


@pytest.mark.parametrize(
    ("name", "account"), [("script-configured", "script"), ("async-configured", "async_")]
)
def test_examples_use_the_configured_provider_and_site(
    runs: Processes, sandbox: Sandbox, accounts: Accounts, name: str, account: str
) -> None:
    run = runs.result(name)
    assert run.returncode == 0, run.output
    assert "the page says 'is verified'" in run.stdout
    (order,) = sandbox.ledger(getattr(accounts, account)).orders
    assert f"rented {order.number} " in run.stdout
    assert order.status == "received"
    assert order.messages == 1


@pytest.mark.slow
def test_pytest_signup_example_passes_with_four_workers() -> None:
    """The E2E example suite, as its docstring says to run it: the sandbox and four workers."""
    example = Path(__file__).resolve().parents[2] / "examples" / "pytest_signup"
    finished = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(example),
            "--otp-sandbox",
            "-n",
            "4",
            "-p",
            "no:cacheprovider",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=example,
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-2000:]
    assert "4 passed" in finished.stdout
    assert "open rentals 0, double refunds 0" in finished.stdout
