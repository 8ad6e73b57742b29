"""otpkit.playwright (sync API) against local pages in a real headless Chromium."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from otpkit._errors import ConfigurationError, OtpkitError
from otpkit.playwright import fill_otp, fill_phone, launch_chromium, sign_up
from tests.playwright.cases import (
    FIXED_PREFIX_PAGE,
    LATE_FIELD_PAGE,
    NO_CODE_FIELD_PAGE,
    OTP_CASES,
    PHONE_CASES,
    QUICK_SIGN_UP,
    RESULT_READY,
    SIGN_UP_CASES,
    SIGN_UP_NUMBER,
    SMS_ARRIVED,
    OtpCase,
    PhoneCase,
    SignUpCase,
    parse_result,
    subset,
)


@pytest.fixture(scope="module")
def shared_page_sync() -> Iterator[Page]:
    """One browser and one page for the module: opening a page per test costs more than a test."""
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()


@pytest.fixture
def page_sync(shared_page_sync: Page) -> Page:
    # Every test loads its own document; a blank one first drops the previous page's timers.
    shared_page_sync.goto("about:blank")
    return shared_page_sync


def result(page: Page) -> dict[str, Any]:
    page.wait_for_function(RESULT_READY)
    return parse_result(page.locator("#result").text_content())


@pytest.mark.parametrize("case", PHONE_CASES, ids=lambda c: c.id)
def test_fill_phone(page_sync: Page, pages_url: str, case: PhoneCase) -> None:
    page_sync.goto(f"{pages_url}/{case.path}")
    target = page_sync.locator(case.target) if case.target else page_sync
    fill_phone(target, case.number, country=case.country)
    page_sync.click(case.submit)
    assert subset(result(page_sync), case.expect) == case.expect


@pytest.mark.parametrize("case", OTP_CASES, ids=lambda c: c.id)
def test_fill_otp(page_sync: Page, pages_url: str, case: OtpCase) -> None:
    page_sync.goto(f"{pages_url}/{case.path}")
    fill_otp(page_sync, case.code)
    if case.submit:
        page_sync.click(case.submit)
    assert subset(result(page_sync), case.expect) == case.expect


@pytest.mark.parametrize("case", SIGN_UP_CASES, ids=lambda c: c.id)
def test_sign_up_waits_for_the_code_step(page_sync: Page, pages_url: str, case: SignUpCase) -> None:
    page_sync.goto(f"{pages_url}/delayed.html{case.query}")
    calls: list[float] = []

    def otp() -> str:
        calls.append(time.monotonic())
        return str(page_sync.wait_for_function(SMS_ARRIVED).json_value())

    code = sign_up(page_sync, SIGN_UP_NUMBER, otp)
    got = result(page_sync)
    assert len(calls) == 1
    assert got["phone"] == SIGN_UP_NUMBER
    assert got["sent"] == 1
    assert got["code"] == code
    assert got["verified"] is True
    assert subset(got, case.expect) == case.expect


def test_sign_up_with_an_explicit_send_button(page_sync: Page, pages_url: str) -> None:
    page_sync.goto(f"{pages_url}/{QUICK_SIGN_UP}")
    code = sign_up(
        page_sync,
        SIGN_UP_NUMBER,
        lambda: str(page_sync.wait_for_function(SMS_ARRIVED).json_value()),
        send="#phone-step button[type=submit]",
    )
    expected = {"code": code, "verified": True, "verifyClicks": 1}
    assert subset(result(page_sync), expected) == expected


def test_sign_up_verify_false_leaves_submitting_to_the_caller(
    page_sync: Page, pages_url: str
) -> None:
    page_sync.goto(f"{pages_url}/{QUICK_SIGN_UP}")
    code = sign_up(
        page_sync,
        SIGN_UP_NUMBER,
        lambda: str(page_sync.wait_for_function(SMS_ARRIVED).json_value()),
        verify=False,
    )
    assert page_sync.locator("#code").input_value() == code
    assert page_sync.locator("#result").text_content() == ""


def test_fill_phone_on_the_field_itself(page_sync: Page) -> None:
    # Nothing on the page says "phone": the caller points at the field.
    page_sync.set_content(
        "<input id='x'><script>x.oninput = () => document.title = x.value</script>"
    )
    fill_phone(page_sync.locator("#x"), "+4915123456789")
    assert page_sync.title() == "+4915123456789"


def test_fill_phone_types_the_national_number_after_a_fixed_prefix(page_sync: Page) -> None:
    page_sync.set_content(FIXED_PREFIX_PAGE)
    fill_phone(page_sync, "+905321234567")
    assert page_sync.title() == "+905321234567"


def test_fill_phone_waits_for_a_late_field(page_sync: Page) -> None:
    page_sync.set_content(LATE_FIELD_PAGE)
    fill_phone(page_sync, "+33612345678", timeout=5)
    assert page_sync.title() == "+33612345678"


def test_fill_otp_times_out_without_touching_the_phone_field(page_sync: Page) -> None:
    page_sync.set_content(NO_CODE_FIELD_PAGE)
    started = time.monotonic()
    with pytest.raises(OtpkitError, match=r"No verification code field appeared within 0\.4 s"):
        fill_otp(page_sync, "123456", timeout=0.4)
    assert time.monotonic() - started < 3
    assert page_sync.locator("#phone").input_value() == ""


def test_fill_phone_without_a_phone_field(page_sync: Page) -> None:
    page_sync.set_content("<label>Email <input type=email></label>")
    with pytest.raises(OtpkitError, match="No phone number field"):
        fill_phone(page_sync, "+14155550123", timeout=0.3)


def test_fill_phone_rejects_a_non_number(page_sync: Page) -> None:
    with pytest.raises(ConfigurationError):
        fill_phone(page_sync, "not a number")
