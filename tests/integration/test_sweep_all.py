"""``otpkit sweep`` with nothing configured but keys: every provider and base URL the journal
names, and rentals of a sandbox that has stopped closed without a word to it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import otpkit.sandbox
from otpkit._sweep_all import SANDBOX_GONE
from tests.integration.test_cli import otpkit_cli

#: Rents one number of each provider named in argv, says the order ids, and waits to be killed.
CRASHING = textwrap.dedent(
    """
    import sys, otpkit
    for provider, key, base_url in zip(*[iter(sys.argv[1:])] * 3):
        client = otpkit.connect(provider, api_key=key, base_url=base_url)
        rental = client.rent(client.find_product("whatsapp"))
        print(rental.id, flush=True)
    input()
    """
)


def clean_env(journal: Path, **variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTPKIT_")}
    return {**env, "OTPKIT_JOURNAL": str(journal), "COLUMNS": "200", **variables}


def crash_after_renting(env: dict[str, str], *accounts: tuple[str, str, str]) -> list[str]:
    """Rent from each (provider, key, base URL) in a process that is then SIGKILLed."""
    arguments = [part for account in accounts for part in account]
    child = subprocess.Popen(
        [sys.executable, "-c", CRASHING, *arguments],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    order_ids = [child.stdout.readline().strip() for _ in accounts]
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert all(order_ids)
    return order_ids


def test_sweeps_both_providers_with_only_their_keys(
    sandbox: otpkit.sandbox.Sandbox, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.sqlite3"
    keys = {p: sandbox.new_api_key(p) for p in otpkit.sandbox.PROVIDERS}
    crash_after_renting(
        clean_env(journal), *((p, keys[p], sandbox.base_url) for p in otpkit.sandbox.PROVIDERS)
    )
    assert all(sandbox.ledger(key).open_rentals == 1 for key in keys.values())

    only_jesusnumber = clean_env(journal, OTPKIT_JESUSNUMBER_API_KEY=keys["jesusnumber"])
    partly = otpkit_cli(only_jesusnumber, "sweep")
    assert partly.returncode == 1
    assert "swept 1 rental(s); refunded 1" in partly.stdout
    assert "could not sweep sanalnumara at" in partly.stderr
    assert "set OTPKIT_SANALNUMARA_API_KEY" in partly.stderr

    both = clean_env(
        journal,
        OTPKIT_JESUSNUMBER_API_KEY=keys["jesusnumber"],
        OTPKIT_SANALNUMARA_API_KEY=keys["sanalnumara"],
    )
    swept = otpkit_cli(both, "sweep")
    assert swept.returncode == 0, swept.stderr
    assert "swept 1 rental(s); refunded 1" in swept.stdout
    assert all(sandbox.ledger(key).open_rentals == 0 for key in keys.values())
    stored = journal.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("journal*"))
    assert not any(key.encode() in stored for key in keys.values())


def test_the_generic_key_is_only_tried_on_the_configured_provider(
    sandbox: otpkit.sandbox.Sandbox, tmp_path: Path
) -> None:
    journal = tmp_path / "journal.sqlite3"
    key = sandbox.new_api_key("sanalnumara")
    crash_after_renting(clean_env(journal), ("sanalnumara", key, sandbox.base_url))
    unconfigured = otpkit_cli(clean_env(journal, OTPKIT_API_KEY=key), "sweep")
    assert unconfigured.returncode == 1 and "OTPKIT_SANALNUMARA_API_KEY" in unconfigured.stderr
    configured = clean_env(journal, OTPKIT_API_KEY=key, OTPKIT_PROVIDER="sanalnumara")
    assert "refunded 1" in otpkit_cli(configured, "sweep").stdout
    assert sandbox.ledger(key).open_rentals == 0


def test_rentals_of_a_stopped_sandbox_are_closed(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite3"
    env = clean_env(journal)
    ready = tmp_path / "sandbox.url"
    server = subprocess.Popen(
        [sys.executable, "-m", "otpkit.cli", "sandbox", "--port", "0", "--ready-file", str(ready)],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        base_url = ready.read_text().strip()
        key = otpkit.sandbox.DEMO_KEYS["jesusnumber"]
        [order_id] = crash_after_renting(env, ("jesusnumber", key, base_url))
        # While it runs, its rows are left to it: no money, and no key to ask anyone for.
        meanwhile = otpkit_cli(clean_env(journal), "sweep")
        assert meanwhile.returncode == 0, meanwhile.stdout + meanwhile.stderr
        assert "API key" not in meanwhile.stdout + meanwhile.stderr
    finally:
        server.kill()
        server.wait()

    # A sweep with the key in hand would only meet a closed port; it is not even tried.
    swept = otpkit_cli(clean_env(journal, OTPKIT_JESUSNUMBER_API_KEY=key), "sweep")
    assert swept.returncode == 0, swept.stderr
    assert f"(order {order_id}): {SANDBOX_GONE}" in swept.stdout
    assert "1 of a stopped sandbox closed" in swept.stdout
    with sqlite3.connect(journal) as db:
        state, detail = db.execute(
            "SELECT state, detail FROM rentals WHERE order_id = ?", (order_id,)
        ).fetchone()
    assert (state, detail) == ("closed", SANDBOX_GONE)
    again = otpkit_cli(clean_env(journal), "sweep")  # nothing left, no key needed
    assert again.returncode == 0 and "swept 0 rental(s)" in again.stdout


LEFT_BY_AN_EMBEDDED_SANDBOX = textwrap.dedent(
    """
    import os, sys
    import otpkit, otpkit.sandbox
    with otpkit.sandbox.run(throttle=None) as sandbox:
        key = sandbox.new_api_key("jesusnumber")
        client = otpkit.connect("jesusnumber", api_key=key, base_url=sandbox.base_url)
        rental = client.rent(client.find_product("whatsapp"))
        print(rental.id, flush=True)
        os._exit(0)  # no cancel: the row stays open, the sandbox dies with the process
    """
)


def test_rentals_of_an_embedded_sandbox_are_closed_with_no_key(tmp_path: Path) -> None:
    journal = tmp_path / "journal.sqlite3"
    left = subprocess.run(
        [sys.executable, "-c", LEFT_BY_AN_EMBEDDED_SANDBOX],
        env=clean_env(journal),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    order_id = left.stdout.strip()
    swept = otpkit_cli(clean_env(journal), "sweep")  # no key at all
    assert swept.returncode == 0, swept.stderr
    assert "no API key" not in swept.stdout + swept.stderr
    assert f"(order {order_id}): {SANDBOX_GONE}" in swept.stdout


def test_a_provider_at_an_address_a_sandbox_once_had_is_swept_with_its_key(
    sandbox: otpkit.sandbox.Sandbox, tmp_path: Path
) -> None:
    # A loopback URL names another server another day (a tunnel to a real provider): a stopped
    # sandbox once registered at it must not make its rentals "sandbox gone" (money lost).
    journal = tmp_path / "journal.sqlite3"
    gone = subprocess.Popen(["true"])
    gone.wait()
    otpkit.Journal(journal).sandbox_started(sandbox.base_url, gone.pid)
    key = sandbox.new_api_key("jesusnumber")
    [order_id] = crash_after_renting(clean_env(journal), ("jesusnumber", key, sandbox.base_url))
    swept = otpkit_cli(clean_env(journal, OTPKIT_JESUSNUMBER_API_KEY=key), "sweep")
    assert swept.returncode == 0, swept.stdout + swept.stderr
    assert SANDBOX_GONE not in swept.stdout and "refunded 1" in swept.stdout
    assert order_id in swept.stdout
    assert sandbox.ledger(key).open_rentals == 0
