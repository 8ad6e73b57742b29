"""A cap on rentals open at once for one account, shared by every process on this machine.

Providers limit active orders per account (and some lower an account's rating for every
cancel), so parallel workers take one of N slots before renting and wait when none is free.
A slot is an OS file lock: a process that dies gives its slot back without anyone's help.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

from filelock import FileLock, Timeout

from otpkit._errors import RentalCapError
from otpkit._limiter import key_name
from otpkit._private import FILE_MODE, private_directory

__all__ = ["FileSlot", "RentalCap", "RentalSlots", "Slot", "wait_for_slot"]

_POLL = 0.05

S = TypeVar("S")


class Slot(Protocol):
    """One held slot under the cap."""

    def release(self) -> None:
        """Give the slot back (idempotent)."""


class RentalCap(Protocol):
    """Slots under a cap on open rentals: these file locks, or Redis leases across machines."""

    limit: int

    def acquire(self) -> Slot: ...

    async def acquire_async(self) -> Slot: ...


def wait_for_slot(
    take: Callable[[], S | None], *, limit: int, wait: float, poll: float, scope: str = ""
) -> S:
    """What ``take`` gives once a slot is free, asking every ``poll`` seconds (jittered, so
    waiters do not ask in lockstep); ``RentalCapError`` after ``wait`` seconds."""
    deadline = time.monotonic() + wait
    while True:
        slot = take()
        if slot is not None:
            return slot
        if time.monotonic() > deadline:
            raise RentalCapError(
                f"no rental slot freed up within {wait:g} s "
                f"(cap: {limit} open rentals at once{scope})"
            )
        time.sleep(poll * random.uniform(0.5, 1.5))


class FileSlot:
    """One held slot; ``release`` gives it back (idempotent)."""

    def __init__(self, lock: FileLock) -> None:
        self._lock: FileLock | None = lock

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None


class RentalSlots:
    """``limit`` slots for ``api_key`` in ``directory``."""

    def __init__(self, directory: Path, api_key: str, limit: int, *, wait: float = 600.0) -> None:
        if limit < 1:
            raise ValueError("the rental cap must be at least 1")
        private_directory(directory)
        name = key_name(api_key)
        self._paths = [directory / f"slot-{name}-{i}.lock" for i in range(limit)]
        self.limit = limit
        self.wait = wait

    def __repr__(self) -> str:
        return f"<RentalSlots {self.limit}>"

    def _try_each(self) -> Slot | None:
        for path in self._paths:
            # Not thread-local, so threads of one process compete like processes do.
            lock = FileLock(path, timeout=0, mode=FILE_MODE, thread_local=False, is_singleton=False)
            try:
                lock.acquire()
            except Timeout:
                continue
            return FileSlot(lock)
        return None

    def acquire(self) -> Slot:
        """A free slot, waiting for one; ``RentalCapError`` after ``wait`` seconds."""
        return wait_for_slot(self._try_each, limit=self.limit, wait=self.wait, poll=_POLL)

    async def acquire_async(self) -> Slot:
        """``acquire`` without blocking the event loop."""
        return await asyncio.to_thread(self.acquire)
