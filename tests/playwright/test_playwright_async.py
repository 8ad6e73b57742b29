"""otpkit.playwright.async_api against the same local pages, in one Chromium for the module."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Page, async_playwright

from otpkit._errors import OtpkitError
from otpkit.playwright.async_api import fill_otp, fill_phone, launch_chromium, sign_up
from tests.playwright.cases import (
    FIXED_PREFIX_PAGE,
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

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def shared_page_async() -> AsyncIterator[Page]:
    """One browser and one page for the module: opening a page per test costs more than a test."""
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        page = await browser.new_page()
        page.set_default_timeout(10_000)
        yield page
        await browser.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page_async(shared_page_async: Page) -> Page:
    # Every test loads its own document; a blank one first drops the previous page's timers.
    await shared_page_async.goto("about:blank")
    return shared_page_async


async def result(page: Page) -> dict[str, Any]:
    await page.wait_for_function(RESULT_READY)
    return parse_result(await page.locator("#result").text_content())


# Both APIs run the same flows (only the runner differs), so the async side takes one case per
# kind of step: plain typing, <select>, dropdown widgets, box repair, the hidden input.
ASYNC_PHONE = {
    "plain-tel-field",
    "select-dial-codes-german",
    "intl-tel-input",
    "react-phone-input-2",
}
ASYNC_OTP = {"single-one-time-code", "6-boxes-no-auto-advance", "input-otp-hidden-input-over-slots"}


@pytest.mark.parametrize(
    "case", [c for c in PHONE_CASES if c.id in ASYNC_PHONE], ids=lambda c: c.id
)
async def test_fill_phone(page_async: Page, pages_url: str, case: PhoneCase) -> None:
    await page_async.goto(f"{pages_url}/{case.path}")
    target = page_async.locator(case.target) if case.target else page_async
    await fill_phone(target, case.number, country=case.country)
    await page_async.click(case.submit)
    assert subset(await result(page_async), case.expect) == case.expect


@pytest.mark.parametrize("case", [c for c in OTP_CASES if c.id in ASYNC_OTP], ids=lambda c: c.id)
async def test_fill_otp(page_async: Page, pages_url: str, case: OtpCase) -> None:
    await page_async.goto(f"{pages_url}/{case.path}")
    await fill_otp(page_async, case.code)
    if case.submit:
        await page_async.click(case.submit)
    assert subset(await result(page_async), case.expect) == case.expect


@pytest.mark.parametrize("case", SIGN_UP_CASES[::2], ids=lambda c: c.id)
async def test_sign_up_with_an_async_otp(
    page_async: Page, pages_url: str, case: SignUpCase
) -> None:
    await page_async.goto(f"{pages_url}/delayed.html{case.query}")

    async def otp() -> str:
        handle = await page_async.wait_for_function(SMS_ARRIVED)
        return str(await handle.json_value())

    code = await sign_up(page_async, SIGN_UP_NUMBER, otp)
    got = await result(page_async)
    assert (got["phone"], got["code"], got["verified"]) == (SIGN_UP_NUMBER, code, True)
    assert subset(got, case.expect) == case.expect


async def test_sign_up_with_explicit_buttons(page_async: Page, pages_url: str) -> None:
    await page_async.goto(f"{pages_url}/{QUICK_SIGN_UP}")

    async def otp() -> str:
        return str(await (await page_async.wait_for_function(SMS_ARRIVED)).json_value())

    code = await sign_up(
        page_async,
        SIGN_UP_NUMBER,
        otp,
        send=page_async.get_by_role("button", name="Send code"),
        verify="#verify",
    )
    expected = {"code": code, "verified": True, "verifyClicks": 1}
    assert subset(await result(page_async), expected) == expected


async def test_sign_up_with_a_plain_otp_callable(page_async: Page, pages_url: str) -> None:
    # A plain function works in the async API too (e.g. a fixed code of a test environment).
    await page_async.goto(f"{pages_url}/{QUICK_SIGN_UP}")
    code = await sign_up(page_async, SIGN_UP_NUMBER, lambda: "000000", verify=False)
    assert code == "000000"
    assert await page_async.locator("#code").input_value() == "000000"


async def test_fill_phone_types_the_national_number_after_a_fixed_prefix(
    page_async: Page,
) -> None:
    await page_async.set_content(FIXED_PREFIX_PAGE)
    await fill_phone(page_async, "+905321234567")
    assert await page_async.title() == "+905321234567"


async def test_fill_otp_times_out(page_async: Page) -> None:
    await page_async.set_content(NO_CODE_FIELD_PAGE)
    started = time.monotonic()
    with pytest.raises(OtpkitError, match="No verification code field"):
        await fill_otp(page_async, "123456", timeout=0.4)
    assert time.monotonic() - started < 3
