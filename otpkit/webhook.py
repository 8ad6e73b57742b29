"""Push delivery: receive jesusnumber's ``incoming_message`` callbacks and wake waiting rentals.

One receiver serves a whole run. The provider POSTs each SMS to ``<url>/api/callback``; waiters
(in this process or in pytest-xdist workers) long-poll the receiver's inbox over loopback HTTP,
so they hear of their order's SMS within milliseconds wherever they run. Polling the provider
goes on slowly as a safety net.

>>> with otpkit.webhook.run(port=8765, secret="s3cret") as receiver:  # doctest: +SKIP
...     print(receiver.callback_url)   # configure this URL at the provider
...     client = otpkit.connect("jesusnumber", push=receiver)

Bad or forged requests get a 4xx and never reach a waiter: a body over 64 KiB (413), not JSON
or nested too deep (415/400), an unknown event (422), an order no waiter rented (404), and,
with a shared ``secret``, a callback path without it (404). A request that has not fully
arrived within ``READ_DEADLINE`` seconds is dropped, and past ``MAX_CONNECTIONS`` requests
get a 503, so slow clients cannot pile up.

The inbox that waiters read (``inbox_url``) has its own credential, ``inbox_token``, sent as
``Authorization: Bearer``: neither the callback's secret nor anything else opens it, and the
token is never printed. Listening beyond loopback needs a ``secret``.

With a ``coordinator`` (``OTPKIT_COORDINATOR``), the receiver also publishes each SMS to Redis,
where waiters on every machine of the run read it: one receiver serves them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from otpkit._errors import ConfigurationError, OtpkitError
from otpkit._serving import BackgroundServer, is_loopback, wait_until_stopped, write_atomically

__all__ = [
    "MAX_BODY",
    "MAX_CONNECTIONS",
    "READ_DEADLINE",
    "Relay",
    "WebhookReceiver",
    "create_app",
    "run",
    "serve",
]

#: The largest callback body accepted; a real SMS callback is a few hundred bytes.
MAX_BODY = 64 * 1024
#: The longest a waiter's long poll is held open.
MAX_LONG_POLL = 30.0
#: Seconds a request's headers and body may take to arrive (a callback takes milliseconds).
READ_DEADLINE = 10.0
#: Requests served at once (long polls included: one per waiting rental); more get a 503.
MAX_CONNECTIONS = 512


@dataclass
class _Inbox:
    """Messages per watched order; lives on the server's event loop."""

    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    changed: asyncio.Condition | None = None

    def condition(self) -> asyncio.Condition:
        if self.changed is None:
            self.changed = asyncio.Condition()
        return self.changed


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"success": False, "message": detail}, status_code=status)


def _text(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (str, int)):
        return str(value)
    return None


class Relay(Protocol):
    """Where the receiver also publishes each SMS, for waiters on other machines."""

    async def publish(self, order_id: str, entry: dict[str, Any]) -> bool:
        """Whether a waiter anywhere watches the order (it then has the SMS); an
        ``OtpkitError`` when that cannot be known."""


def create_app(
    secret: str | None = None, relay: Relay | None = None, *, inbox_token: str | None = None
) -> Starlette:
    """The receiver's ASGI app; with ``secret`` the callback sits under ``/<secret>``; with
    ``relay`` each SMS is also published there. The inbox answers only requests bearing
    ``inbox_token`` (without one, none)."""
    if inbox_token is not None and secret is not None and inbox_token == secret:
        raise ConfigurationError("the inbox token must differ from the webhook secret")
    inbox = _Inbox()
    wanted = f"Bearer {inbox_token}".encode() if inbox_token else None

    def authorised(request: Request) -> bool:
        given = request.path_params.get("secret", "")
        return secret is None or hmac.compare_digest(str(given), secret)

    def may_read(request: Request) -> bool:
        given = request.headers.get("authorization", "").encode()
        return wanted is not None and hmac.compare_digest(given, wanted)

    def refused() -> Response:
        response = _problem(401, "the inbox wants its token (Authorization: Bearer)")
        response.headers["WWW-Authenticate"] = "Bearer"
        return response

    async def callback(request: Request) -> Response:
        if not authorised(request):
            return _problem(404, "not found")
        kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if kind != "application/json":
            return _problem(415, "expected an application/json body")
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
            return _problem(413, f"body over {MAX_BODY} bytes")
        body = b""
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY:
                    return _problem(413, f"body over {MAX_BODY} bytes")
        except ClientDisconnect:  # gone (or dropped by the read deadline): no one to answer
            return _problem(400, "the body did not arrive")
        try:
            payload = json.loads(body)
        except RecursionError:  # "[" * 60000: deeper than any callback, not a server error
            return _problem(400, "body is nested too deeply")
        except (ValueError, UnicodeDecodeError):
            return _problem(400, "body is not valid JSON")
        if not isinstance(payload, dict) or payload.get("event") != "incoming_message":
            return _problem(422, "unknown event (expected 'incoming_message')")
        message = payload.get("message")
        order_id = _text(message.get("order_id")) if isinstance(message, dict) else None
        sms = _text(message.get("sms")) if isinstance(message, dict) else None
        if not isinstance(message, dict) or order_id is None or sms is None:
            return _problem(422, "message.order_id and message.sms are required")
        entry = {
            "sms": sms,
            "sender": _text(message.get("sender")),
            "number": _text(message.get("number")),
            "service": _text(message.get("service")),
            "received_at": time.time(),
        }
        here, relayed = order_id in inbox.messages, False
        if relay is not None:
            try:
                relayed = await relay.publish(order_id, entry)
            except OtpkitError:
                if not here:  # waiters elsewhere may miss it: a retry by the provider may help
                    return _problem(503, "the coordinator is unreachable")
        if not here and not relayed:
            return _problem(404, "no waiter rented this order")
        if here:
            changed = inbox.condition()
            async with changed:
                inbox.messages[order_id].append(entry)
                changed.notify_all()
        return JSONResponse({"success": True, "message": "stored"})

    async def watch(request: Request) -> Response:
        if not may_read(request):
            return refused()
        inbox.messages.setdefault(str(request.path_params["order_id"]), [])
        return JSONResponse({"success": True})

    async def messages(request: Request) -> Response:
        if not may_read(request):
            return refused()
        order_id = str(request.path_params["order_id"])
        try:
            after = int(request.query_params.get("after", "0"))
            wait = min(float(request.query_params.get("timeout", "0")), MAX_LONG_POLL)
        except ValueError:
            return _problem(400, "after and timeout must be numbers")
        # Asking also watches: a receiver restarted mid-run learns its waiters again.
        inbox.messages.setdefault(order_id, [])
        changed = inbox.condition()
        async with changed:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(
                    changed.wait_for(lambda: len(inbox.messages.get(order_id, [])) > after),
                    timeout=max(wait, 0.0),
                )
            found = list(inbox.messages.get(order_id, []))
        return JSONResponse({"order_id": order_id, "messages": found})

    prefix = "/{secret}" if secret is not None else ""
    return Starlette(
        routes=[
            Route(f"{prefix}/api/callback", callback, methods=["POST"]),
            # Not under the secret: the inbox has its own credential, and its URL then says
            # nothing of the callback's.
            Route("/_otpkit/inbox/{order_id}", watch, methods=["PUT"]),
            Route("/_otpkit/inbox/{order_id}", messages, methods=["GET"]),
        ]
    )


class WebhookReceiver:
    """A running receiver: ``callback_url`` for the provider; ``inbox_url`` and
    ``inbox_token`` for waiters (``otpkit.connect(..., push=receiver)`` uses both)."""

    def __init__(
        self, server: BackgroundServer | None, base_url: str, secret: str | None, inbox_token: str
    ) -> None:
        self._server = server
        root = base_url.rstrip("/")
        self.callback_url = f"{root}/{secret}/api/callback" if secret else f"{root}/api/callback"
        self.inbox_url = f"{root}/_otpkit/inbox"
        self.inbox_token = inbox_token
        #: The address actually listened on (``0.0.0.0:8765``: every interface).
        self.listening = server.listening if server is not None else root

    def __repr__(self) -> str:
        return "<WebhookReceiver>"  # the callback URL may hold the secret; the token is one


def _relay(coordinator: str | None) -> Relay | None:
    if not coordinator:
        return None
    # Imported here: only a receiver with a coordinator loads redis.
    from otpkit._redis import Coordinator, RedisRelay

    return RedisRelay(Coordinator.shared(coordinator))


def refuse_open_bind(host: str, secret: str | None) -> None:
    """``ConfigurationError`` when ``host`` reaches beyond this machine and no secret guards
    the callback: anyone on the network could then push a code."""
    if secret is None and not is_loopback(host):
        raise ConfigurationError(
            f"listening on {host or '*'} reaches beyond this machine: set "
            "OTPKIT_WEBHOOK_SECRET (e.g. $(openssl rand -hex 16)) first, or listen on 127.0.0.1"
        )


@contextmanager
def run(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    secret: str | None = None,
    coordinator: str | None = None,
    inbox_token: str | None = None,
) -> Iterator[WebhookReceiver]:
    """Run a receiver on a background thread for the duration of the ``with`` block; with
    ``coordinator`` (a ``redis://`` URL) it publishes each SMS to waiters on every machine.

    ``inbox_token`` is the inbox's credential (default: a fresh random one); a ``host`` beyond
    loopback needs a ``secret`` (``ConfigurationError`` otherwise)."""
    refuse_open_bind(host, secret)
    token = inbox_token or secrets.token_urlsafe(32)
    app = create_app(secret, _relay(coordinator), inbox_token=token)
    with BackgroundServer(
        app,
        host,
        port,
        name="webhook",
        read_deadline=READ_DEADLINE,
        limit_concurrency=MAX_CONNECTIONS,
    ) as server:
        yield WebhookReceiver(server, server.base_url, secret, token)


def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    secret: str | None = None,
    ready_file: Path | None = None,
    coordinator: str | None = None,
    inbox_token: str | None = None,
) -> None:
    """Run a receiver in the foreground until interrupted (``otpkit webhook serve``).

    ``ready_file`` gets, owner-only, a JSON object: ``inbox``, ``inbox_token`` and ``callback``
    (the way a process that started the receiver learns them); the token is never printed."""
    with run(
        host, port, secret=secret, coordinator=coordinator, inbox_token=inbox_token
    ) as receiver:
        if ready_file is not None:
            shared = {
                "inbox": receiver.inbox_url,
                "inbox_token": receiver.inbox_token,
                "callback": receiver.callback_url,
            }
            write_atomically(ready_file, json.dumps(shared))
        path = "/<secret>/api/callback" if secret else "/api/callback"
        everywhere = receiver.listening.rsplit(":", 1)[0] in ("0.0.0.0", "[::]")
        where = " (every interface: give the provider this machine's address)" if everywhere else ""
        print(f"receiving callbacks at http://{receiver.listening}{path}{where}", flush=True)
        wait_until_stopped()
