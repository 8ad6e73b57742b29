"""Sign up with a real rented number and the code its SMS brings."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

import otpkit
from otpkit.playwright import fill_otp, fill_phone, sign_up
from pytest_plugin import Otp


def test_sign_up_step_by_step(
    page: Page, signup_url: str, phone_number: otpkit.PhoneNumber, otp: Otp
) -> None:
    page.goto(signup_url)
    fill_phone(page, phone_number)  # picks the country, types the national number
    page.get_by_role("button", name="Send code").click()
    expect(page.get_by_text("Enter the code")).to_be_visible()
    fill_otp(page, otp())  # otp() waits for the SMS and returns its code
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("status")).to_contain_text("verified")


def test_sign_up_in_one_call(
    page: Page, signup_url: str, phone_number: otpkit.PhoneNumber, otp: Otp
) -> None:
    page.goto(signup_url)
    code = sign_up(page, phone_number, otp)
    expect(page.get_by_role("status")).to_contain_text("verified")
    assert code == otp.message().code


def test_a_wrong_code_is_refused(
    page: Page, signup_url: str, phone_number: otpkit.PhoneNumber, otp: Otp
) -> None:
    page.goto(signup_url)
    fill_phone(page, phone_number)
    page.get_by_role("button", name="Send code").click()
    right = otp()
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    fill_otp(page, wrong)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("alert").last).to_contain_text("not right")


@pytest.mark.otp(provider="sanalnumara", product="whatsapp", country="Turkey")
def test_sign_up_with_a_turkish_number(
    page: Page, signup_url: str, phone_number: otpkit.PhoneNumber, otp: Otp
) -> None:
    assert phone_number.country_code == 90
    page.goto(signup_url)
    sign_up(page, phone_number, otp)
    expect(page.get_by_role("status")).to_contain_text("verified")
