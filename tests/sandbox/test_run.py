"""Starting and stopping: run() from sync and async code, serve() as a separate process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

import otpkit.sandbox
from otpkit.sandbox import SandboxError, attach


def test_start_and_stop_are_fast_with_keep_alive_connections_open() -> None:
    threads_before = set(threading.enumerate())
    started = time.perf_counter()
    with otpkit.sandbox.run() as sandbox:
        assert sandbox.base_url.startswith("http://127.0.0.1:")
        client = httpx.Client(base_url=sandbox.base_url)
        key = sandbox.api_key("jesusnumber")
        assert client.get("/api/v1/balance", headers={"X-API-Key": key}).status_code == 200
        # The client keeps its connection open while the server stops.
    elapsed = time.perf_counter() - started
    client.close()
    assert elapsed < 1.0
    assert set(threading.enumerate()) == threads_before


async def test_run_from_async_code() -> None:
    with otpkit.sandbox.run(throttle=None) as sandbox:
        async with httpx.AsyncClient(base_url=sandbox.base_url) as client:
            key = sandbox.new_api_key("sanalnumara")
            rented = (await client.get(f"/api/{key}/getNumber/18")).json()
            sandbox.deliver(rented["number_id"], provider="sanalnumara", code="123123")
            reply = (await client.get(f"/api/{key}/getMessage/{rented['number_id']}")).json()
            assert reply["code"] == "123123"


def test_two_sandboxes_are_independent() -> None:
    with otpkit.sandbox.run() as one, otpkit.sandbox.run() as two:
        assert one.base_url != two.base_url
        key = one.new_api_key("jesusnumber")
        with pytest.raises(SandboxError):
            two.ledger(key)


def test_seed_makes_numbers_reproducible() -> None:
    def first_number() -> str:
        with otpkit.sandbox.run(seed=7) as sandbox:
            key = sandbox.api_key("jesusnumber")
            response = httpx.post(
                f"{sandbox.base_url}/api/v1/orders",
                json={"product_id": 12},
                headers={"X-API-Key": key},
            )
            return str(response.json()["data"]["number"])

    assert first_number() == first_number()


def test_port_in_use_is_reported() -> None:
    with otpkit.sandbox.run() as sandbox:
        port = int(sandbox.base_url.rsplit(":", 1)[1])
        with pytest.raises(SandboxError), otpkit.sandbox.run(port=port):
            pass


@pytest.mark.skipif(os.name == "nt", reason="SIGINT to a child process is POSIX-only")
def test_module_entry_point_with_ready_file(tmp_path: Path) -> None:
    ready = tmp_path / "sandbox.url"
    process = subprocess.Popen(
        [sys.executable, "-m", "otpkit.sandbox", "--port", "0", "--ready-file", str(ready)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 15
        while not ready.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the sandbox did not write its ready file"
            time.sleep(0.02)
        base_url = ready.read_text()
        assert base_url.startswith("http://127.0.0.1:")
        with attach(base_url) as sandbox:
            key = sandbox.api_key("jesusnumber")
            headers = {"X-API-Key": key}
            httpx.post(f"{base_url}/api/v1/orders", json={"product_id": 12}, headers=headers)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, err
    assert f"otpkit sandbox listening on {base_url}" in out
    assert "jn_demo_key_0001" in out and "sn_demo_key_0001" in out
    assert "jesusnumber jn_demo_key_0001: balance 49.50, charged 0.50" in out
    assert "open rentals 1" in out
    assert not ready.exists()
    assert err == ""
