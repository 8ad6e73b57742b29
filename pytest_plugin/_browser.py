"""``browser_type_launch_args`` for pytest-playwright: a Chromium that exists on this machine.

pytest-playwright launches only Playwright's own browser build, which fails on machines that
have just a system Chromium. Registered (from ``pytest_configure``) only when pytest-playwright
is loaded, this fixture extends pytest-playwright's own with
:func:`otpkit.playwright.launch_options` (Playwright's build where installed, else the system
Chromium; ``OTPKIT_BROWSER`` wins).

It steps aside when the run chose its browser itself: ``--browser-channel``, an
``executable_path`` given, or ``--browser`` naming another engine. A ``browser_type_launch_args``
fixture in a conftest.py overrides this one, as any conftest fixture overrides a plugin's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

__all__ = ["browser_type_launch_args"]


@pytest.fixture(scope="session")
def browser_type_launch_args(
    browser_type_launch_args: dict[str, Any],
    pytestconfig: pytest.Config,
    request: pytest.FixtureRequest,
) -> dict[str, Any]:
    """pytest-playwright's launch arguments, plus the Chromium otpkit finds."""
    base = dict(browser_type_launch_args)
    # Per-test arguments (parametrize(..., indirect=True)) arrive here, this fixture being the
    # one requested; pytest-playwright's gives them precedence, so do we.
    param = getattr(request, "param", None)
    if isinstance(param, Mapping):
        base.update(param)
    engines = pytestconfig.getoption("--browser", default=None) or ["chromium"]
    if "channel" in base or "executable_path" in base or set(engines) != {"chromium"}:
        return base
    from otpkit._browser import launch_options

    found = launch_options(bool(base.get("headless", True)))
    args = [*base.get("args", []), *(a for a in found["args"] if a not in base.get("args", []))]
    return {**found, **base, "args": args}
