"""A trace of every HTTP exchange, API keys masked, for a bug report (``OTPKIT_TRACE=PATH``).

One JSON object a line: the request (method, URL, headers, body) and the reply (status,
headers, body) or the transport error, with the time it took. Written by a transport wrapper,
so it sees exactly what went over the wire, for the sync and the async driver alike.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx

from otpkit._private import private_file
from otpkit._redact import MASK, redact

__all__ = ["AsyncTracingTransport", "Trace", "TracingTransport"]

#: Headers whose value is a credential whatever it looks like.
_SECRET_HEADERS = frozenset({"x-api-key", "authorization", "cookie", "set-cookie"})
#: A body longer than this is cut: a trace is for reading.
_MAX_BODY = 64 * 1024


def _headers(headers: httpx.Headers) -> dict[str, str]:
    return {
        name: MASK if name.lower() in _SECRET_HEADERS else redact(value)
        for name, value in headers.items()
    }


def _body(content: bytes) -> str:
    text = content[:_MAX_BODY].decode("utf-8", "replace")
    cut = f"... ({len(content)} bytes)" if len(content) > _MAX_BODY else ""
    return redact(text) + cut


class Trace:
    """Appends exchanges to ``path`` (thread-safe; one line per exchange)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser()
        # Owner-only: it holds numbers and SMS codes (never keys).
        private_file(self.path)
        self._lock = threading.Lock()

    def record(
        self,
        request: httpx.Request,
        response: httpx.Response | None,
        error: BaseException | None,
        seconds: float,
    ) -> None:
        entry: dict[str, Any] = {
            "at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
            "seconds": round(seconds, 4),
            "request": {
                "method": request.method,
                "url": redact(str(request.url)),
                "headers": _headers(request.headers),
                "body": _body(request.content),
            },
        }
        if response is not None:
            entry["response"] = {
                "status": response.status_code,
                "headers": _headers(response.headers),
                "body": _body(response.content),
            }
        if error is not None:
            entry["error"] = redact(f"{type(error).__name__}: {error}")
        line = json.dumps(entry, ensure_ascii=False)
        with self._lock, self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


class _Replay(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body already received, streamed again (httpx reads a plain byte body at once)."""

    def __init__(self, raw: bytes) -> None:
        self._raw = raw

    def __iter__(self) -> Iterator[bytes]:
        yield self._raw

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self._raw


def _unread(request: httpx.Request, response: httpx.Response, raw: bytes) -> httpx.Response:
    """``response`` again with its raw body, unread: the client streams it as if it came from
    the wire (decoding it once), so tracing changes nothing of what the client sees."""
    return httpx.Response(
        response.status_code,
        headers=response.headers,
        stream=_Replay(raw),
        request=request,
        extensions=response.extensions,
    )


def _read(request: httpx.Request, response: httpx.Response, raw: bytes) -> httpx.Response:
    """A copy of ``response`` with its body read (decoded), for the trace."""
    copy = _unread(request, response, raw)
    copy.read()
    return copy


class TracingTransport(httpx.BaseTransport):
    """``inner`` (default: httpx's own), with every exchange written to ``trace``."""

    def __init__(self, trace: Trace, inner: httpx.BaseTransport | None = None) -> None:
        self.trace = trace
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        try:
            response = self.inner.handle_request(request)
            try:
                raw = b"".join(response.iter_raw())
            finally:
                response.close()
        except BaseException as error:
            self.trace.record(request, None, error, time.monotonic() - started)
            raise
        self.trace.record(request, _read(request, response, raw), None, time.monotonic() - started)
        return _unread(request, response, raw)

    def close(self) -> None:
        self.inner.close()


class AsyncTracingTransport(httpx.AsyncBaseTransport):
    """The async ``TracingTransport``."""

    def __init__(self, trace: Trace, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.trace = trace
        self.inner = inner or httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        try:
            response = await self.inner.handle_async_request(request)
            try:
                raw = b"".join([chunk async for chunk in response.aiter_raw()])
            finally:
                await response.aclose()
        except BaseException as error:
            self.trace.record(request, None, error, time.monotonic() - started)
            raise
        self.trace.record(request, _read(request, response, raw), None, time.monotonic() - started)
        return _unread(request, response, raw)

    async def aclose(self) -> None:
        await self.inner.aclose()
