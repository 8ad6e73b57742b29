"""Many machines, one provider account: coordination through one Redis database.

With ``OTPKIT_COORDINATOR=redis://host:port/db`` every cross-process mechanism is shared by all
machines instead of one: the request budget per API key, the cap on open rentals, the run's
spending budget, the rental journal the sweep works from, and push delivery of SMS. This
package is imported only when a coordinator is configured, so ``import otpkit`` never loads
``redis``.

Every key sits under ``otpkit:``; API keys appear only as hashes (``key_name``).
"""

from __future__ import annotations

try:
    import redis  # noqa: F401  (checked here, once, for a clear message)
except ModuleNotFoundError as missing:  # pragma: no cover  (redis is a test dependency)
    from otpkit._errors import ConfigurationError

    raise ConfigurationError(
        "OTPKIT_COORDINATOR needs the Redis client: pip install 'otpkit[redis]'"
    ) from missing

from otpkit._redis._connection import Coordinator
from otpkit._redis._journal import RedisJournal
from otpkit._redis._limiter import RedisRequestLimiter
from otpkit._redis._policy import coordinated
from otpkit._redis._push import RedisPushInbox, RedisRelay
from otpkit._redis._slots import RedisSlots

__all__ = [
    "Coordinator",
    "RedisJournal",
    "RedisPushInbox",
    "RedisRelay",
    "RedisRequestLimiter",
    "RedisSlots",
    "coordinated",
]
