"""The rental cap on Redis: slot leases shared by every machine, freed when a holder dies."""

from __future__ import annotations

import threading
import time

import pytest

import otpkit
from otpkit._redis import Coordinator, RedisSlots
from tests.coordinator.conftest import RedisServer


def machine(url: str, limit: int, *, wait: float = 10.0, lease: float = 30.0) -> RedisSlots:
    return RedisSlots(Coordinator(url, lease=lease), "key-slots", limit, wait=wait)


def test_the_cap_holds_across_machines(coordinator_url: str) -> None:
    first, second, third = (machine(coordinator_url, 2, wait=0.3) for _ in range(3))
    held = [first.acquire(), second.acquire()]
    with pytest.raises(otpkit.RentalCapError, match="cap: 2 open rentals at once"):
        third.acquire()
    held[0].release()
    held[0].release()  # idempotent
    third.acquire().release()
    held[1].release()


def test_concurrent_holders_never_exceed_the_cap(coordinator_url: str) -> None:
    machines = [machine(coordinator_url, 2) for _ in range(4)]
    lock = threading.Lock()
    holding = most = 0

    def work(slots: RedisSlots) -> None:
        nonlocal holding, most
        for _ in range(3):
            slot = slots.acquire()
            with lock:
                holding += 1
                most = max(most, holding)
            time.sleep(0.03)
            with lock:
                holding -= 1
            slot.release()

    threads = [threading.Thread(target=work, args=(m,)) for m in machines for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 2  # reached, never passed


def test_a_slow_holder_keeps_its_slot_and_a_dead_one_loses_it(coordinator_url: str) -> None:
    alive = machine(coordinator_url, 1, lease=0.6)
    slot = alive.acquire()
    waiting = machine(coordinator_url, 1, wait=1.5)
    # Renewed by the holder's heartbeat, the lease outlives itself several times over.
    with pytest.raises(otpkit.RentalCapError):
        waiting.acquire()
    slot.release()

    dying = machine(coordinator_url, 1, lease=0.6)
    dying.acquire()
    dying._coordinator.heartbeat.stop()  # as if killed: nothing renews its slot any more
    started = time.monotonic()
    machine(coordinator_url, 1, wait=5).acquire().release()
    assert time.monotonic() - started < 2.0


def test_redis_away_when_taking_a_slot_is_a_clear_error(
    coordinator_url: str, redis_server: RedisServer
) -> None:
    slots = machine(coordinator_url, 2)
    held = slots.acquire()
    redis_server.kill()
    with pytest.raises(otpkit.CoordinatorError, match=r"redis://127\.0\.0\.1:\d+/0 failed while"):
        slots.acquire()
    # Giving one back cannot fail a rental's teardown: its lease lapses on its own.
    with pytest.warns(otpkit.CoordinatorWarning, match="lease lapses"):
        held.release()
