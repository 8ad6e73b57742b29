"""The helpers (sync API) on pages built from the real widget packages, in headless Chromium."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from otpkit import FillError
from otpkit.playwright import fill_otp, fill_phone, launch_chromium
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


@pytest.fixture(scope="module")
def widget_page() -> Iterator[Page]:
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        page = browser.new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()


def open_page(page: Page, url: str) -> Page:
    page.goto("about:blank")
    page.goto(url)
    page.wait_for_function(READY)
    return page


def submitted(page: Page, submit: str) -> dict[str, Any]:
    page.click(submit)
    page.wait_for_function(RESULT_READY)
    return parse_result(page.locator("#result").text_content())


@pytest.mark.parametrize("case", PHONE_WIDGETS, ids=lambda c: c.id)
def test_fill_phone_widget(widget_page: Page, pages_url: str, case: WidgetCase) -> None:
    page = open_page(widget_page, f"{pages_url}/{case.path}")
    fill_phone(page, case.value)
    assert subset(submitted(page, case.submit), case.expect) == case.expect


@pytest.mark.parametrize("case", OTP_WIDGETS, ids=lambda c: c.id)
def test_fill_otp_widget(widget_page: Page, pages_url: str, case: WidgetCase) -> None:
    page = open_page(widget_page, f"{pages_url}/{case.path}")
    fill_otp(page, case.value)
    assert submitted(page, case.submit)["code"] == case.value


def test_fill_otp_finds_the_code_in_an_iframe_dialog(widget_page: Page, pages_url: str) -> None:
    page = open_page(widget_page, f"{pages_url}/{IFRAME_DIALOG}")
    fill_otp(page, "482913")
    frame = page.frame_locator(IFRAME)
    frame.locator("text=Verify").click()
    frame.locator("#result").filter(has_text="code").wait_for()
    assert parse_result(frame.locator("#result").text_content()) == {"code": "482913"}


def test_a_country_that_cannot_be_set_is_a_fill_error(widget_page: Page, pages_url: str) -> None:
    page = open_page(widget_page, f"{pages_url}/{UNSETTABLE}")
    started = time.monotonic()
    with pytest.raises(FillError) as caught:
        fill_phone(page, "+447400123456")
    assert time.monotonic() - started < 5
    message = str(caught.value)
    assert "+86" in message and "+447400123456" in message
    assert caught.value.wanted == "+447400123456"
    assert page.evaluate("() => window.widgetState.country") == "CN"
