"""One sandbox's moving parts, and the background work of its server loop."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.abc
import httpx

from otpkit.sandbox._clock import SandboxClock
from otpkit.sandbox._delivery import DeliveryModel
from otpkit.sandbox._faults import Faults
from otpkit.sandbox._state import SandboxState, WebhookEvent
from otpkit.sandbox._stats import RequestStats
from otpkit.sandbox._throttle import SlidingWindow

__all__ = ["WEBHOOK_PAUSES", "Engine"]

#: Pauses before each webhook attempt: a few quick tries, then the push is given up.
WEBHOOK_PAUSES = (0.0, 0.1, 0.3)
_WEBHOOK_TIMEOUT = httpx.Timeout(2.0, connect=1.0)


class Engine:
    """State, clock, throttle, faults and counters of one sandbox, plus its background tasks.

    Scheduled deliveries are applied lazily by every request and, so that webhooks go out on
    time even when nobody polls, by a scheduler task that sleeps until the next one is due.
    """

    def __init__(
        self,
        *,
        throttle: int | None = 60,
        auto_deliver: float | None = None,
        seed: int | None = None,
        delivery: DeliveryModel | None = None,
    ) -> None:
        self.clock = SandboxClock()
        self.state = SandboxState(
            self.clock.now, seed=seed, auto_deliver=auto_deliver, delivery=delivery
        )
        self.throttle = SlidingWindow(throttle, self.clock.monotonic)
        self.faults = Faults()
        self.stats = RequestStats()
        self._initial_throttle = throttle
        self._tasks: anyio.abc.TaskGroup | None = None
        self._http: httpx.AsyncClient | None = None
        self._wake: anyio.Event | None = None

    def reset(self) -> None:
        """Everything back to how the sandbox started (settings included)."""
        self.state.reset()
        self.clock.reset()
        self.throttle.reset()
        self.throttle.limit = self._initial_throttle
        self.faults.clear()
        self.stats.reset()
        self.pump()

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the scheduler and webhook pushes for as long as the server runs."""
        async with (
            httpx.AsyncClient(timeout=_WEBHOOK_TIMEOUT, trust_env=False) as http,
            anyio.create_task_group() as tasks,
        ):
            self._http, self._tasks = http, tasks
            tasks.start_soon(self._scheduler)
            try:
                yield
            finally:
                self._tasks = None
                tasks.cancel_scope.cancel()

    def pump(self) -> None:
        """After a change: apply due deliveries, send their pushes, re-plan the scheduler."""
        self._flush()
        if self._wake is not None:
            self._wake.set()

    def _flush(self) -> None:
        self.state.settle()
        events = self.state.drain_webhooks()
        if self._tasks is not None:
            for event in events:
                self._tasks.start_soon(self._push, event)

    async def _scheduler(self) -> None:
        while True:
            # A new event first: a wake-up during the flush below is then not lost.
            wake = self._wake = anyio.Event()
            self._flush()
            due = self.state.next_due()
            wait = math.inf if due is None else (due - self.clock.now()).total_seconds()
            with anyio.move_on_after(max(wait, 0.0)):
                await wake.wait()

    async def _push(self, event: WebhookEvent) -> None:
        assert self._http is not None
        for pause in WEBHOOK_PAUSES:
            await anyio.sleep(pause)
            try:
                response = await self._http.post(event.url, json=event.payload)
            except Exception:  # whatever the receiver does must not reach the task group
                continue
            if response.is_success:
                self.stats.webhook(sent=True)
                return
        self.stats.webhook(sent=False)
