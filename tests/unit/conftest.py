"""Protocol tests at the transport level: respx answers, the real clients run, sync and async."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any, Literal

import pytest
import respx

import otpkit

JN_BASE = "https://jn.test"
SN_BASE = "https://sn.test"
JN_KEY = "jn-unit-secret-key-123"
SN_KEY = "sn-unit-secret-key-456"
KEYED_SN = f"/api/{SN_KEY}"


def fast() -> otpkit.Settings:
    """Short call budgets, so that tests of exhausted retries stay quick (read at call time,
    so the per-test journal set in the environment is used)."""
    return otpkit.Settings(call_timeout=0.8, request_timeout=2.0)


class Harness:
    """Calls one client method the sync or the async way, with the same arguments."""

    def __init__(
        self,
        mode: str,
        provider: str,
        key: str,
        base_url: str,
        settings: Callable[[], otpkit.Settings] = fast,
        journal: Literal[False] | None = None,
    ) -> None:
        self.mode, self.provider, self.key, self.base_url = mode, provider, key, base_url
        self.settings, self.journal = settings, journal

    def patient(self) -> Harness:
        """The same harness with a call budget long enough to wait out a Retry-After."""
        return Harness(self.mode, self.provider, self.key, self.base_url, otpkit.Settings)

    def unjournaled(self) -> Harness:
        """The same harness without a journal: a lost order is not looked for."""
        return Harness(self.mode, self.provider, self.key, self.base_url, self.settings, False)

    def connect(self) -> otpkit.Client:
        return otpkit.connect(
            self.provider,
            api_key=self.key,
            base_url=self.base_url,
            settings=self.settings(),
            journal=self.journal,
        )

    def __call__(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self.mode == "sync":
            with self.connect() as client:
                result = getattr(client, method)(*args, **kwargs)
                return list(result) if method == "iter_orders" else result

        async def go() -> Any:
            async with otpkit.connect_async(
                self.provider,
                api_key=self.key,
                base_url=self.base_url,
                settings=self.settings(),
                journal=self.journal,
            ) as client:
                if method == "iter_orders":
                    return [order async for order in client.iter_orders(*args, **kwargs)]
                return await getattr(client, method)(*args, **kwargs)

        return asyncio.run(go())


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def jn(mode: str) -> Harness:
    return Harness(mode, "jesusnumber", JN_KEY, JN_BASE)


@pytest.fixture
def sn(mode: str) -> Harness:
    return Harness(mode, "sanalnumara", SN_KEY, SN_BASE)


@pytest.fixture
def jn_api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=JN_BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture
def sn_api() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=SN_BASE, assert_all_called=False) as router:
        yield router


def ok(data: Any, message: str = "OK") -> dict[str, Any]:
    """A jesusnumber success envelope."""
    return {"success": True, "message": message, "data": data}


def fail(message: str) -> dict[str, Any]:
    """A jesusnumber refusal envelope."""
    return {"success": False, "message": message, "data": None}
