"""Sandbox time: the real clock plus an offset that only moves forward."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

__all__ = ["SandboxClock"]


class SandboxClock:
    """Wall time and monotonic time, both shifted by ``advance``.

    Wall time is derived from one wall reading plus elapsed monotonic time, so it never jumps
    when the host clock is adjusted.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wall0 = datetime.now(timezone.utc)
        self._mono0 = time.monotonic()
        self._offset = 0.0

    @property
    def offset(self) -> float:
        """Seconds added so far by ``advance``."""
        return self._offset

    def monotonic(self) -> float:
        """Seconds on a monotonic scale that includes the offset."""
        return time.monotonic() + self._offset

    def now(self) -> datetime:
        """The current sandbox time (UTC)."""
        return self._wall0 + timedelta(seconds=self.monotonic() - self._mono0)

    def advance(self, seconds: float) -> datetime:
        """Move sandbox time forward; going back would break refund windows and throttles."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += seconds
        return self.now()

    def reset(self) -> None:
        """Back to real time (only for a full sandbox reset, which also clears all windows)."""
        with self._lock:
            self._offset = 0.0
