"""An E2E sign-up suite: pytest-playwright's ``page`` plus otpkit's ``phone_number`` and ``otp``.

Run it against otpkit's sandbox and its demo site (no money, no account needed):

    pytest examples/pytest_signup --otp-sandbox -n 4

or against a real provider and your own sign-up page:

    export OTPKIT_PROVIDER=jesusnumber OTPKIT_API_KEY=... OTPKIT_PRODUCT=whatsapp
    SIGNUP_URL=https://staging.example/signup pytest examples/pytest_signup -n 4
"""

from __future__ import annotations

import os

import pytest

import otpkit


@pytest.fixture(scope="session")
def signup_url(otp_client: otpkit.Client) -> str:
    """Your sign-up page, or the sandbox's demo site when running with --otp-sandbox."""
    return os.environ.get("SIGNUP_URL") or f"{otp_client.base_url}/demo/signup"
