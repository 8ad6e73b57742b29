"""A sandbox of its own for the fault matrix: real clients over loopback HTTP, one account each."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import otpkit.sandbox


@pytest.fixture(scope="session")
def sandbox() -> Iterator[otpkit.sandbox.Sandbox]:
    with otpkit.sandbox.run(throttle=None, seed=8) as running:
        yield running


@pytest.fixture(autouse=True)
def _clean_sandbox(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "sandbox" in request.fixturenames:
        running: otpkit.sandbox.Sandbox = request.getfixturevalue("sandbox")
        running.clear_faults()
        running.set_auto_deliver(None)
        running.set_throttle(None)
