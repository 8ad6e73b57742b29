"""One request budget per API key shared by every machine: a sliding log in Redis.

The same sliding window as the provider's (Laravel: N requests in any 60 s), kept as a sorted
set of admission times and decided by one atomic script that reads the clock of the Redis
server, so runners whose clocks disagree still share one window. (pyrate-limiter's
``RedisBucket`` stamps items with each client's own clock and needs a leak thread per
process, so it is not used here.)

If Redis goes away mid-run, requests go out unthrottled with a ``CoordinatorWarning`` rather
than failing: a poll or a cancel must never be lost to the coordinator, and a 429 from the
provider is absorbed by backoff. New rentals stop anyway (the journal refuses them).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from itertools import count

from otpkit._errors import CoordinatorError
from otpkit._limiter import key_name
from otpkit._redis._connection import LUA_NOW, Coordinator

__all__ = ["RedisRequestLimiter"]

#: The provider's window; requests are admitted ``per_minute`` per window.
WINDOW = 60.0
#: Held longer than the provider's: a request admitted just as the oldest one leaves our window
#: still takes a moment to reach the provider, where that oldest one may have arrived late.
MARGIN = 0.5

# KEYS[1]: the key's log. ARGV: limit, window (ms), a unique member.
# Returns 0 when admitted, else the milliseconds until the oldest admission leaves the window.
_ADMIT = (
    LUA_NOW
    + """
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
    redis.call('ZADD', KEYS[1], now, ARGV[3])
    redis.call('PEXPIRE', KEYS[1], window)
    return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
"""
)


class RedisRequestLimiter:
    """``per_minute`` requests for ``api_key`` across every machine using ``coordinator``."""

    def __init__(self, coordinator: Coordinator, api_key: str, per_minute: int) -> None:
        self._coordinator = coordinator
        self._key = coordinator.key("requests", key_name(api_key))
        self._admit = coordinator.redis.register_script(_ADMIT)
        self._window_ms = int((WINDOW + MARGIN) * 1000)
        self._member = f"{coordinator.owner}:{uuid.uuid4().hex[:6]}"
        self._serial = count()
        self.per_minute = per_minute

    def __repr__(self) -> str:
        return f"<RedisRequestLimiter {self.per_minute}/min via {self._coordinator.shown}>"

    def _try(self) -> float:
        """0 when admitted, else the seconds to wait before trying again."""
        member = f"{self._member}:{next(self._serial)}"
        with self._coordinator.errors("sharing the request budget"):
            wait = self._admit(keys=[self._key], args=[self.per_minute, self._window_ms, member])
        return int(wait) / 1000

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + max(timeout, 0.0)
        while True:
            try:
                wait = self._try()
            except CoordinatorError as error:
                self._coordinator.warn("requests go out without the shared budget", error)
                return True
            if wait == 0:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            # Jitter: every waiter was told the same moment, and only one slot frees then.
            time.sleep(min(wait + random.uniform(0, 0.05), left))

    async def acquire_async(self, timeout: float) -> bool:
        # A thread, as for the local limiter: the event loop must not block meanwhile.
        return await asyncio.to_thread(self.acquire, timeout)
