"""Serve an ASGI app with uvicorn on a background thread: the sandbox and the webhook receiver.

The socket is bound before the server starts, so the port is known at once (port 0 picks a free
one), and the server runs its own event loop, so callers need none and may be sync or async.

A server exposed to a network (the webhook receiver) also takes a ``read_deadline``: a request
whose headers and body have not all arrived that many seconds after it began is dropped, so
clients trickling a byte now and then cannot hold connections open; and a
``limit_concurrency``, past which new requests get a 503 instead of more memory.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import signal
import socket
import threading
import time
from types import FrameType, TracebackType

import h11
import uvicorn
from starlette.types import ASGIApp
from uvicorn.protocols.http.h11_impl import H11Protocol

from otpkit._errors import OtpkitError
from otpkit._pids import process_ended
from otpkit._private import write_atomically

__all__ = [
    "EXIT_WITH_ENV",
    "BackgroundServer",
    "bind",
    "is_loopback",
    "url_host",
    "wait_until_stopped",
    "write_atomically",
]

_START_TIMEOUT = 10.0

#: Set by the pytest plugin for the servers it starts: the pid of the run's root process. A
#: server whose root process is gone stops, however that process ended (SIGKILL, ``os._exit``,
#: pytest-timeout's thread method): nothing the run started outlives it.
EXIT_WITH_ENV = "OTPKIT_EXIT_WITH_PID"
#: How often the watched process is looked at, and how long a clean stop may take after it died.
_WATCH_INTERVAL = 0.25
_STOP_GRACE = 10.0


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (0: a free port); ``OtpkitError`` if impossible."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        raise OtpkitError(f"cannot listen on {host}:{port}: {error}") from None
    sock = socket.socket(family, kind, proto)
    try:
        if os.name != "nt":  # on Windows this option would let two servers share the port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as error:
        sock.close()
        raise OtpkitError(f"cannot listen on {host}:{port}: {error}") from None
    return sock


def is_loopback(host: str) -> bool:
    """Whether listening on ``host`` is reachable from this machine only (every address it
    names is a loopback one; a wildcard such as ``0.0.0.0`` is every interface)."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        pass
    if not host:
        return False
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return False
    return bool(found) and all(ipaddress.ip_address(a[4][0]).is_loopback for a in found)


def url_host(host: str) -> str:
    """``host`` as it goes in a URL (a wildcard address becomes loopback)."""
    if host in ("", "0.0.0.0"):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _deadline_protocol(seconds: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, dropping a connection whose request has not fully arrived
    ``seconds`` after it began (uvicorn itself only times out idle keep-alive connections)."""

    class DeadlineH11Protocol(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            self._disarm()
            self._deadline = self.loop.call_later(seconds, self._expired)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _expired(self) -> None:
            # Still reading the request (its headers or its body): the client is too slow.
            if self.conn.their_state in (h11.IDLE, h11.SEND_BODY) and not (
                self.transport.is_closing()
            ):
                self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._arm()  # the next request on this connection gets its own deadline

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return DeadlineH11Protocol


class BackgroundServer:
    """``app`` served on ``host:port`` from a daemon thread with its own event loop.

    ``listening`` is the address actually bound (``0.0.0.0:8765``); ``base_url`` is where this
    machine reaches it (loopback for a wildcard bind)."""

    def __init__(
        self,
        app: ASGIApp,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        name: str = "server",
        read_deadline: float | None = None,
        limit_concurrency: int | None = None,
    ) -> None:
        self._sock = bind(host, port)
        bound = self._sock.getsockname()
        self.port: int = bound[1]
        self.listening = f"{f'[{bound[0]}]' if ':' in bound[0] else bound[0]}:{self.port}"
        self.base_url = f"http://{url_host(host)}:{self.port}"
        config = uvicorn.Config(
            app,
            log_config=None,
            access_log=False,
            lifespan="auto",
            http="h11" if read_deadline is None else _deadline_protocol(read_deadline),
            limit_concurrency=limit_concurrency,
            ws="none",
            loop="asyncio",
            server_header=False,
            # Idle keep-alive connections are closed at once on shutdown; this only bounds
            # requests still running (a long poll, a "slow" fault) so that stopping stays quick.
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._sock]},
            name=f"otpkit-{name}-{self.port}",
            daemon=True,
        )

    def start(self) -> BackgroundServer:
        """Start serving; returns once the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise OtpkitError(f"the server at {self.base_url} did not start")
            time.sleep(0.002)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=_START_TIMEOUT)
        self._sock.close()

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _stop_when_gone(pid: int, stop: threading.Event) -> None:
    while not stop.wait(_WATCH_INTERVAL):
        if process_ended(pid):
            stop.set()
            # The clean stop runs in the main thread; should it hang, end anyway.
            time.sleep(_STOP_GRACE)
            os._exit(1)


def watch_parent(stop: threading.Event) -> None:
    """Set ``stop`` once the process named by ``OTPKIT_EXIT_WITH_PID`` is gone (if it is set).

    Polling the pid from a thread works whatever the parent died of and wherever it runs;
    ``prctl(PR_SET_PDEATHSIG)`` is Linux only and fires when the *thread* that forked exits.
    """
    watched = os.environ.get(EXIT_WITH_ENV, "").strip()
    if watched.isdigit():
        threading.Thread(
            target=_stop_when_gone, args=(int(watched), stop), name="otpkit-parent", daemon=True
        ).start()


def wait_until_stopped() -> None:
    """Block until Ctrl-C, SIGTERM, or the end of the process in ``OTPKIT_EXIT_WITH_PID``
    (signals are only ours to catch in the main thread)."""
    stop = threading.Event()
    watch_parent(stop)
    if threading.current_thread() is not threading.main_thread():
        stop.wait()
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        stop.set()

    wanted = [signal.SIGINT, signal.SIGTERM]
    previous = {sig: signal.signal(sig, handler) for sig in wanted}
    try:
        while not stop.wait(0.25):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
