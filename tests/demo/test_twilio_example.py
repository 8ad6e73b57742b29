"""``examples/twilio_signup``, run as its docstring says: the app texts the code with Twilio.

Twice: against the plugin's sandbox (``--otp-sandbox``), and configured as for a real provider
and real Twilio, by environment variables only (a sandbox of this test stands in for both).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import otpkit.sandbox

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "twilio_signup"


def run_example(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", str(EXAMPLE), "-p", "no:cacheprovider", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=EXAMPLE,
        env=env,
    )


def clean_env(tmp_path: Path) -> dict[str, str]:
    """No developer's otpkit or Twilio settings, no display: what CI has."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not (name.startswith(("OTPKIT_", "TWILIO_")) and name != "OTPKIT_BROWSER")
        and name not in ("DISPLAY", "WAYLAND_DISPLAY")
    }
    return {**env, "OTPKIT_JOURNAL": str(tmp_path / "journal.sqlite3")}


@pytest.mark.slow
def test_against_the_sandbox(tmp_path: Path) -> None:
    finished = run_example(clean_env(tmp_path), "--otp-sandbox", "-n", "2")
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-2000:]
    assert "3 passed" in finished.stdout
    # Every code came from the app's SMS: three rentals, three codes, nothing left open.
    assert "jesusnumber: 3 rentals, 3 codes received" in finished.stdout
    assert "open rentals 0, double refunds 0" in finished.stdout


@pytest.mark.slow
def test_configured_like_a_real_provider_and_twilio(tmp_path: Path) -> None:
    with otpkit.sandbox.run(throttle=None) as sandbox:
        key = sandbox.new_api_key("jesusnumber")
        env = {
            **clean_env(tmp_path),
            "OTPKIT_PROVIDER": "jesusnumber",
            "OTPKIT_API_KEY": key,
            "OTPKIT_BASE_URL": sandbox.base_url,
            "OTPKIT_PRODUCT": "whatsapp",
            "TWILIO_ACCOUNT_SID": "AC" + "7" * 32,
            "TWILIO_AUTH_TOKEN": "a-real-token-goes-here",
            "TWILIO_FROM": "+15017122661",
            # Only because this "Twilio" is local; with the real one it stays unset.
            "TWILIO_API_BASE_URL": sandbox.base_url,
        }
        finished = run_example(env)
        ledger = sandbox.ledger(key)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-2000:]
    assert "3 passed" in finished.stdout
    assert len(ledger.orders) == 3
    assert all(o.status == "received" and o.messages == 1 for o in ledger.orders)
