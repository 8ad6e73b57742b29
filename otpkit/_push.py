"""The waiter's side of push delivery: long-polls a webhook receiver's inbox over HTTP.

Used the same way from the receiver's own process and from any other (pytest-xdist workers), so
there is one mechanism, not two. Never sees an API key. The inbox wants its own credential (not
the callback's secret), sent as an ``Authorization: Bearer`` header so it stays out of URLs and
the logs they end up in.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import httpx

from otpkit._extract import choose_code
from otpkit._models import Message
from otpkit.providers._parsing import as_datetime, as_text

__all__ = ["Inbox", "InboxAddress", "InboxSource", "PushInbox"]

# The receiver answers a long poll when its time is up; a little slack covers the trip back,
# and no more: a wait must end at its deadline even when the receiver hangs.
_SLACK = 0.5


class Inbox(Protocol):
    """Where a waiter hears of its order's SMS: this HTTP inbox, or Redis across machines."""

    def messages(self, order_id: str) -> list[Message]: ...

    def watch(self, order_id: str) -> None: ...

    async def watch_async(self, order_id: str) -> None: ...

    def wait(self, order_id: str, seconds: float) -> None: ...

    async def wait_async(self, order_id: str, seconds: float) -> None: ...


@runtime_checkable
class InboxSource(Protocol):
    """Where a receiver's inbox is and the token it wants: a ``WebhookReceiver``, or an
    ``InboxAddress`` handed from the process that started the receiver."""

    @property
    def inbox_url(self) -> str: ...

    @property
    def inbox_token(self) -> str: ...


@dataclass(frozen=True)
class InboxAddress:
    """A receiver's inbox URL and its token, as another process of the run learns them."""

    inbox_url: str
    inbox_token: str = field(repr=False)


class PushInbox:
    """Messages pushed for the orders this process watches, from the receiver's inbox at
    ``url``; ``token`` is the inbox's credential (``receiver.inbox_token``)."""

    def __init__(self, url: str, *, token: str | None = None) -> None:
        self.url = url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._seen: dict[str, list[Message]] = {}
        self._sync: httpx.Client | None = None
        # One async client per event loop: an httpx.AsyncClient belongs to the loop it ran on.
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
            weakref.WeakKeyDictionary()
        )

    def __repr__(self) -> str:
        return "<PushInbox>"  # its headers hold the inbox's token

    def messages(self, order_id: str) -> list[Message]:
        """What was pushed for ``order_id`` so far (no I/O)."""
        return list(self._seen.get(order_id, []))

    def _store(self, order_id: str, response: httpx.Response) -> None:
        if response.status_code != 200:
            return
        try:
            rows = response.json().get("messages", [])
        except (ValueError, AttributeError):
            return
        if isinstance(rows, list):
            self._seen[order_id] = [m for m in map(_message, rows) if m is not None]

    def _long_poll(self, order_id: str, seconds: float) -> dict[str, Any]:
        """The GET that returns as soon as a message newer than those seen is pushed."""
        return {
            "url": f"{self.url}/{order_id}",
            "params": {
                "after": len(self._seen.get(order_id, [])),
                "timeout": f"{max(seconds, 0.0):.3f}",
            },
            "timeout": seconds + _SLACK,
        }

    def _left_to_sleep(self, order_id: str, before: int, started: float, seconds: float) -> float:
        # Nothing pushed: the receiver may be away or refusing us; never poll faster for it.
        if len(self._seen.get(order_id, [])) > before:
            return 0.0
        return max(0.0, seconds - (time.monotonic() - started))

    # -- sync ----------------------------------------------------------------------------------

    def _client(self) -> httpx.Client:
        if self._sync is None:
            self._sync = httpx.Client(timeout=httpx.Timeout(5.0, read=None), headers=self._headers)
        return self._sync

    def watch(self, order_id: str) -> None:
        """Tell the receiver this order is ours, so its SMS are kept for us."""
        self._seen.setdefault(order_id, [])
        with contextlib.suppress(httpx.HTTPError):  # polling the provider still finds the SMS
            self._client().put(f"{self.url}/{order_id}")

    def wait(self, order_id: str, seconds: float) -> None:
        """Sleep up to ``seconds``, returning early when an SMS is pushed for ``order_id``."""
        started, before = time.monotonic(), len(self._seen.get(order_id, []))
        with contextlib.suppress(httpx.HTTPError):
            self._store(order_id, self._client().get(**self._long_poll(order_id, seconds)))
        time.sleep(self._left_to_sleep(order_id, before, started, seconds))

    # -- async ---------------------------------------------------------------------------------

    def _async_client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._async.get(loop)
        if client is None:
            client = self._async[loop] = httpx.AsyncClient(
                timeout=httpx.Timeout(5.0, read=None), headers=self._headers
            )
        return client

    async def watch_async(self, order_id: str) -> None:
        """``watch`` for async code."""
        self._seen.setdefault(order_id, [])
        with contextlib.suppress(httpx.HTTPError):
            await self._async_client().put(f"{self.url}/{order_id}")

    async def wait_async(self, order_id: str, seconds: float) -> None:
        """``wait`` for async code."""
        started, before = time.monotonic(), len(self._seen.get(order_id, []))
        with contextlib.suppress(httpx.HTTPError):
            response = await self._async_client().get(**self._long_poll(order_id, seconds))
            self._store(order_id, response)
        await asyncio.sleep(self._left_to_sleep(order_id, before, started, seconds))

    def close(self) -> None:
        """Close the sync connections (async ones close with their event loop)."""
        if self._sync is not None:
            self._sync.close()


def _message(row: Any) -> Message | None:
    if not isinstance(row, dict):
        return None
    text = as_text(row.get("sms"))
    if text is None:
        return None
    return Message(
        text=text,
        code=choose_code(None, text),
        sender=as_text(row.get("sender")),
        received_at=as_datetime(row.get("received_at")),
    )
