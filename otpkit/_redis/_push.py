"""Push delivery across machines: the receiver appends each SMS to a Redis stream per order.

A stream per order rather than one shared stream or pub/sub: each waiter blocks on its own
order's stream (``XREAD BLOCK``) and is woken by the append itself, reads nothing meant for
other machines (no fan-out of every SMS to every waiter), and still finds an SMS pushed before
it started waiting (pub/sub would have dropped it). Streams are capped and expire.

Watching an order is a key with a lifetime that the receiver checks, so it still refuses
callbacks for orders nobody rented (its 404), whichever machine rented them. If Redis goes
away, waiters sleep as they would without push and the provider is polled as a safety net.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import weakref
from collections.abc import Mapping
from typing import Any

import redis
import redis.asyncio

from otpkit._models import Message
from otpkit._push import _message
from otpkit._redis._connection import MAX_BLOCK, Coordinator

__all__ = ["RedisPushInbox", "RedisRelay"]

#: How long a watch and an order's stream live: far longer than any wait for a code.
LIFETIME = 24 * 3600
#: SMS kept per order; a verification flow sees a handful.
STREAM_CAP = 100

# KEYS: the order's watch key, its stream. ARGV: the message (JSON), cap, lifetime (s).
# Appends only for an order some waiter watches; returns 1 if it did.
_PUBLISH = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'message', ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return 1
"""


def _watch_key(coordinator: Coordinator, order_id: str) -> str:
    return coordinator.key("watch", order_id)


def _stream_key(coordinator: Coordinator, order_id: str) -> str:
    return coordinator.key("sms", order_id)


class RedisPushInbox:
    """Messages pushed for the orders this process watches, read from Redis."""

    def __init__(self, coordinator: Coordinator) -> None:
        self._coordinator = coordinator
        self._seen: dict[str, list[Message]] = {}
        self._read_up_to: dict[str, str] = {}  # the last stream entry read, per order

    def __repr__(self) -> str:
        return f"<RedisPushInbox {self._coordinator.shown}>"

    def messages(self, order_id: str) -> list[Message]:
        """What was pushed for ``order_id`` so far (no I/O)."""
        return list(self._seen.get(order_id, []))

    def _read(self, order_id: str, seconds: float) -> dict[str, Any]:
        """The XREAD that returns as soon as an SMS newer than those seen is appended."""
        stream = _stream_key(self._coordinator, order_id)
        # 0 would block forever; a wait is never longer than the server-side cap.
        block = max(1, int(min(seconds, MAX_BLOCK) * 1000))
        return {"streams": {stream: self._read_up_to.get(order_id, "0-0")}, "block": block}

    def _store(self, order_id: str, reply: Any) -> None:
        # RESP2 replies are [[stream, entries]]; RESP3 ones {stream: [entries]}.
        streams = reply.values() if isinstance(reply, Mapping) else [e for _, e in reply or []]
        for entries in streams:
            for entry_id, fields in entries:
                self._read_up_to[order_id] = entry_id
                try:
                    row = json.loads(fields.get("message", ""))
                except ValueError:
                    continue
                message = _message(row)
                if message is not None:
                    self._seen.setdefault(order_id, []).append(message)

    def _left_to_sleep(self, order_id: str, before: int, started: float, seconds: float) -> float:
        # Nothing pushed (or Redis away): sleep the whole pause; the safety net polls.
        if len(self._seen.get(order_id, [])) > before:
            return 0.0
        return max(0.0, seconds - (time.monotonic() - started))

    # -- sync ----------------------------------------------------------------------------------

    def watch(self, order_id: str) -> None:
        """Tell the receiver, wherever it runs, that this order is ours."""
        self._seen.setdefault(order_id, [])
        with contextlib.suppress(redis.RedisError):  # polling the provider still finds the SMS
            self._coordinator.redis.set(_watch_key(self._coordinator, order_id), 1, ex=LIFETIME)

    def wait(self, order_id: str, seconds: float) -> None:
        """Sleep up to ``seconds``, returning early when an SMS is pushed for ``order_id``."""
        started, before = time.monotonic(), len(self._seen.get(order_id, []))
        with contextlib.suppress(redis.RedisError):
            self._store(order_id, self._coordinator.blocking.xread(**self._read(order_id, seconds)))
        time.sleep(self._left_to_sleep(order_id, before, started, seconds))

    # -- async ---------------------------------------------------------------------------------

    async def watch_async(self, order_id: str) -> None:
        """``watch`` for async code."""
        self._seen.setdefault(order_id, [])
        with contextlib.suppress(redis.RedisError):
            async with self._coordinator.async_client() as client:
                await client.set(_watch_key(self._coordinator, order_id), 1, ex=LIFETIME)

    async def wait_async(self, order_id: str, seconds: float) -> None:
        """``wait`` for async code."""
        started, before = time.monotonic(), len(self._seen.get(order_id, []))
        with contextlib.suppress(redis.RedisError):
            # A client per wait: it belongs to this event loop, and connecting is cheap next
            # to a wait of seconds.
            async with self._coordinator.async_client() as client:
                self._store(order_id, await client.xread(**self._read(order_id, seconds)))
        await asyncio.sleep(self._left_to_sleep(order_id, before, started, seconds))


class RedisRelay:
    """The receiver's side: appends an SMS to its order's stream if a waiter anywhere watches
    it. Used from the receiver's event loop."""

    def __init__(self, coordinator: Coordinator) -> None:
        self._coordinator = coordinator
        # One client per event loop, kept: connecting for each SMS would add milliseconds
        # to every push, and the receiver's loop lives as long as the receiver.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, redis.asyncio.Redis] = (
            weakref.WeakKeyDictionary()
        )

    def __repr__(self) -> str:
        return f"<RedisRelay {self._coordinator.shown}>"

    async def publish(self, order_id: str, entry: dict[str, Any]) -> bool:
        """True if published, False if no waiter watches the order; ``CoordinatorError`` if
        Redis is away."""
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = self._clients[loop] = self._coordinator.async_client()
        keys = [_watch_key(self._coordinator, order_id), _stream_key(self._coordinator, order_id)]
        with self._coordinator.errors("publishing an SMS"):
            published = await client.eval(
                _PUBLISH, len(keys), *keys, json.dumps(entry), STREAM_CAP, LIFETIME
            )
        return bool(published)
