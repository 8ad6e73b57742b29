"""A trace of every HTTP exchange, API keys masked, for a bug report (``OTPKIT_TRACE=PATH``).

One JSON object a line: the request (method, URL, headers, body) and the reply (status,
headers, body) or the transport error, with the time it took. Written by a transport wrapper,
so it sees exactly what went over the wire, for the sync and the async driver alike.
"""

from __future__ import annotations

import json
import threading
import time
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


class TracingTransport(httpx.BaseTransport):
    """``inner`` (default: httpx's own), with every exchange written to ``trace``."""

    def __init__(self, trace: Trace, inner: httpx.BaseTransport | None = None) -> None:
        self.trace = trace
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        try:
            response = self.inner.handle_request(request)
            response.read()
        except BaseException as error:
            self.trace.record(request, None, error, time.monotonic() - started)
            raise
        self.trace.record(request, response, None, time.monotonic() - started)
        return response

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
            await response.aread()
        except BaseException as error:
            self.trace.record(request, None, error, time.monotonic() - started)
            raise
        self.trace.record(request, response, None, time.monotonic() - started)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
