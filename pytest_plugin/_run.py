"""What one test run shares across its pytest-xdist workers: a run id, a sandbox, a receiver.

pytest-xdist's recipe for doing something once per run: every worker's base temp directory sits
in one shared directory, and a file lock there decides who does it first; the others read what
it wrote. The sandbox and the webhook receiver run as their own processes, so they outlive the
worker that started them; the controller (or the only process, without xdist) stops them when
the run ends, and they stop by themselves when it dies without doing so (they watch its pid).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from otpkit._private import FILE_MODE, private_file, write_atomically

__all__ = ["SharedRun", "check_webhook_address", "root_pid", "run_directory"]

_STATE = "otpkit-run.json"
_READY_TIMEOUT = 30.0


def is_worker(config: pytest.Config) -> bool:
    """Whether this process is a pytest-xdist worker."""
    return hasattr(config, "workerinput")


def root_pid(config: pytest.Config) -> int:
    """The run's controller: a worker's parent under pytest-xdist, else this process. Workers
    may end before the run does, so what they start must live as long as the controller."""
    return os.getppid() if is_worker(config) else os.getpid()


def run_directory(config: pytest.Config) -> Path:
    """The directory every process of this run sees: xdist's shared parent of base temps."""
    # ``tmp_path_factory`` as a fixture is not available to hooks; the factory is the same.
    basetemp: Path = config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    return basetemp.parent if is_worker(config) else basetemp


class SharedRun:
    """The run's shared state in ``directory`` (a JSON file guarded by a file lock).

    ``run_id``, if given, is the run's id (a CI run's, shared with other machines); else
    ``OTPKIT_RUN_ID`` or a fresh one. What the run starts stops when ``root_pid`` ends.
    """

    def __init__(
        self, directory: Path, run_id: str | None = None, *, root_pid: int | None = None
    ) -> None:
        self.directory = directory
        self._root_pid = root_pid or os.getpid()
        self._preferred_run_id = run_id
        self._lock = FileLock(directory / "otpkit-run.lock", mode=FILE_MODE)
        self._path = directory / _STATE

    def _read(self) -> dict[str, Any]:
        if self._path.exists():
            loaded: dict[str, Any] = json.loads(self._path.read_text())
            return loaded
        return {}

    def _write(self, state: dict[str, Any]) -> None:
        # Owner-only: it holds the sandbox keys and the inbox token.
        write_atomically(self._path, json.dumps(state))

    @property
    def run_id(self) -> str:
        """One id for the whole run, whichever process asks first."""
        with self._lock:
            state = self._read()
            if "run_id" not in state:
                state["run_id"] = (
                    self._preferred_run_id
                    or os.environ.get("OTPKIT_RUN_ID")
                    or f"pytest-{uuid.uuid4().hex[:12]}"
                )
                self._write(state)
            return str(state["run_id"])

    def state(self) -> dict[str, Any]:
        """What has been started so far (empty when nothing was)."""
        with self._lock:
            return self._read()

    def sandbox(
        self,
        auto_deliver: float | None,
        throttle: int | None,
        *,
        dead_rate: str | None = None,
        refused_rate: str | None = None,
        profile: str | None = None,
        seed: int | None = None,
    ) -> dict[str, Any]:
        """The run's sandbox (started on first use): its URL and two fresh keys per provider,
        ``keys`` and ``quiet_keys`` (whose orders never get the stand-in SMS).

        ``dead_rate``, ``refused_rate`` and ``profile`` are delivery-model specs as
        ``OTPKIT_SANDBOX_*`` takes them; ``seed`` makes the sandbox reproducible.
        """
        with self._lock:
            state = self._read()
            if "sandbox" not in state:
                ready = self.directory / "sandbox.url"
                command = [sys.executable, "-m", "otpkit.sandbox", "--port", "0"]
                command += ["--throttle", str(throttle or 0)]
                if auto_deliver:
                    command += ["--auto-deliver", str(auto_deliver)]
                for flag, spec in (
                    ("--dead-rate", dead_rate),
                    ("--refused-rate", refused_rate),
                    ("--profile", profile),
                ):
                    if spec:
                        command += [flag, spec]
                if seed is not None:
                    command += ["--seed", str(seed)]
                command += ["--ready-file", str(ready)]
                pid = _start(command, ready, self.directory / "sandbox.log", self._root_pid)
                url = ready.read_text().strip()
                from otpkit import sandbox as sandboxes

                with sandboxes.attach(url) as control:
                    keys = {p: control.new_api_key(p) for p in sandboxes.PROVIDERS}
                    # Tests whose app texts the number rent here: the sandbox decides at
                    # rent time, so no stand-in SMS can slip in first.
                    quiet = {
                        p: control.new_api_key(p, auto_deliver=False) for p in sandboxes.PROVIDERS
                    }
                state["sandbox"] = {"url": url, "pid": pid, "keys": keys, "quiet_keys": quiet}
                self._write(state)
            return dict(state["sandbox"])

    def webhook(
        self, address: str, coordinator: str | None = None, secret: str | None = None
    ) -> dict[str, Any]:
        """The run's push receiver on ``host:port`` (started on first use): its ``inbox``,
        ``inbox_token`` and ``callback``. With ``coordinator`` it publishes what it receives
        to every machine; beyond loopback it needs the callback ``secret``."""
        with self._lock:
            state = self._read()
            if "webhook" not in state:
                host, port = check_webhook_address(address, secret)
                ready = self.directory / "webhook.json"
                command = [sys.executable, "-m", "otpkit.cli", "webhook", "serve"]
                command += ["--host", host, "--port", port, "--ready-file", str(ready)]
                env = dict(os.environ)
                if coordinator:
                    env["OTPKIT_COORDINATOR"] = coordinator
                if secret:
                    env["OTPKIT_WEBHOOK_SECRET"] = secret
                log = self.directory / "webhook.log"
                pid = _start(command, ready, log, self._root_pid, env)
                # The inbox token reaches the workers through this owner-only state only.
                started = json.loads(ready.read_text())
                state["webhook"] = {**started, "pid": pid}
                self._write(state)
            return dict(state["webhook"])

    def stop(self) -> None:
        """Stop what the run started (called once, by the controller or the only process)."""
        with self._lock:
            state = self._read()
            for part in ("webhook", "sandbox"):
                pid = state.get(part, {}).get("pid")
                if pid:
                    _stop(int(pid))


def check_webhook_address(address: str, secret: str | None) -> tuple[str, str]:
    """``--otp-webhook``'s host and port; a ``UsageError`` for a malformed address or one
    beyond loopback without a secret."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        raise pytest.UsageError(f"otpkit: --otp-webhook wants HOST:PORT, got {address!r}")
    from otpkit._errors import ConfigurationError
    from otpkit.webhook import refuse_open_bind

    try:
        refuse_open_bind(host, secret)
    except ConfigurationError as error:
        raise pytest.UsageError(f"otpkit: --otp-webhook {address}: {error}") from None
    return host, port


def _start(
    command: list[str], ready: Path, log: Path, root_pid: int, env: dict[str, str] | None = None
) -> int:
    from otpkit._serving import EXIT_WITH_ENV

    ready.unlink(missing_ok=True)
    env = {**(env if env is not None else os.environ), EXIT_WITH_ENV: str(root_pid)}
    with open(private_file(log), "ab") as output:
        process = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True, env=env
        )
    deadline = time.monotonic() + _READY_TIMEOUT
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise pytest.UsageError(
                f"could not start `{' '.join(command[1:4])}`; its output is in {log}"
            )
        time.sleep(0.02)
    return process.pid


def _stop(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            finished, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # started by another process of the run: not our child
            finished = 0
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        if finished:
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
