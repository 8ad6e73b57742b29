"""The heartbeat: one daemon thread per coordinator that keeps this process's leases alive.

A lease is a Redis key (or a sorted-set score) that expires unless renewed; while the process
lives the heartbeat renews it every third of its lifetime, and when the process dies, however
it dies, the lease runs out on its own. That is how another machine tells a dead owner from a
slow one without being able to see its processes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

__all__ = ["Heartbeat"]

_log = logging.getLogger("otpkit.coordinator")

Task = Callable[[], None]


class Heartbeat:
    """Runs every task each ``period`` seconds on a daemon thread, started by the first task."""

    def __init__(self, period: float) -> None:
        self.period = period
        self._tasks: list[Task] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, task: Task) -> None:
        with self._lock:
            self._tasks.append(task)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="otpkit-heartbeat", daemon=True
                )
                self._thread.start()

    def beat(self) -> None:
        """Run every task once now."""
        with self._lock:
            tasks = list(self._tasks)
        for task in tasks:
            try:
                task()
            except Exception as error:
                # Redis away or a bug: either way the next beat tries again, and the thread
                # must live on, or every lease of this process would lapse while it runs.
                _log.debug("heartbeat task failed: %s", error)

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self.beat()

    def stop(self) -> None:
        self._stop.set()
