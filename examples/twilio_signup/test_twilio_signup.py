"""Sign up through the browser; the app's own backend texts the code with Twilio."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

import otpkit
from otpkit.playwright import fill_otp, fill_phone, sign_up
from pytest_plugin import Otp

# The app sends the SMS: the sandbox must not text these numbers itself (ignored elsewhere).
pytestmark = pytest.mark.otp(sandbox_sms=False)


def test_sign_up_step_by_step(
    page: Page, app_url: str, phone_number: otpkit.PhoneNumber, otp: Otp
) -> None:
    page.goto(app_url)
    fill_phone(page, phone_number)
    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_text("Enter the code")).to_be_visible()
    fill_otp(page, otp())  # the code of the SMS the app sent
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_contain_text("is verified")
    assert "Your Acme code is" in otp.message().text


def test_sign_up_in_one_call(
    page: Page, app_url: str, phone_number: otpkit.PhoneNumber, otp: Otp
) -> None:
    page.goto(app_url)
    sign_up(page, phone_number, otp)
    expect(page.get_by_role("status")).to_contain_text(f"Your phone {phone_number} is verified")


def test_a_wrong_code_is_refused(
    page: Page, app_url: str, phone_number: otpkit.PhoneNumber, otp: Otp
) -> None:
    page.goto(app_url)
    fill_phone(page, phone_number)
    page.get_by_role("button", name="Send code").click()
    wrong = f"{(int(otp()) + 1) % 1_000_000:06d}"
    fill_otp(page, wrong)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert")).to_contain_text("not right")
