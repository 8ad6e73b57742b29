"""The rental journal: life cycle, budget reservation, and claims that only one process wins."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import stat
from decimal import Decimal
from pathlib import Path

import pytest

import otpkit
from otpkit._journal import Journal


def test_life_cycle_and_net_spend(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3", run_id="run-1")
    row = journal.begin("jesusnumber", "http://x", "12", Decimal("0.50"))
    assert journal.net_spend() == Decimal("0.50")  # reserved before the request leaves
    journal.opened(row, "146185", "+16095170503", Decimal("0.50"))
    journal.closed(row, refunded=True, detail="refunded")
    assert journal.net_spend() == 0
    refused = journal.begin("jesusnumber", "http://x", "12", Decimal("0.50"))
    journal.failed(refused, "Insufficient balance")
    assert journal.net_spend() == 0
    [first, second] = journal.entries("run-1")
    assert (first.state, first.order_id, first.refunded) == ("closed", "146185", True)
    assert second.state == "failed"


def test_budget_refusal_records_nothing(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3", run_id="run-1")
    journal.begin("jesusnumber", "http://x", "12", Decimal("0.60"), budget=Decimal(1))
    with pytest.raises(otpkit.BudgetExceededError, match="over the budget of 1"):
        journal.begin("jesusnumber", "http://x", "12", Decimal("0.60"), budget=Decimal(1))
    assert len(journal.entries()) == 1


def test_own_live_rentals_are_not_abandoned_but_dead_ones_are(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    mine = journal.begin("jesusnumber", "http://x", "12", None)
    journal.opened(mine, "1", "+16095170503", None)
    assert journal.abandoned() == []
    dead = _row_owned_by_a_dead_process(tmp_path / "j.sqlite3")
    assert [e.row for e in journal.abandoned()] == [dead]
    # A later process that got our pid back sees our rows as a dead predecessor's.
    assert [e.row for e in Journal(tmp_path / "j.sqlite3", run_id="later").abandoned()] == [
        mine,
        dead,
    ]


def _row_owned_by_a_dead_process(path: Path) -> int:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_rent_and_die, args=(str(path), queue))
    child.start()
    child.join(30)
    return int(queue.get(timeout=30))


def _rent_and_die(path: str, queue: multiprocessing.Queue[int]) -> None:
    journal = Journal(path)
    row = journal.begin("jesusnumber", "http://x", "12", None)
    journal.opened(row, f"dead-{os.getpid()}", "+16095170503", None)
    queue.put(row)


def _claim(path: str, row: int, barrier: object, results: multiprocessing.Queue[bool]) -> None:
    journal = Journal(path, run_id=f"sweeper-{os.getpid()}")
    barrier.wait()  # type: ignore[attr-defined]
    results.put(journal.claim_for_sweep(row))


def test_two_sweepers_never_claim_the_same_rental(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    Journal(path)
    rows = [_row_owned_by_a_dead_process(path) for _ in range(3)]
    context = multiprocessing.get_context("spawn")
    for row in rows:
        barrier = context.Barrier(4)
        results: multiprocessing.Queue[bool] = context.Queue()
        sweepers = [
            context.Process(target=_claim, args=(str(path), row, barrier, results))
            for _ in range(4)
        ]
        for sweeper in sweepers:
            sweeper.start()
        for sweeper in sweepers:
            sweeper.join()
        wins = [results.get(timeout=30) for _ in sweepers]
        assert wins.count(True) == 1


def test_claiming_an_order_is_exclusive(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    a = journal.begin("jesusnumber", "http://x", "12", None)
    b = journal.begin("jesusnumber", "http://x", "12", None)
    assert journal.claim_order(a, "jesusnumber", "http://x", "777") is True
    assert journal.claim_order(b, "jesusnumber", "http://x", "777") is False


def test_unwritable_journal_is_a_configuration_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(otpkit.ConfigurationError, match="journal"):
        Journal(blocker / "j.sqlite3")


def test_the_journal_and_the_directories_it_creates_are_owner_only(tmp_path: Path) -> None:
    os.chmod(tmp_path, 0o755)  # a directory that existed before: left as it is
    path = tmp_path / "state" / "otpkit" / "journal.sqlite3"
    journal = Journal(path)
    journal.opened(journal.begin("jesusnumber", "http://x", "12", None), "1", "+1609", None)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    reader = sqlite3.connect(path)  # while a connection is open, SQLite keeps -wal and -shm
    try:
        reader.execute("SELECT count(*) FROM rentals").fetchone()
        for suffix in ("-wal", "-shm"):
            assert stat.S_IMODE(Path(f"{path}{suffix}").stat().st_mode) == 0o600
    finally:
        reader.close()
    for directory in (path.parent, path.parent.parent):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o755


def test_a_failing_journal_raises_journal_error_not_sqlite_errors(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3", lock_timeout=0.1)
    row = journal.begin("jesusnumber", "http://x", "12", None)
    other = sqlite3.connect(tmp_path / "j.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock too long
    try:
        with pytest.raises(otpkit.JournalError, match="locked") as caught:
            journal.opened(row, "1", "+1609", None)
    finally:
        other.close()
    assert isinstance(caught.value, otpkit.OtpkitError)
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)


def test_processes_opening_a_new_journal_at_once_all_get_it(tmp_path: Path) -> None:
    # Openers race to switch the new file to WAL and create its tables; a loser may be told
    # "locked" without SQLite waiting for the lock (seen once in the rotation benchmark).
    path = tmp_path / "journal.sqlite3"
    context = multiprocessing.get_context("spawn")
    with context.Pool(6) as pool:
        opened = pool.map(_open_journal, [str(path)] * 12)
    assert opened == [True] * 12


def _open_journal(path: str) -> bool:
    Journal(path)
    return True
