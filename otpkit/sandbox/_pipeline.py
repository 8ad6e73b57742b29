"""The path every provider request takes: count, throttle, fault, handle, encode."""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import anyio
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from otpkit.sandbox._engine import Engine
from otpkit.sandbox._faults import ERROR_PAGE, HTML_PAGE
from otpkit.sandbox._json import dumps
from otpkit.sandbox._models import EndpointName
from otpkit.sandbox._state import SandboxState
from otpkit.sandbox._throttle import Verdict

__all__ = ["Call", "Reply", "install_log_filter", "provider_route"]

_JSON = "application/json"
_DROPPING: contextvars.ContextVar[bool] = contextvars.ContextVar("_DROPPING", default=False)


@dataclass(frozen=True)
class Reply:
    """What a handler answers: an HTTP status and a JSON-able body."""

    status: int
    body: object
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Call:
    """One request as a handler sees it: path values, input fields, the presented key."""

    path: dict[str, str]
    fields: dict[str, Any]
    api_key: str | None


#: Runs under the state lock, so a handler's reads, writes and rendering are one step.
Handler = Callable[[SandboxState, Call], Reply]
KeyOf = Callable[[Request], "str | None"]


def provider_route(
    path: str,
    name: EndpointName,
    handler: Handler,
    *,
    key_of: KeyOf,
    refusal: Callable[[], Reply],
    methods: tuple[str, ...] = ("GET",),
) -> Route:
    """A route of a simulated provider; ``refusal`` is its answer to a ``refuse_cancel`` fault."""

    async def endpoint(request: Request) -> Response:
        engine: Engine = request.app.state.engine
        key = key_of(request)
        identity = key or f"ip:{request.client.host if request.client else 'unknown'}"
        engine.stats.request(name, identity)
        verdict = engine.throttle.hit(identity)
        if not verdict.allowed:
            engine.stats.throttled(identity)
            engine.stats.status(429)
            return _too_many(verdict, engine.clock.now().timestamp())
        if engine.faults.route_missing(name):
            engine.stats.status(404)
            return _unknown_route(request)
        fault = engine.faults.take(name, identity)
        kind = fault.kind if fault is not None else None
        if kind is not None:
            engine.stats.fault(kind)
        # These two stand for a proxy answering instead of the application: nothing happens.
        if kind == "500":
            engine.stats.status(500)
            return Response(ERROR_PAGE, 500, media_type="text/html")
        if kind == "non_json":
            engine.stats.status(200)
            return Response(HTML_PAGE, 200, media_type="text/html")
        if kind == "429" and fault is not None:
            # Laravel's throttle, told to ask for ``seconds`` (default 30) before the next try.
            engine.stats.status(429)
            retry_after = int(fault.seconds if fault.seconds is not None else 30)
            return Response(
                dumps({"message": "Too Many Attempts."}),
                429,
                media_type=_JSON,
                headers={"Retry-After": str(retry_after), "X-RateLimit-Remaining": "0"},
            )
        try:
            fields = await _fields(request)
        except ClientDisconnect:
            return Response(status_code=499)  # nobody left to answer
        if kind == "slow" and fault is not None:
            # The request was received: what it does still happens if the client gives up.
            await anyio.sleep(fault.seconds or 0.0)
        if kind == "refuse_cancel":
            reply = refusal()
            if fault is not None and fault.message is not None and isinstance(reply.body, dict):
                reply = Reply(reply.status, {**reply.body, "message": fault.message})
        else:
            call = Call(dict(request.path_params), fields, key)
            with engine.state.lock:
                reply = handler(engine.state, call)
            engine.pump()
        body = dumps(engine.faults.without_dropped_fields(name, reply.body))
        if kind == "truncated_json":
            body = body[: len(body) // 2]
        headers = dict(reply.headers)
        if verdict.limit is not None:
            headers["X-RateLimit-Limit"] = str(verdict.limit)
            headers["X-RateLimit-Remaining"] = str(verdict.remaining)
        if kind == "drip" and fault is not None:
            engine.stats.status(reply.status)
            return _dripped(body, fault.seconds or 0.5, reply.status, headers)
        response = Response(body, reply.status, media_type=_JSON, headers=headers)
        if kind == "drop":
            engine.stats.status("dropped")
            return _Dropped(response)
        engine.stats.status(reply.status)
        return response

    return Route(path, endpoint, methods=list(methods), name=name)


def _dripped(data: bytes, every: float, status: int, headers: dict[str, str]) -> Response:
    """The headers at once, then the body a byte every ``every`` seconds: a reply that never
    stalls long enough for a read timeout, yet takes as long as it likes."""

    async def dribble() -> Any:
        for index in range(len(data)):
            yield data[index : index + 1]
            await anyio.sleep(every)

    return StreamingResponse(dribble(), status, media_type=_JSON, headers=headers)


def _unknown_route(request: Request) -> Response:
    """What Laravel answers for a route it does not have."""
    path = request.url.path.lstrip("/")
    body = {"message": f"The route {path} could not be found."}
    return Response(dumps(body), 404, media_type=_JSON)


def _too_many(verdict: Verdict, now: float) -> Response:
    return Response(
        dumps({"message": "Too Many Attempts."}),
        429,
        media_type=_JSON,
        headers={
            "Retry-After": str(verdict.retry_after),
            "X-RateLimit-Limit": str(verdict.limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(int(now) + (verdict.reset_in or 0)),
        },
    )


async def _fields(request: Request) -> dict[str, Any]:
    """Query and body input merged, as Laravel's ``$request->input()`` sees it."""
    fields: dict[str, Any] = dict(request.query_params)
    if request.method in ("GET", "HEAD"):
        return fields
    raw = await request.body()
    content_type = request.headers.get("content-type", "")
    if "json" in content_type:
        try:
            payload = json.loads(raw or b"null")
        except ValueError:
            payload = None
        if isinstance(payload, dict):
            fields.update(payload)
    elif "x-www-form-urlencoded" in content_type:
        fields.update(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    return fields


class _Dropped(Response):
    """Sends the headers and half the body, then ends: the connection is cut mid-reply."""

    def __init__(self, inner: Response) -> None:
        super().__init__(inner.body, inner.status_code, media_type=inner.media_type)
        self.raw_headers = list(inner.raw_headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Read by the log filter: the server's complaint about the cut reply is expected.
        _DROPPING.set(True)
        start = {"type": "http.response.start", "status": self.status_code}
        await send({**start, "headers": self.raw_headers})
        half = bytes(self.body[: len(self.body) // 2])
        await send({"type": "http.response.body", "body": half, "more_body": True})


class _DropLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (_DROPPING.get() and "without completing response" in str(record.msg))


def install_log_filter() -> None:
    """Silence uvicorn's error line for replies cut on purpose (and only those)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DropLogFilter) for f in logger.filters):
        logger.addFilter(_DropLogFilter())
