"""The receiver facing a hostile network, over real sockets: slow clients are dropped, too many
get a 503, and it never listens beyond loopback without a secret."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import otpkit
from otpkit import webhook

SLOW_BODY = (
    b"POST /api/callback HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
    b"Content-Length: 4000\r\n\r\n"
)
SLOW_HEADERS = b"POST /api/callback HTTP/1.1\r\nHost: 127.0.0.1\r\n"


def slow_clients(port: int, count: int, start: bytes) -> list[socket.socket]:
    clients = []
    for _ in range(count):
        client = socket.create_connection(("127.0.0.1", port), timeout=5)
        client.sendall(start)
        clients.append(client)
    return clients


def trickle(clients: list[socket.socket], seconds: float) -> dict[str, int]:
    """Send each client's next byte every 0.2 s, as an attacker would, for up to ``seconds``
    or until the server has ended every one: how many got a 503, were dropped (closed, or
    a 4xx), or are still open."""
    started, alive = time.monotonic(), set(clients)
    ended = {"503": 0, "dropped": 0}
    while alive and time.monotonic() - started < seconds:
        for client in list(alive):
            try:
                client.send(b" ")
            except OSError:
                alive.discard(client)
                ended["dropped"] += 1
        readable, _, _ = select.select(list(alive), [], [], 0.2)
        for client in readable:
            try:
                data = client.recv(4096)
            except OSError:
                data = b""
            alive.discard(client)
            ended["503" if data.startswith(b"HTTP/1.1 503") else "dropped"] += 1
    return {**ended, "open": len(alive)}


@pytest.fixture
def quick_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webhook, "READ_DEADLINE", 1.0)
    monkeypatch.setattr(webhook, "MAX_CONNECTIONS", 1000)


def port_of(receiver: webhook.WebhookReceiver) -> int:
    return int(receiver.listening.rsplit(":", 1)[1])


@pytest.mark.usefixtures("quick_limits")
@pytest.mark.parametrize("start", [SLOW_BODY, SLOW_HEADERS], ids=["slow-body", "slow-headers"])
def test_slow_clients_are_dropped_at_the_read_deadline(start: bytes) -> None:
    with webhook.run() as receiver:
        clients = slow_clients(port_of(receiver), 100, start)
        try:
            # Meanwhile an honest request is answered at once.
            answer = httpx.post(receiver.callback_url, json={"event": "x"}, timeout=2)
            assert answer.status_code == 422
            started = time.monotonic()
            outcome = trickle(clients, seconds=6.0)
            took = time.monotonic() - started
        finally:
            for client in clients:
                client.close()
    assert outcome == {"503": 0, "dropped": 100, "open": 0}
    assert took < 4.0  # the 1 s deadline, not the trickling, ended them


def test_past_the_concurrency_limit_slow_clients_get_503_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(webhook, "READ_DEADLINE", 2.0)
    monkeypatch.setattr(webhook, "MAX_CONNECTIONS", 20)
    with webhook.run() as receiver:
        clients = slow_clients(port_of(receiver), 60, SLOW_BODY)
        try:
            early = trickle(clients, seconds=1.0)  # well before the read deadline
            late = trickle(clients, seconds=6.0)
        finally:
            for client in clients:
                client.close()
        # The slow ones gone, the receiver serves again.
        assert httpx.post(receiver.callback_url, json={"event": "x"}).status_code == 422
    assert early["open"] <= 20 and early["503"] >= 40  # never more held than the limit
    assert late["open"] == 0


def test_the_receiver_keeps_long_polls_past_the_read_deadline(quick_limits: None) -> None:
    # The deadline is on reading the request: a waiter's long poll is answered later, whole.
    with webhook.run() as receiver:
        started = time.monotonic()
        reply = httpx.get(
            f"{receiver.inbox_url}/1",
            params={"timeout": "1.6"},
            headers={"Authorization": f"Bearer {receiver.inbox_token}"},
            timeout=5,
        )
        assert reply.status_code == 200 and time.monotonic() - started >= 1.5


@pytest.mark.parametrize("host", ["0.0.0.0", "::", ""])
def test_a_wildcard_bind_without_a_secret_is_refused_before_listening(host: str) -> None:
    with pytest.raises(otpkit.ConfigurationError, match="OTPKIT_WEBHOOK_SECRET"), webhook.run(host):
        pass


def clean_env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTPKIT_")}
    return {**env, "OTPKIT_JOURNAL": os.environ["OTPKIT_JOURNAL"], "COLUMNS": "60", **values}


def test_webhook_serve_on_an_open_address_without_a_secret_says_one_line_and_exits_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "otpkit.cli", "webhook", "serve", "--host", "0.0.0.0"],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("error: listening on 0.0.0.0 reaches beyond this machine: set")
    assert "OTPKIT_WEBHOOK_SECRET" in line


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    ready = tmp_path / "webhook.json"
    command = [sys.executable, "-m", "otpkit.cli", "webhook", "serve", "--host", "0.0.0.0"]
    process = subprocess.Popen(
        [*command, "--port", "0", "--ready-file", str(ready)],
        env=clean_env(OTPKIT_WEBHOOK_SECRET="hook-secret-41"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert process.poll() is None and time.monotonic() < deadline, "did not start"
            time.sleep(0.05)
        yield process, ready
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)


def test_webhook_serve_prints_where_it_listens_and_hands_the_token_only_to_its_file(
    serving: tuple[subprocess.Popen[str], Path],
) -> None:
    process, ready = serving
    shared = json.loads(ready.read_text())
    assert stat.S_IMODE(ready.stat().st_mode) == 0o600
    assert set(shared) == {"inbox", "inbox_token", "callback"}
    assert shared["inbox"].startswith("http://127.0.0.1:")  # where this machine reaches it
    opened = httpx.get(
        f"{shared['inbox']}/1", headers={"Authorization": f"Bearer {shared['inbox_token']}"}
    )
    assert opened.status_code == 200
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=10)
    port = shared["inbox"].rsplit(":", 1)[1].split("/")[0]
    assert f"receiving callbacks at http://0.0.0.0:{port}/<secret>/api/callback" in output
    assert "every interface" in output
    assert "127.0.0.1" not in output
    assert "hook-secret-41" not in output and shared["inbox_token"] not in output
