"""The coordinator as one process uses it: clients, key names, its lease, and clear errors."""

from __future__ import annotations

import atexit
import contextlib
import os
import socket
import threading
import uuid
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import redis
import redis.asyncio
from redis.backoff import ExponentialBackoff
from redis.retry import Retry

from otpkit._errors import ConfigurationError, CoordinatorError, CoordinatorWarning
from otpkit._redact import Secret, register_secret
from otpkit._redis._lease import Heartbeat

__all__ = ["LUA_NOW", "MAX_BLOCK", "Coordinator"]

#: Every key otpkit writes starts with this.
PREFIX = "otpkit"
#: One command, and connecting: a coordinator that does not answer soon is treated as away.
COMMAND_TIMEOUT = 5.0
CONNECT_TIMEOUT = 3.0
#: The longest a blocking read (push delivery) waits on the server.
MAX_BLOCK = 30.0
#: Opens a script that times things by the Redis server's clock, never a machine's own:
#: ``now`` in milliseconds.
LUA_NOW = """
local now = redis.call('TIME')
now = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
"""

_shared: dict[tuple[int, str, float], Coordinator] = {}
_shared_lock = threading.Lock()


def shown_url(url: str) -> str:
    """``url`` without credentials, for messages."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


class Coordinator:
    """The Redis database every machine of a run shares (``OTPKIT_COORDINATOR``).

    ``owner`` names this process in Redis; its lease (``hold_lease``) stays alive while the
    process does and lapses ``lease`` seconds after it dies.
    """

    def __init__(self, url: str, *, lease: float = 30.0) -> None:
        parts = urlsplit(url)
        if parts.password:
            register_secret(parts.password)
        self.shown = shown_url(url)
        self._url = Secret(url)  # may hold a password
        if parts.scheme not in ("redis", "rediss", "unix"):
            raise ConfigurationError(
                f"OTPKIT_COORDINATOR must be a redis:// URL (redis://host:port/db), "
                f"got {self.shown}"
            )
        # A dead server should fail a command within seconds, not hang it through retries.
        options: dict[str, Any] = {
            "decode_responses": True,
            "socket_connect_timeout": CONNECT_TIMEOUT,
            "retry": Retry(ExponentialBackoff(cap=0.5, base=0.05), 1),
        }
        try:
            self.redis = redis.Redis.from_url(url, socket_timeout=COMMAND_TIMEOUT, **options)
            # Its own pool: a blocking read must be allowed to outlast the command timeout.
            self.blocking = redis.Redis.from_url(
                url, socket_timeout=MAX_BLOCK + COMMAND_TIMEOUT, **options
            )
        except ValueError as error:
            raise ConfigurationError(f"OTPKIT_COORDINATOR {self.shown}: {error}") from None
        self._async_options = {**options, "socket_timeout": MAX_BLOCK + COMMAND_TIMEOUT}
        self.lease = lease
        self.host = socket.gethostname()
        self.owner = f"{self.host}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.heartbeat = Heartbeat(lease / 3)
        self._leased = False
        self._warned: set[str] = set()
        self._lock = threading.Lock()

    @classmethod
    def shared(cls, url: str, *, lease: float = 30.0) -> Coordinator:
        """The process's coordinator for ``url``, connected (checked) on first use."""
        # Keyed by pid too: a forked child must not pass for its parent in Redis.
        key = (os.getpid(), url, lease)
        with _shared_lock:
            found = _shared.get(key)
            if found is None:
                found = cls(url, lease=lease)
                found.ping()
                _shared[key] = found
            return found

    def __repr__(self) -> str:
        return f"<Coordinator {self.shown}>"

    # -- names and errors ----------------------------------------------------------------------

    def key(self, *parts: str) -> str:
        return ":".join((PREFIX, *parts))

    @contextmanager
    def errors(self, doing: str) -> Iterator[None]:
        """Turn any Redis failure inside into a ``CoordinatorError`` saying what failed."""
        try:
            yield
        except redis.RedisError as error:
            raise CoordinatorError(
                f"the coordinator {self.shown} failed while {doing}: "
                f"{error or type(error).__name__}"
            ) from None

    def warn(self, what: str, error: BaseException) -> None:
        """Warn once per kind of degradation: many requests hit the same outage."""
        with self._lock:
            if what in self._warned:
                return
            self._warned.add(what)
        warnings.warn(f"{error}; {what}", CoordinatorWarning, stacklevel=3)

    def ping(self) -> None:
        with self.errors("connecting"):
            self.redis.ping()

    def async_client(self) -> redis.asyncio.Redis:
        """A fresh async client; use it as ``async with``, since it belongs to one event loop."""
        return redis.asyncio.Redis.from_url(self._url, **self._async_options)

    # -- this process's lease ------------------------------------------------------------------

    def lease_key(self, owner: str) -> str:
        return self.key("lease", owner)

    def hold_lease(self) -> None:
        """Take this process's lease (once) and keep it alive until the process ends."""
        if self._leased:
            return
        with self.errors("taking this process's lease"):
            self._renew_lease()
        with self._lock:
            if not self._leased:
                self._leased = True
                self.heartbeat.add(self._renew_lease)
                atexit.register(self._release_lease)

    def _renew_lease(self) -> None:
        self.redis.set(self.lease_key(self.owner), self.host, px=int(self.lease * 1000))

    def _release_lease(self) -> None:
        # A clean exit hands what it left (a failed cancel, say) to the sweep at once.
        self.heartbeat.stop()
        self.heartbeat.beat()  # a last try at writes that were waiting for Redis
        with contextlib.suppress(redis.RedisError):  # it lapses on its own anyway
            self.redis.delete(self.lease_key(self.owner))

    def alive(self, owners: Iterable[str]) -> set[str]:
        """Which of ``owners`` hold a live lease."""
        names = sorted(set(owners))
        pipe = self.redis.pipeline(transaction=False)
        for owner in names:
            pipe.exists(self.lease_key(owner))
        return {owner for owner, found in zip(names, pipe.execute(), strict=True) if found}
