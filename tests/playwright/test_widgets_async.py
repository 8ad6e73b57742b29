"""The helpers (async API) on the same real-widget pages: the same flows, the async runner."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Page, async_playwright

from otpkit import FillError
from otpkit.playwright.async_api import fill_otp, fill_phone, launch_chromium
from tests.playwright.cases import RESULT_READY, parse_result, subset
from tests.playwright.widget_cases import (
    IFRAME,
    IFRAME_DIALOG,
    OTP_WIDGETS,
    PHONE_WIDGETS,
    READY,
    UNSETTABLE,
    WidgetCase,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def widget_page() -> AsyncIterator[Page]:
    async with async_playwright() as playwright:
        browser = await launch_chromium(playwright)
        page = await browser.new_page()
        page.set_default_timeout(10_000)
        yield page
        await browser.close()


async def open_page(page: Page, url: str) -> Page:
    await page.goto("about:blank")
    await page.goto(url)
    await page.wait_for_function(READY)
    return page


async def submitted(page: Page, submit: str) -> dict[str, Any]:
    await page.click(submit)
    await page.wait_for_function(RESULT_READY)
    return parse_result(await page.locator("#result").text_content())


@pytest.mark.parametrize("case", PHONE_WIDGETS, ids=lambda c: c.id)
async def test_fill_phone_widget(widget_page: Page, pages_url: str, case: WidgetCase) -> None:
    page = await open_page(widget_page, f"{pages_url}/{case.path}")
    await fill_phone(page, case.value)
    assert subset(await submitted(page, case.submit), case.expect) == case.expect


@pytest.mark.parametrize("case", OTP_WIDGETS, ids=lambda c: c.id)
async def test_fill_otp_widget(widget_page: Page, pages_url: str, case: WidgetCase) -> None:
    page = await open_page(widget_page, f"{pages_url}/{case.path}")
    await fill_otp(page, case.value)
    assert (await submitted(page, case.submit))["code"] == case.value


async def test_fill_otp_finds_the_code_in_an_iframe_dialog(
    widget_page: Page, pages_url: str
) -> None:
    page = await open_page(widget_page, f"{pages_url}/{IFRAME_DIALOG}")
    await fill_otp(page, "482913")
    frame = page.frame_locator(IFRAME)
    await frame.locator("text=Verify").click()
    await frame.locator("#result").filter(has_text="code").wait_for()
    assert parse_result(await frame.locator("#result").text_content()) == {"code": "482913"}


async def test_a_country_that_cannot_be_set_is_a_fill_error(
    widget_page: Page, pages_url: str
) -> None:
    page = await open_page(widget_page, f"{pages_url}/{UNSETTABLE}")
    started = time.monotonic()
    with pytest.raises(FillError, match=r"\+86"):
        await fill_phone(page, "+447400123456")
    assert time.monotonic() - started < 5
    assert await page.evaluate("() => window.widgetState.country") == "CN"
