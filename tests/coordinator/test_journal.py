"""The journal on Redis: every machine's rentals, one budget per run, sweeps of dead owners.

Each "machine" is a ``RedisJournal`` with a coordinator of its own (its own owner lease) over
its own local SQLite journal.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
import redis

import otpkit
from otpkit import Journal
from otpkit._redis import Coordinator, RedisJournal
from tests.coordinator.conftest import RedisServer

BASE = "http://provider.example"
Machine = Callable[..., RedisJournal]


@pytest.fixture
def machine(coordinator_url: str, tmp_path: Path) -> Machine:
    made = iter(range(100))

    def make(run_id: str = "run-1", lease: float = 30.0) -> RedisJournal:
        local = Journal(tmp_path / f"machine-{next(made)}.sqlite3", run_id=run_id)
        return RedisJournal(Coordinator(coordinator_url, lease=lease), local)

    return make


def die(journal: RedisJournal) -> None:
    """What SIGKILL does to a machine's lease: no more heartbeats, and then it lapses."""
    journal.coordinator.heartbeat.stop()
    journal.coordinator.redis.delete(journal.coordinator.lease_key(journal.coordinator.owner))


def rent(journal: RedisJournal, order_id: str, price: str = "0.50") -> int:
    row = journal.begin("jesusnumber", BASE, "12", Decimal(price))
    journal.opened(row, order_id, f"+1555000{order_id}", Decimal(price))
    return row


def test_every_step_is_recorded_in_redis_and_locally(machine: Machine) -> None:
    a, b = machine(), machine()
    row = rent(a, "9001")
    a.code_received(row)
    a.closed(row, refunded=False, detail="code received")
    shared = b.entry(row)  # read from another machine
    assert shared is not None
    assert (shared.order_id, shared.state, shared.codes, shared.refunded) == (
        "9001",
        "closed",
        1,
        False,
    )
    assert shared.price == Decimal("0.50") and shared.run_id == "run-1"
    found = b.find("jesusnumber", "9001")
    assert found is not None and found.row == row
    (local,) = a.local.entries()  # the same rental in the machine's own SQLite journal
    assert (local.order_id, local.state, local.codes, local.refunded) == (
        "9001",
        "closed",
        1,
        False,
    )
    assert b.local.entries() == []


def test_one_budget_for_every_machine_of_a_run(machine: Machine) -> None:
    a, b, elsewhere = machine("ci-7"), machine("ci-7"), machine("ci-8")
    budget = Decimal("1.00")
    first = a.begin("jesusnumber", BASE, "12", Decimal("0.40"), budget=budget)
    b.begin("jesusnumber", BASE, "12", Decimal("0.40"), budget=budget)
    with pytest.raises(otpkit.BudgetExceededError, match=r"net spend to 1\.20") as refused:
        b.begin("jesusnumber", BASE, "12", Decimal("0.40"), budget=budget)
    assert refused.value.spent == Decimal("0.80")
    elsewhere.begin("jesusnumber", BASE, "12", Decimal("0.40"), budget=budget)  # another run
    a.opened(first, "1", "+15550001", Decimal("0.40"))
    a.closed(first, refunded=True, detail="refunded")  # refunds give the budget back
    b.begin("jesusnumber", BASE, "12", Decimal("0.40"), budget=budget)
    assert a.net_spend() == b.net_spend() == Decimal("0.80")


def test_concurrent_reservations_never_pass_the_budget(machine: Machine) -> None:
    machines = [machine("ci-9") for _ in range(4)]
    taken: list[int] = []
    refused: list[otpkit.BudgetExceededError] = []
    lock = threading.Lock()

    def work(journal: RedisJournal) -> None:
        for _ in range(3):
            try:
                row = journal.begin(
                    "jesusnumber", BASE, "12", Decimal("0.10"), budget=Decimal("0.5")
                )
            except otpkit.BudgetExceededError as error:
                with lock:
                    refused.append(error)
            else:
                with lock:
                    taken.append(row)

    threads = [threading.Thread(target=work, args=(m,)) for m in machines for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(taken) == 5 and len(refused) == 19  # 0.1 + 0.2 ... sums exactly, in millionths


def test_a_sweep_takes_only_rentals_of_dead_owners_and_only_once(machine: Machine) -> None:
    owner, other = machine(), machine()
    row = rent(owner, "7001")
    held = rent(owner, "7002")
    owner.hold(held)
    sweepers = [machine() for _ in range(6)]
    assert sweepers[0].abandoned("jesusnumber") == []  # a slow owner is not a dead one
    assert not sweepers[0].claim_for_sweep(row)
    rent(other, "7003")  # alive: never a candidate
    die(owner)
    (found,) = sweepers[0].abandoned("jesusnumber")
    assert (found.row, found.order_id, found.state) == (row, "7001", "open")
    assert [e.order_id for e in sweepers[0].abandoned(held=True)] == ["7001", "7002"]
    assert sweepers[0].abandoned("sanalnumara") == []
    wins: list[bool] = []
    barrier = threading.Barrier(len(sweepers))

    def claim(sweeper: RedisJournal) -> None:
        barrier.wait()
        wins.append(sweeper.claim_for_sweep(row))

    threads = [threading.Thread(target=claim, args=(s,)) for s in sweepers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wins.count(True) == 1
    assert sweepers[0].abandoned("jesusnumber") == []  # its sweeper is alive and owns it now


def test_a_sweeper_of_the_same_journal_file_keeps_the_local_record_in_step(
    coordinator_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "shared.sqlite3"
    owner = RedisJournal(Coordinator(coordinator_url), Journal(path, run_id="r"))
    row = rent(owner, "4242")
    die(owner)
    sweeper = RedisJournal(Coordinator(coordinator_url), Journal(path, run_id="later"))
    assert sweeper.claim_for_sweep(row)
    sweeper.closed(row, refunded=True, detail="swept")
    (local,) = sweeper.local.entries()
    assert (local.order_id, local.state, local.refunded) == ("4242", "closed", True)


def test_an_order_is_adopted_by_one_rental_on_one_machine(machine: Machine) -> None:
    a, b = machine(), machine()
    owned = rent(a, "5001")
    lost_a = a.begin("jesusnumber", BASE, "12", Decimal("0.5"))
    lost_b = b.begin("jesusnumber", BASE, "12", Decimal("0.5"))
    assert not b.claim_order(lost_b, "jesusnumber", BASE, "5001")  # a's rental owns it
    assert a.claim_order(lost_a, "jesusnumber", BASE, "5002")
    assert not b.claim_order(lost_b, "jesusnumber", BASE, "5002")
    assert b.claim_order(lost_b, "jesusnumber", "http://other.example", "5002")  # per base URL
    assert owned != lost_a
    entry = b.entry(lost_a)
    assert entry is not None and entry.order_id == "5002"


def test_redis_going_away_keeps_every_rental_in_the_local_journal(
    machine: Machine, redis_server: RedisServer
) -> None:
    journal = machine()
    row = rent(journal, "6006")
    redis_server.kill()
    # Rentals in flight go on: recorded locally, with a warning, never an exception.
    with pytest.warns(otpkit.CoordinatorWarning, match="local journal"):
        journal.closed(row, refunded=True, detail="cancelled")
    (local,) = journal.local.entries()
    assert (local.state, local.refunded) == ("closed", True)
    # New ones are refused before anything is charged, with a clear error.
    with pytest.raises(otpkit.CoordinatorError, match="failed while taking this process's lease"):
        machine().begin("jesusnumber", BASE, "12", Decimal("0.5"))
    with pytest.raises(otpkit.CoordinatorError, match="failed while recording a new rental"):
        journal.begin("jesusnumber", BASE, "12", Decimal("0.5"))
    assert len(journal.local.entries()) == 1  # the refused one left no trace
    # Back, but empty (no persistence): missed writes are dropped, never half-recreated.
    redis_server.start()
    with pytest.warns(otpkit.CoordinatorWarning, match="lost its record of rental"):
        journal.coordinator.heartbeat.beat()
    assert redis_server.client().keys("otpkit:rental:*") == []


def test_writes_missed_during_a_blip_are_replayed_by_the_heartbeat(
    machine: Machine, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = machine()
    row = rent(journal, "8008")
    working = journal._update

    def unreachable(**kwargs: object) -> object:
        raise redis.ConnectionError("connection refused")

    monkeypatch.setattr(journal, "_update", unreachable)
    with pytest.warns(otpkit.CoordinatorWarning):
        journal.code_received(row)
    journal.closed(row, refunded=False, detail="code received")  # warned once already
    entry = journal.entry(row)
    assert entry is not None and entry.state == "open"  # Redis missed both
    monkeypatch.setattr(journal, "_update", working)
    journal.coordinator.heartbeat.beat()
    entry = journal.entry(row)
    assert entry is not None and (entry.state, entry.codes) == ("closed", 1)


def test_the_sandbox_mark_of_a_rental_is_shared_with_every_machine(machine: Machine) -> None:
    # The sweep reads a coordinated run's rows from Redis: the mark the local row gets
    # (rented from a sandbox, process N) must be there too, or a stopped sandbox's rental
    # is swept like a provider's, asking for a key nobody has.
    a, b = machine(), machine()
    a.local.sandbox_started("http://127.0.0.1:9", 4321)
    marked = a.begin("jesusnumber", "http://127.0.0.1:9", "12", Decimal("0.50"))
    unmarked = rent(a, "9002")
    seen = b.entry(marked)
    assert seen is not None and seen.sandbox_pid == 4321
    other = b.entry(unmarked)
    assert other is not None and other.sandbox_pid is None
