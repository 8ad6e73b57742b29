"""Start the app under test (``app.py``) for the run, pointed at the sandbox or at Twilio.

Against otpkit's sandbox (no money, no accounts):

    pytest examples/twilio_signup --otp-sandbox

The sandbox is the provider *and* the app's SMS gateway: the app's Twilio SDK sends to
``OTPKIT_SANDBOX_URL``, which the plugin sets. Against a real provider and real Twilio, only
the environment changes:

    export OTPKIT_PROVIDER=jesusnumber OTPKIT_API_KEY=... OTPKIT_PRODUCT=whatsapp
    export TWILIO_ACCOUNT_SID=AC... TWILIO_AUTH_TOKEN=... TWILIO_FROM=+1...
    pytest examples/twilio_signup
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from otpkit.playwright import launch_options

APP = Path(__file__).with_name("app.py")
#: Made-up credentials: the sandbox accepts any and checks none.
SANDBOX_TWILIO = {
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "sandbox",
    "TWILIO_FROM": "+15005550006",
}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    # Playwright's own browser where installed, else a system Chromium (OTPKIT_BROWSER wins).
    return {**browser_type_launch_args, **launch_options()}


def _app_env() -> dict[str, str]:
    env = dict(os.environ)
    sandbox = env.get("OTPKIT_SANDBOX_URL")
    if sandbox:
        env = {**env, **SANDBOX_TWILIO, "TWILIO_API_BASE_URL": sandbox}
        env.pop("TWILIO_MESSAGING_SERVICE_SID", None)
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The sign-up app, started for this test process."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("app") / "app.log"
    with log.open("wb") as output:
        app = subprocess.Popen(
            [sys.executable, str(APP)],
            env={**_app_env(), "PORT": str(port)},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(url, timeout=1.0, trust_env=False)
                break
            except httpx.TransportError:
                if app.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the app did not start:\n{log.read_text()}", pytrace=False)
                time.sleep(0.05)
        yield url
    finally:
        app.terminate()
        app.wait(10)
