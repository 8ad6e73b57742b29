"""Separate pytest processes standing in for separate CI machines.

Each "machine" has its own directory, journal, base temp and environment, and shares nothing
with the others but the sandbox (one provider account) and the coordinator (one Redis).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import otpkit.sandbox

#: The machines' conftest: the request window made seconds long, so a test sees it roll over.
CONFTEST = textwrap.dedent(
    """
    import os

    if os.environ.get("TEST_RATE_WINDOW"):
        import otpkit._redis._limiter as limiter

        limiter.WINDOW = float(os.environ["TEST_RATE_WINDOW"])
        limiter.MARGIN = 0.25
    """
)


def environment(
    sandbox: otpkit.sandbox.Sandbox, key: str, home: Path, coordinator: str | None, **extra: str
) -> dict[str, str]:
    """A machine's environment: the account, its own journal, and the coordinator."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTPKIT_", "TEST_"))}
    for ci in ("GITHUB_RUN_ID", "CI_PIPELINE_ID", "BUILDKITE_BUILD_ID", "CIRCLE_WORKFLOW_ID"):
        env.pop(ci, None)  # the run id comes from the test, not from the CI running it
    env.update(
        OTPKIT_PROVIDER="jesusnumber",
        OTPKIT_API_KEY=key,
        OTPKIT_BASE_URL=sandbox.base_url,
        OTPKIT_PRODUCT="whatsapp",
        OTPKIT_JOURNAL=str(home / "journal.sqlite3"),
        OTPKIT_CALL_TIMEOUT="20",
        PYTHONDONTWRITEBYTECODE="1",
        MACHINE_HOME=str(home),
    )
    if coordinator is not None:
        env["OTPKIT_COORDINATOR"] = coordinator
    env.update(extra)
    return env


@dataclass
class Machine:
    """One pytest process and what it left in its directory."""

    home: Path
    process: subprocess.Popen[str]
    output: str = ""

    def wait(self, timeout: float = 120) -> Machine:
        self.output, _ = self.process.communicate(timeout=timeout)
        return self

    def records(self) -> list[dict[str, Any]]:
        """What its tests wrote to ``records.jsonl`` (one JSON object a line)."""
        path = self.home / "records.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line]


def start_machines(
    tests: str, envs: list[dict[str, str]], args: dict[int, list[str]] | None = None
) -> list[Machine]:
    """Start one pytest process per environment, each running ``tests`` in its own home
    (``MACHINE_HOME``); ``args`` adds command-line arguments for some of them, by index."""
    machines = []
    for index, env in enumerate(envs):
        home = Path(env["MACHINE_HOME"])
        home.mkdir(exist_ok=True)
        (home / "conftest.py").write_text(CONFTEST)
        (home / "test_machine.py").write_text(textwrap.dedent(tests))
        command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"]
        command += ["--basetemp", str(home / "tmp"), "-o", "asyncio_mode=auto"]
        command += ["-o", "asyncio_default_fixture_loop_scope=function"]
        command += [*(args or {}).get(index, []), "test_machine.py"]
        process = subprocess.Popen(
            command, cwd=home, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        machines.append(Machine(home, process))
    return machines


def most_at_once(intervals: list[tuple[float, float]]) -> int:
    """The largest number of ``(start, end)`` intervals that overlap at one moment."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals])
    most = current = 0
    for _, step in events:  # an end sorts before a start at the same moment
        current += step
        most = max(most, current)
    return most


WAITER = textwrap.dedent(
    """
    import otpkit
    with otpkit.connect() as client:
        with client.rent(client.find_product("whatsapp")) as rental:
            print("rented", rental.id, flush=True)
            rental.wait_for_code(timeout=120)
    """
)


def start_waiter(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen(
        [sys.executable, "-c", WAITER], env=env, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.startswith("rented"), line
    return child, line.split()[1]


def kill(child: subprocess.Popen[str]) -> None:
    """SIGKILL: no handler runs, nothing is cancelled or written on the way out."""
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    if child.stdout is not None:
        child.stdout.close()


def sweep(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "otpkit.cli", "sweep"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
