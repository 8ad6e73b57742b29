"""One sandbox per module (throttle off) serving the demo site, and its clients."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

import otpkit
import otpkit.sandbox
from otpkit.sandbox import Sandbox

SETTINGS = {"call_timeout": 5.0, "request_timeout": 2.0, "timeout": 10.0}
#: What to rent per provider, and the region its numbers are in.
PRODUCT = {"jesusnumber": ("whatsapp", None), "sanalnumara": ("whatsapp", "Turkey")}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with otpkit.sandbox.run(throttle=None) as running:
        yield running


@pytest.fixture(scope="module")
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url, timeout=5.0, trust_env=False) as client:
        yield client


@pytest.fixture(params=["jesusnumber", "sanalnumara"])
def provider(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def client(sandbox: Sandbox, provider: str) -> Iterator[otpkit.Client]:
    """A client of a fresh account of ``provider`` (journaled in the test's own journal)."""
    with otpkit.connect(
        provider,
        api_key=sandbox.new_api_key(provider),  # type: ignore[arg-type]
        base_url=sandbox.base_url,
        settings=otpkit.Settings(**SETTINGS),  # type: ignore[arg-type]
    ) as connected:
        yield connected


def rent(client: otpkit.Client) -> otpkit.Rental:
    """A rental of the demo's product at the client's provider."""
    query, country = PRODUCT[client.provider_name]
    return client.rent(client.find_product(query, country=country))
