"""The real clients against the real sandbox over loopback HTTP; one account per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import otpkit
import otpkit.sandbox

# Retries must finish well inside a test, yet survive a 429 with a short Retry-After.
SETTINGS = {"call_timeout": 5.0, "request_timeout": 2.0, "timeout": 10.0}


@pytest.fixture(scope="session")
def sandbox() -> Iterator[otpkit.sandbox.Sandbox]:
    with otpkit.sandbox.run(throttle=None, seed=7) as running:
        yield running


@pytest.fixture(autouse=True)
def _clean_faults(sandbox: otpkit.sandbox.Sandbox) -> Iterator[None]:
    yield
    sandbox.clear_faults()
    sandbox.set_auto_deliver(None)
    sandbox.set_throttle(None)


def connect(sandbox: otpkit.sandbox.Sandbox, provider: str, **options: object) -> otpkit.Client:
    """A client of a fresh sandbox account of ``provider``."""
    return otpkit.connect(
        provider,
        api_key=sandbox.new_api_key(provider),  # type: ignore[arg-type]
        base_url=sandbox.base_url,
        settings=otpkit.Settings(**SETTINGS),  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )


def connect_async(
    sandbox: otpkit.sandbox.Sandbox, provider: str, **options: object
) -> otpkit.AsyncClient:
    """An async client of a fresh sandbox account of ``provider``."""
    return otpkit.connect_async(
        provider,
        api_key=sandbox.new_api_key(provider),  # type: ignore[arg-type]
        base_url=sandbox.base_url,
        settings=otpkit.Settings(**SETTINGS),  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )


@pytest.fixture(params=["jesusnumber", "sanalnumara"])
def provider(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def client(sandbox: otpkit.sandbox.Sandbox, provider: str) -> Iterator[otpkit.Client]:
    with connect(sandbox, provider) as connected:
        yield connected


PRODUCT = otpkit.sandbox.IN_STOCK


def product_of(client: otpkit.Client | otpkit.AsyncClient) -> tuple[str, str | None]:
    """A product name (and country) that is in stock at the sandbox for this provider."""
    return PRODUCT[client.provider_name]
