"""A real ``redis-server`` per test (loopback, a free port, no persistence), and a sandbox.

No fake Redis: the scripts, expiries and blocking reads are the real server's. A missing
``redis-server`` fails the tests with how to install it (``python3 dev.py test`` does).
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

import otpkit.sandbox


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """One ``redis-server`` process; ``kill`` stands in for the coordinator going away."""

    def __init__(self, binary: str, directory: Path) -> None:
        self.binary, self.directory = binary, directory
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no", "--dir", str(self.directory)]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.02)
            finally:
                client.close()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, decode_responses=True)


@pytest.fixture(scope="session")
def redis_binary() -> str:
    found = shutil.which("redis-server")
    if found is None:
        pytest.fail(
            "redis-server is not installed: `apt-get install redis-server` "
            "(`python3 dev.py test` installs it)",
            pytrace=False,
        )
    return found


@pytest.fixture
def redis_server(redis_binary: str, tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(redis_binary, tmp_path)
    for _ in range(3):  # the free port may be taken between asking and binding
        try:
            server.start()
            break
        except RuntimeError:
            server.kill()
            server.port = free_port()
    else:
        pytest.fail("redis-server would not start", pytrace=False)
    yield server
    server.kill()


@pytest.fixture
def coordinator_url(redis_server: RedisServer) -> str:
    return redis_server.url


@pytest.fixture
def sandbox() -> Iterator[otpkit.sandbox.Sandbox]:
    # One per test: the throttle tests move its clock, which never goes back.
    with otpkit.sandbox.run(throttle=None) as running:
        yield running
