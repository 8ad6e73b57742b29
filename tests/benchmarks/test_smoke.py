"""Each benchmark script runs end to end in a tiny configuration and prints its tables.

A smoke test only: nothing here asserts a timing. The figures are for people to read, from a
full run (``python benchmarks/NAME.py``); see ``benchmarks/README.md``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"

#: script -> (tiny arguments, text its output must contain)
CASES: dict[str, tuple[list[str], list[str]]] = {
    "fill.py": (
        ["--repeats", "1", "--widgets", "antd-select-of-dial-codes", "antd-input-otp"],
        [
            "otpkit fill benchmark: 2 widgets x 1 runs",
            "fill_phone antd-select-of-dial-codes",
            "fill_otp   antd-input-otp",
            "slowest call <= 1.5 s",
        ],
    ),
    "coordinator.py": (
        ["--processes", "2", "--workers", "2", "--otps", "1"],
        [
            "otpkit coordinator benchmark: 2 processes x 2 workers x 1 OTPs",
            "process",
            "p50 ms",
            "429s seen:",
            "throttle bound:",
            "target",
            "failed OTPs <= 0",
            "wall / throttle bound <= 1.3",
        ],
    ),
    "latency.py": (
        [
            "--otps",
            "2",
            "--delay",
            "0.3",
            "--spacing",
            "0.1",
            "--naive-interval",
            "0.5",
            "--late-after",
            "1.5",
        ],
        [
            "clock bridge: sandbox time = time.monotonic() + c",
            "mode",
            "p50 ms",
            "p95 ms",
            "req/OTP",
            "push (jesusnumber)",
            "poll (jesusnumber)",
            "poll (sanalnumara)",
            "late (jesusnumber)",
            "naive (jesusnumber)",
            "target",
            "push (jesusnumber) p50 <= 10 ms",
            "poll (sanalnumara) requests per OTP (mean) <= 5",
            "late (jesusnumber) p50 <= 600 ms",
        ],
    ),
    # Not smaller: faults.py fails with fewer rentals than its rows (ValueError: max_workers).
    "faults.py": (
        ["--rentals", "20", "--workers", "2"],
        ["money audit", "target", "money lost (jesusnumber)", "double charges + double refunds"],
    ),
    "plugin.py": (
        ["--tests", "20", "--repeats", "1"],
        ["trivial tests", "with the plugin", "-p no:otpkit", "import otpkit", "target"],
    ),
    "rotation.py": (
        ["--signups", "6", "--workers", "6"],
        [
            "part 1: 6 sign-ups",
            "30 % dead",
            "no dead numbers",
            "part 2: 6 sign-ups per row",
            "learned",
            "cheapest first",
            "target",
            "money lost = 0.00",
        ],
    ),
    "sandbox.py": (
        ["--starts", "2", "--clients", "4", "--rounds", "2", "--sms-every", "2"],
        [
            "sandbox start/stop",
            "start + first reply + stop",
            "concurrent clients on one sandbox",
            "threads",
            "asyncio",
            "ledger audit",
            "double charges / double refunds",
            "target",
            "start + stop < 1 s",
        ],
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(CASES))
def test_benchmark_runs_and_prints_its_tables(script: str) -> None:
    arguments, expected = CASES[script]
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *arguments],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for text in expected:
        assert text in done.stdout, f"{text!r} missing from:\n{done.stdout}"


def test_every_benchmark_has_a_smoke_case() -> None:
    scripts = {path.name for path in BENCHMARKS.glob("*.py") if not path.name.startswith("_")}
    assert scripts == set(CASES)
