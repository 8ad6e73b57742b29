"""One request budget per API key, shared by every process on this machine.

Providers throttle per key (jesusnumber: Laravel's default 60 requests/min), so parallel test
workers must share one budget rather than each spending its own. pyrate-limiter keeps a sliding
window in SQLite behind a file lock; the bucket is named by a hash of the key, never the key.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Protocol

from otpkit._private import private_directory

__all__ = ["RequestLimiter", "SharedRequestLimiter"]


class RequestLimiter(Protocol):
    """What a driver asks before each request: may one more go out within ``timeout`` s?"""

    def acquire(self, timeout: float) -> bool: ...

    async def acquire_async(self, timeout: float) -> bool: ...


def key_name(api_key: str) -> str:
    """A stable, non-reversible name for an API key's bucket."""
    return "key-" + hashlib.sha256(api_key.encode()).hexdigest()[:16]


class SharedRequestLimiter:
    """``per_minute`` requests for ``api_key`` across processes, kept in ``directory``."""

    def __init__(self, directory: Path, api_key: str, per_minute: int) -> None:
        # Imported here: only runs that share a budget pay for pyrate-limiter's import.
        from pyrate_limiter import Duration, Limiter, Rate, SQLiteBucket

        private_directory(directory)
        self._name = key_name(api_key)
        bucket = SQLiteBucket.init_from_file(
            [Rate(per_minute, Duration.MINUTE)],
            table="otpkit_requests",
            # A file per key: two limiters in one process must not share one file lock.
            db_path=str(directory / f"requests-{self._name}.sqlite3"),
            use_file_lock=True,
        )
        self._limiter = Limiter(bucket)
        self.per_minute = per_minute

    def __repr__(self) -> str:
        return f"<SharedRequestLimiter {self.per_minute}/min>"

    def acquire(self, timeout: float) -> bool:
        return bool(self._limiter.try_acquire(self._name, blocking=True, timeout=max(timeout, 0.0)))

    async def acquire_async(self, timeout: float) -> bool:
        # The blocking wait runs in a thread: pyrate-limiter's own async timeout path leaves
        # an unretrieved task behind, and the event loop must not block meanwhile.
        return await asyncio.to_thread(self.acquire, timeout)
