"""Processes that die: killed ones are swept, interrupted ones cancel on their way out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import otpkit.sandbox

WAITER = textwrap.dedent(
    """
    import sys, otpkit
    with otpkit.connect() as client:
        with client.rent(client.find_product("whatsapp")) as rental:
            print("rented", rental.id, flush=True)
            rental.wait_for_code(timeout=120)
    """
)


def environment(sandbox: otpkit.sandbox.Sandbox, key: str, journal: Path) -> dict[str, str]:
    return {
        **os.environ,
        "OTPKIT_PROVIDER": "jesusnumber",
        "OTPKIT_API_KEY": key,
        "OTPKIT_BASE_URL": sandbox.base_url,
        "OTPKIT_JOURNAL": str(journal),
    }


def start_waiter(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    child = subprocess.Popen(
        [sys.executable, "-c", WAITER],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    line = child.stdout.readline()
    assert line.startswith("rented"), child.stderr.read() if child.stderr else line
    return child, line.split()[1]


def sweep(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "otpkit.cli", "sweep"], env=env, stdout=subprocess.PIPE, text=True
    )


def test_a_killed_waiter_is_refunded_by_the_sweep(
    sandbox: otpkit.sandbox.Sandbox, tmp_path: Path
) -> None:
    key = sandbox.new_api_key("jesusnumber")
    env = environment(sandbox, key, tmp_path / "journal.sqlite3")
    child, order_id = start_waiter(env)
    child.send_signal(signal.SIGKILL)
    child.wait(10)
    assert sandbox.ledger(key).open_rentals == 1  # killed: nothing could cancel it
    swept = sweep(env)
    out, _ = swept.communicate(timeout=30)
    assert swept.returncode == 0, out
    assert order_id in out and "refunded" in out
    money = sandbox.ledger(key)
    assert money.open_rentals == 0 and money.refunded == money.charged > 0
    again = sweep(env)
    assert "swept 0 rental(s)" in again.communicate(timeout=30)[0]


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_waiter_cancels_on_its_way_out(
    sandbox: otpkit.sandbox.Sandbox, tmp_path: Path, stop: signal.Signals
) -> None:
    key = sandbox.new_api_key("jesusnumber")
    child, _ = start_waiter(environment(sandbox, key, tmp_path / "journal.sqlite3"))
    child.send_signal(stop)
    child.wait(30)
    assert child.returncode != 0
    money = sandbox.ledger(key)
    assert money.open_rentals == 0 and money.refunded == money.charged > 0


def test_two_sweepers_at_once_never_cancel_twice(
    sandbox: otpkit.sandbox.Sandbox, tmp_path: Path
) -> None:
    key = sandbox.new_api_key("jesusnumber")
    env = environment(sandbox, key, tmp_path / "journal.sqlite3")
    orders = []
    for _ in range(4):
        child, order_id = start_waiter(env)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
        orders.append(order_id)
    sweepers = [sweep(env), sweep(env)]
    outputs = [s.communicate(timeout=60)[0] for s in sweepers]
    swept = sum(int(out.split("swept ")[1].split(" ")[0]) for out in outputs)
    assert swept == 4, outputs
    money = sandbox.ledger(key)
    assert money.double_refunds == 0 and money.refunded == money.charged
    assert money.open_rentals == 0
