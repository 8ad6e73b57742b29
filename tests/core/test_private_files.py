"""Every file otpkit writes for its own state is owner-only: journal, locks, run state."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from otpkit._slots import RentalSlots
from pytest_plugin._run import SharedRun


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_run_state_and_its_lock_are_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which would leave them world-readable
    try:
        run = SharedRun(tmp_path)
        assert run.run_id
        with run._lock:  # the lock file exists while held (filelock may remove it after)
            assert mode(tmp_path / "otpkit-run.lock") == 0o600
    finally:
        os.umask(old)
    assert mode(tmp_path / "otpkit-run.json") == 0o600


def test_rental_slot_locks_and_their_directory_are_owner_only(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    slot = RentalSlots(shared, "key", 1).acquire()
    try:
        assert mode(shared) == 0o700
        [lock] = shared.glob("slot-*.lock")
        assert mode(lock) == 0o600
    finally:
        slot.release()
