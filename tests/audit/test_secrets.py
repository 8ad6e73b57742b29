"""Secrets audit: recognisable canary keys, debug logging on, and the canary must show nowhere.

A pytest run that uses the plugin against real-provider settings (pointed at a sandbox whose
accounts have the canary keys), both example scripts, and ``otpkit demo``: their terminal
output, captured logs, exception texts and tracebacks, JUnit XML, terminal summary, journal and
every file under their temporary directories are searched for the canaries.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from rich.console import Console

import otpkit.sandbox
from otpkit.sandbox import Sandbox

CANARY = {"jesusnumber": "CANARY-jn-1b7e5c0d9a42", "sanalnumara": "CANARY-sn-4f2a8e6b1c77"}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def audited() -> Iterator[Sandbox]:
    with otpkit.sandbox.run(throttle=None, auto_deliver=0.3) as sandbox:
        for provider, key in CANARY.items():
            sandbox.new_api_key(provider, api_key=key)  # type: ignore[arg-type]
        yield sandbox


def canary_free(label: str, text: str) -> None:
    for key in CANARY.values():
        assert key not in text, f"{label} shows the API key {key}"


def canary_free_files(folder: Path) -> int:
    """Check every file under ``folder``; returns how many were read (so none is vacuous)."""
    count = 0
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for key in CANARY.values():
                assert key.encode() not in data, f"{path} holds the API key {key}"
            count += 1
    return count


def environment(sandbox: Sandbox, journal: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTPKIT_")}
    env.update(
        OTPKIT_PROVIDER="jesusnumber",
        OTPKIT_PRODUCT="whatsapp",
        OTPKIT_JESUSNUMBER_API_KEY=CANARY["jesusnumber"],
        OTPKIT_SANALNUMARA_API_KEY=CANARY["sanalnumara"],
        OTPKIT_JESUSNUMBER_BASE_URL=sandbox.base_url,
        OTPKIT_SANALNUMARA_BASE_URL=sandbox.base_url,
        OTPKIT_JOURNAL=str(journal),
        OTPKIT_RATE_LIMIT="600",
    )
    return env


SUITE = """
import logging
import pytest
import otpkit

log = logging.getLogger("audited-suite")

def test_code_arrives(phone_number, otp, otp_client):
    log.debug("client %r rented %r", otp_client, phone_number.rental)
    assert otp()

@pytest.mark.otp(provider="sanalnumara", product="google", country="Germany")
def test_sanalnumara_code_arrives(phone_number, otp):
    message = otp.message()
    log.debug("message %r", message)
    assert message.code

def test_app_breaks_after_renting(phone_number):
    raise AssertionError(f"the app refused {phone_number!r}")

@pytest.mark.otp(provider="sanalnumara", product="google", country="Germany", timeout=0.5)
def test_code_never_comes(phone_number, otp):
    otp(contains="no such text")

def test_provider_error_traceback(otp_client):
    otp_client.order("1")  # OrderNotFoundError with its traceback
"""


@pytest.mark.slow
def test_a_plugin_run_never_shows_a_key(audited: Sandbox, tmp_path: Path) -> None:
    (tmp_path / "suite").mkdir()
    (tmp_path / "suite" / "test_audited.py").write_text(textwrap.dedent(SUITE))
    (tmp_path / "suite" / "pytest.ini").write_text("[pytest]\n")
    journal = tmp_path / "state" / "journal.sqlite3"
    junit = tmp_path / "junit.xml"
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2", "-rA"]
    command += ["--log-level=DEBUG", "-o", "log_cli=true", "--log-cli-level=DEBUG"]
    command += ["--tb=long", f"--junitxml={junit}", f"--basetemp={tmp_path / 'basetemp'}"]
    finished = subprocess.run(
        command,
        cwd=tmp_path / "suite",
        env=environment(audited, journal),
        capture_output=True,
        text=True,
        timeout=240,
    )
    output = finished.stdout + finished.stderr
    # The run did what the audit needs: rentals on both canary accounts, and failures.
    assert "3 failed, 2 passed" in output, output[-3000:]
    assert "CodeTimeoutError" in output and "OrderNotFoundError" in output
    assert "= otpkit =" in output  # the terminal summary was printed
    for key in CANARY.values():
        assert audited.ledger(key).orders
    canary_free("pytest's terminal output and captured logs", output)
    canary_free("the JUnit XML", junit.read_text())
    assert canary_free_files(journal.parent) >= 1  # the journal, request budgets, slots
    assert canary_free_files(tmp_path / "basetemp") >= 1  # the run's shared state and logs


@pytest.mark.parametrize("script", ["signup_script.py", "signup_async.py"])
def test_the_examples_never_show_a_key(audited: Sandbox, tmp_path: Path, script: str) -> None:
    env = environment(audited, tmp_path / "journal.sqlite3")
    env["SIGNUP_URL"] = f"{audited.base_url}/demo/signup"
    if script == "signup_async.py":
        env.update(OTPKIT_PROVIDER="sanalnumara", OTPKIT_PRODUCT="whatsapp")
    debug_run = (
        "import logging, runpy, sys; logging.basicConfig(level=logging.DEBUG); "
        f"runpy.run_path({str(ROOT / 'examples' / script)!r}, run_name='__main__')"
    )
    before = len(audited.ledger(CANARY[env["OTPKIT_PROVIDER"]]).orders)
    finished = subprocess.run(
        [sys.executable, "-c", debug_run], env=env, capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    assert "DEBUG" in finished.stderr  # debug logging was really on
    assert len(audited.ledger(CANARY[env["OTPKIT_PROVIDER"]]).orders) > before
    canary_free(f"{script}'s output and logs", finished.stdout + finished.stderr)
    canary_free_files(tmp_path)


@pytest.mark.parametrize("provider", ["jesusnumber", "sanalnumara"])
def test_the_demo_never_shows_a_key(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, provider: str
) -> None:
    from otpkit._demo import run_demo

    original = Sandbox.new_api_key
    used: list[str] = []

    def canary_account(self: Sandbox, provider: str, **options: object) -> str:
        used.append(CANARY[provider])
        return original(self, provider, api_key=CANARY[provider], **options)  # type: ignore[arg-type]

    monkeypatch.setattr(Sandbox, "new_api_key", canary_account)
    caplog.set_level(logging.DEBUG)
    out, err = io.StringIO(), io.StringIO()
    consoles = (Console(file=out, width=200), Console(file=err, width=200))
    assert run_demo(provider=provider, out=consoles[0], err=consoles[1]) == 0, err.getvalue()
    assert used == [CANARY[provider]]
    assert "money lost: 0.00" in out.getvalue()
    assert caplog.records  # debug logging captured something
    canary_free("the demo's output", out.getvalue() + err.getvalue())
    canary_free("the demo's logs", caplog.text)
