"""Laravel-style request throttling: a sliding 60-second window per client identity."""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["SlidingWindow", "Verdict"]


@dataclass(frozen=True)
class Verdict:
    """Whether a request may go on; ``retry_after`` (whole seconds, >= 1) when it may not."""

    allowed: bool
    limit: int | None
    remaining: int | None
    retry_after: int | None = None
    reset_in: int | None = None


class SlidingWindow:
    """At most ``limit`` requests per identity in any ``window`` seconds; None turns it off.

    A refused request takes no slot, so a client that keeps retrying is let in as soon as the
    oldest counted request leaves the window.
    """

    def __init__(
        self, limit: int | None, clock: Callable[[], float], *, window: float = 60.0
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._window = window
        self._hits: dict[str, deque[float]] = {}
        self.limit = limit

    @property
    def limit(self) -> int | None:
        return self._limit

    @limit.setter
    def limit(self, value: int | None) -> None:
        if value is not None and value < 1:
            raise ValueError("a throttle limit must be at least 1 (or None for no limit)")
        self._limit = value

    def hit(self, identity: str) -> Verdict:
        """Count one request of ``identity`` if the window has room."""
        limit = self._limit
        if limit is None:
            return Verdict(allowed=True, limit=None, remaining=None)
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(identity, deque())
            while hits and hits[0] <= now - self._window:
                hits.popleft()
            if len(hits) >= limit:
                # The slot frees when the oldest of the last ``limit`` hits leaves the window.
                wait = max(1, math.ceil(hits[-limit] + self._window - now))
                return Verdict(False, limit, 0, retry_after=wait, reset_in=wait)
            hits.append(now)
            return Verdict(True, limit, limit - len(hits))

    def reset(self) -> None:
        """Forget every window."""
        with self._lock:
            self._hits.clear()
