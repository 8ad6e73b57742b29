"""The sandbox and the push receiver a run starts end with it, however the run ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from otpkit._pids import process_ended

#: Rents a number (which starts the run's sandbox and receiver), says so, then dies as asked.
INNER = """
import os, pathlib, time

def test_holds_a_number(phone_number):
    pathlib.Path(os.environ["READY"]).write_text(str(phone_number))
    if os.environ["DEATH"] == "os._exit":
        os._exit(1)  # what pytest-timeout's thread method does: no teardown, no unconfigure
    time.sleep(120)  # killed meanwhile
"""


def _wait_for(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def _kill_a_run(tmp_path: Path, death: str, workers: tuple[str, ...]) -> dict[str, int]:
    """Run a session that rents and then dies as ``death`` says; the pids of what it started."""
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(INNER))
    ready, basetemp = tmp_path / "ready", tmp_path / "basetemp"
    env = {**os.environ, "READY": str(ready), "DEATH": death, "OTPKIT_SANDBOX_DELAY": "0"}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *workers]
    command += ["--otp-sandbox", "--otp-webhook", "127.0.0.1:0", f"--basetemp={basetemp}"]
    run = subprocess.Popen(
        [*command, "test_inner.py"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait_for(ready.exists, 60), "the inner run never rented"
        state = json.loads((basetemp / "otpkit-run.json").read_text())
        pids = {part: int(state[part]["pid"]) for part in ("sandbox", "webhook")}
        assert not any(map(process_ended, pids.values()))
        if death == "SIGKILL":
            run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
        assert run.returncode != 0
        return pids
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()


@pytest.mark.parametrize(
    ("death", "workers"),
    [("SIGKILL", ()), ("os._exit", ()), ("SIGKILL", ("-n", "1"))],
    ids=["sigkill", "os-exit", "sigkill-xdist"],
)
def test_a_dead_run_leaves_no_sandbox_or_receiver(
    tmp_path: Path, death: str, workers: tuple[str, ...]
) -> None:
    pids = _kill_a_run(tmp_path, death, workers)
    # Ended (a zombie its new parent has not reaped yet has ended too).
    assert _wait_for(lambda: all(map(process_ended, pids.values())), 5), pids


def test_the_next_run_closes_what_a_dead_sandbox_run_left(
    tmp_path: Path, pytester: pytest.Pytester
) -> None:
    pids = _kill_a_run(tmp_path, "SIGKILL", ())
    assert _wait_for(lambda: process_ended(pids["sandbox"]), 5)
    pytester.makepyfile("def test_nothing(phone_number): pass")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--otp-sandbox")
    result.assert_outcomes(passed=1)
    said = "start-of-run sweep: swept 0 rental(s), 0 refunded (0); 1 of a stopped sandbox closed"
    result.stdout.fnmatch_lines([f"otpkit: {said}*", "*= otpkit =*", f"{said}*"])
    again = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--otp-sandbox")
    assert "start-of-run sweep" not in again.stdout.str()  # nothing was left this time
