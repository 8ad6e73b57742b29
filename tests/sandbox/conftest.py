"""One sandbox per test session (throttle off), isolated accounts per test, raw HTTP clients."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

import otpkit.sandbox
from otpkit.sandbox import Sandbox
from tests.sandbox.helpers import JN, SN


@pytest.fixture(scope="session")
def session_sandbox() -> Iterator[Sandbox]:
    with otpkit.sandbox.run(throttle=None, seed=20261127) as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(session_sandbox: Sandbox) -> Iterator[Sandbox]:
    """The shared sandbox; settings a test changes are put back afterwards."""
    yield session_sandbox
    session_sandbox.clear_faults()
    session_sandbox.set_throttle(None)
    session_sandbox.set_auto_deliver(None)


@pytest.fixture(scope="session")
def session_http(session_sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=session_sandbox.base_url, timeout=5.0, trust_env=False) as client:
        yield client


@pytest.fixture
def http(sandbox: Sandbox, session_http: httpx.Client) -> httpx.Client:
    return session_http


@pytest.fixture
def jn_key(sandbox: Sandbox) -> str:
    return sandbox.new_api_key("jesusnumber")


@pytest.fixture
def sn_key(sandbox: Sandbox) -> str:
    return sandbox.new_api_key("sanalnumara")


@pytest.fixture
def jn(http: httpx.Client, jn_key: str) -> JN:
    return JN(http, jn_key)


@pytest.fixture
def sn(http: httpx.Client, sn_key: str) -> SN:
    return SN(http, sn_key)
