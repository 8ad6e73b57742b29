"""The demo site in a real headless Chromium, driven by the async Playwright helpers (a module
of its own: the sync tests' module-wide browser keeps an event loop running in this thread)."""

from __future__ import annotations

import otpkit
from otpkit.playwright import launch_options
from otpkit.sandbox import Sandbox
from otpkit.sandbox._demo_site import SIGNUP_PATH
from tests.demo.test_site_browser import VERIFIED


async def test_async_sign_up_rotating_drops_a_dead_number_and_verifies_the_next(
    sandbox: Sandbox,
) -> None:
    from playwright.async_api import Page as AsyncPage
    from playwright.async_api import async_playwright

    from otpkit.playwright.async_api import sign_up_rotating

    key = sandbox.new_api_key("jesusnumber")
    starts: list[str] = []

    async def start(page: AsyncPage) -> None:
        number = sandbox.ledger(key).orders[-1].number
        if not starts:
            sandbox.mark_number(number, dead=True)
        starts.append(number)
        await page.goto(sandbox.base_url + SIGNUP_PATH)

    async with (
        async_playwright() as playwright,
        otpkit.connect_async(
            "jesusnumber",
            api_key=key,
            base_url=sandbox.base_url,
            settings=otpkit.Settings(call_timeout=5.0, request_timeout=2.0, timeout=10.0),
        ) as client,
    ):
        browser = await playwright.chromium.launch(**launch_options())
        try:
            page = await browser.new_page()
            page.set_default_timeout(10_000)
            code = await sign_up_rotating(page, client, "whatsapp", start=start, attempt_timeout=2)
            text = page.locator("#welcome-text")
            await text.wait_for()
            assert VERIFIED in (await text.text_content() or "")
        finally:
            await browser.close()
    assert code.isdigit() and len(starts) == 2 and starts[0] != starts[1]
    ledger = sandbox.ledger(key)
    dead = [o for o in ledger.orders if o.dead]
    assert len(dead) == 1 and dead[0].refunds == 1 and ledger.open_rentals == 0
