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

from otpkit._serving import process_ended

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


@pytest.mark.parametrize(
    ("death", "workers"),
    [("SIGKILL", ()), ("os._exit", ()), ("SIGKILL", ("-n", "1"))],
    ids=["sigkill", "os-exit", "sigkill-xdist"],
)
def test_a_dead_run_leaves_no_sandbox_or_receiver(
    tmp_path: Path, death: str, workers: tuple[str, ...]
) -> None:
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
        # Ended (a zombie its new parent has not reaped yet has ended too).
        assert _wait_for(lambda: all(map(process_ended, pids.values())), 5), pids
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
