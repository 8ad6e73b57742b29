"""A journal that cannot be written never leaves money behind: refused before the order, or the
order cancelled at once. The failure is real: another connection holds SQLite's write lock."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import otpkit
import otpkit.sandbox
from otpkit._journal import Journal
from tests.integration.conftest import connect, connect_async, product_of

#: How long a journal write waits for the lock here (30 s by default).
LOCK_WAIT = 0.3


@contextmanager
def write_lock_held(path: Path) -> Iterator[None]:
    """Another process's view: a write transaction open on the journal."""
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        yield
        db.execute("ROLLBACK")
    finally:
        db.close()


def journal_in(tmp_path: Path) -> Journal:
    return Journal(tmp_path / "journal.sqlite3", lock_timeout=LOCK_WAIT)


def test_a_journal_locked_before_ordering_refuses_before_any_money_moves(
    sandbox: otpkit.sandbox.Sandbox, provider: str, tmp_path: Path
) -> None:
    journal = journal_in(tmp_path)
    with connect(sandbox, provider, journal=journal) as client:
        product = client.find_product(*product_of(client))
        with write_lock_held(journal.path), pytest.raises(otpkit.JournalError, match="locked"):
            client.rent(product)
        money = sandbox.ledger(client.provider.api_key)
    assert (money.charged, money.open_rentals) == (0, 0)
    assert not any(money.orders_by_status.values())
    assert journal.entries() == []


def _lock_once_requesting(journal: Journal, until: threading.Event) -> None:
    """Take the write lock once the row of the order in flight is written, until ``until``."""
    deadline = time.monotonic() + 10
    while not any(e.state == "requesting" for e in journal.entries()):
        assert time.monotonic() < deadline, "the rental never began"
        time.sleep(0.01)
    with write_lock_held(journal.path):
        until.wait(10)


def test_a_journal_failing_after_the_order_cancels_and_refunds_it(
    sandbox: otpkit.sandbox.Sandbox, provider: str, tmp_path: Path
) -> None:
    journal = journal_in(tmp_path)
    done = threading.Event()
    with connect(sandbox, provider, journal=journal) as client:
        product = client.find_product(*product_of(client))
        # The order's reply is slow, so the lock is taken after the row and before "opened".
        create = otpkit.sandbox.STEP_ENDPOINTS[client.provider_name]["create"]  # type: ignore[index]
        sandbox.inject_fault("slow", endpoint=create, seconds=1.0)
        locker = threading.Thread(target=_lock_once_requesting, args=(journal, done))
        locker.start()
        try:
            with pytest.raises(otpkit.JournalError, match="cancelled at once") as caught:
                client.rent(product)
        finally:
            done.set()
            locker.join()
        money = sandbox.ledger(client.provider.api_key)
    assert "refunded" in str(caught.value) and "not refunded" not in str(caught.value)
    assert money.charged > 0 and money.refunded == money.charged
    assert (money.open_rentals, money.spent, money.double_refunds) == (0, 0, 0)


async def test_async_a_journal_failing_after_the_order_cancels_and_refunds_it(
    sandbox: otpkit.sandbox.Sandbox, provider: str, tmp_path: Path
) -> None:
    journal = journal_in(tmp_path)
    done = threading.Event()
    async with connect_async(sandbox, provider, journal=journal) as client:
        product = await client.find_product(*product_of(client))
        create = otpkit.sandbox.STEP_ENDPOINTS[client.provider_name]["create"]  # type: ignore[index]
        sandbox.inject_fault("slow", endpoint=create, seconds=1.0)
        locker = asyncio.create_task(asyncio.to_thread(_lock_once_requesting, journal, done))
        try:
            with pytest.raises(otpkit.JournalError, match="cancelled at once"):
                await client.rent(product)
        finally:
            done.set()
            await locker
        money = sandbox.ledger(client.provider.api_key)
    assert money.charged > 0 and money.refunded == money.charged
    assert (money.open_rentals, money.spent) == (0, 0)


async def test_async_a_journal_locked_before_ordering_refuses(
    sandbox: otpkit.sandbox.Sandbox, provider: str, tmp_path: Path
) -> None:
    journal = journal_in(tmp_path)
    async with connect_async(sandbox, provider, journal=journal) as client:
        product = await client.find_product(*product_of(client))
        with write_lock_held(journal.path), pytest.raises(otpkit.JournalError):
            await client.rent(product)
        money = sandbox.ledger(client.provider.api_key)
    assert (money.charged, money.open_rentals) == (0, 0)
