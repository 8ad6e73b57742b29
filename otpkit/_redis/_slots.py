"""The cap on open rentals of one account, shared by every machine: slot leases in Redis.

A sorted set per account holds one member per slot taken, scored by when its lease runs out
(on the Redis server's clock). Taking a slot drops the lapsed ones and adds one if fewer than
the cap remain, in one script; the heartbeat pushes the leases of slots this process holds
forward, so a holder that dies gives its slot back after the lease, without anyone's help.
"""

from __future__ import annotations

import asyncio
import threading
import uuid

from otpkit._errors import CoordinatorError
from otpkit._limiter import key_name
from otpkit._redis._connection import LUA_NOW, Coordinator
from otpkit._slots import wait_for_slot

__all__ = ["RedisSlot", "RedisSlots"]

#: How often a waiter asks again: waiting only happens while the cap is full.
_POLL = 0.1

# KEYS[1]: the account's slots. ARGV: cap, lease (ms), the new member. Returns 1 if taken.
_TAKE = (
    LUA_NOW
    + """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
    redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
    return 1
end
return 0
"""
)
# KEYS[1]: the account's slots. ARGV: lease (ms), the members to renew (if still held).
_RENEW = (
    LUA_NOW
    + """
for i = 2, #ARGV do
    redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[1]), ARGV[i])
end
return 0
"""
)


class RedisSlot:
    """One held slot; ``release`` gives it back (idempotent)."""

    def __init__(self, slots: RedisSlots, member: str) -> None:
        self._slots: RedisSlots | None = slots
        self.member = member

    def release(self) -> None:
        if self._slots is not None:
            self._slots.give_back(self.member)
            self._slots = None


class RedisSlots:
    """``limit`` slots for ``api_key`` across every machine using ``coordinator``."""

    def __init__(
        self, coordinator: Coordinator, api_key: str, limit: int, *, wait: float = 600.0
    ) -> None:
        if limit < 1:
            raise ValueError("the rental cap must be at least 1")
        self._coordinator = coordinator
        self._key = coordinator.key("slots", key_name(api_key))
        self._take = coordinator.redis.register_script(_TAKE)
        self._renew = coordinator.redis.register_script(_RENEW)
        self._held: set[str] = set()
        self._lock = threading.Lock()
        self._renewing = False
        self.limit = limit
        self.wait = wait

    def __repr__(self) -> str:
        return f"<RedisSlots {self.limit} via {self._coordinator.shown}>"

    @property
    def _lease_ms(self) -> int:
        return int(self._coordinator.lease * 1000)

    def _try_take(self) -> RedisSlot | None:
        member = f"{self._coordinator.owner}:{uuid.uuid4().hex[:8]}"
        with self._coordinator.errors("taking a rental slot"):
            taken = self._take(keys=[self._key], args=[self.limit, self._lease_ms, member])
        if not taken:
            return None
        with self._lock:
            self._held.add(member)
            if not self._renewing:
                self._renewing = True
                self._coordinator.heartbeat.add(self._renew_held)
        return RedisSlot(self, member)

    def _renew_held(self) -> None:
        with self._lock:
            held = sorted(self._held)
        if held:
            self._renew(keys=[self._key], args=[self._lease_ms, *held])

    def give_back(self, member: str) -> None:
        with self._lock:
            self._held.discard(member)
        try:
            with self._coordinator.errors("giving a rental slot back"):
                self._coordinator.redis.zrem(self._key, member)
        except CoordinatorError as error:
            # No longer renewed, the slot's lease lapses on its own.
            self._coordinator.warn("rental slots free up when their lease lapses", error)

    def acquire(self) -> RedisSlot:
        """A free slot, waiting for one; ``RentalCapError`` after ``wait`` seconds."""
        return wait_for_slot(
            self._try_take,
            limit=self.limit,
            wait=self.wait,
            poll=_POLL,
            scope=", on every machine",
        )

    async def acquire_async(self) -> RedisSlot:
        """``acquire`` without blocking the event loop."""
        return await asyncio.to_thread(self.acquire)
