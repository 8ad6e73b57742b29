"""Counters of the provider traffic, for benchmarks and throttle tests."""

from __future__ import annotations

import threading
from collections import Counter

from otpkit.sandbox._models import Stats

__all__ = ["RequestStats"]


class RequestStats:
    """Thread-safe request, throttle, fault and webhook counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests = 0
            self._by_key: Counter[str] = Counter()
            self._by_endpoint: Counter[str] = Counter()
            self._by_status: Counter[str] = Counter()
            self._throttled_by_key: Counter[str] = Counter()
            self._faults: Counter[str] = Counter()
            self._webhooks_sent = 0
            self._webhooks_failed = 0

    def request(self, endpoint: str, identity: str) -> None:
        with self._lock:
            self._requests += 1
            self._by_key[identity] += 1
            self._by_endpoint[endpoint] += 1

    def status(self, code: int | str) -> None:
        """Count a reply by HTTP status (``"dropped"`` for a connection cut on purpose)."""
        with self._lock:
            self._by_status[str(code)] += 1

    def throttled(self, identity: str) -> None:
        with self._lock:
            self._throttled_by_key[identity] += 1

    def fault(self, kind: str) -> None:
        with self._lock:
            self._faults[kind] += 1

    def webhook(self, *, sent: bool) -> None:
        with self._lock:
            if sent:
                self._webhooks_sent += 1
            else:
                self._webhooks_failed += 1

    def snapshot(self) -> Stats:
        with self._lock:
            return Stats(
                requests=self._requests,
                by_key=dict(self._by_key),
                by_endpoint=dict(self._by_endpoint),
                by_status=dict(self._by_status),
                throttled=sum(self._throttled_by_key.values()),
                throttled_by_key=dict(self._throttled_by_key),
                faults=dict(self._faults),
                webhooks_sent=self._webhooks_sent,
                webhooks_failed=self._webhooks_failed,
            )
