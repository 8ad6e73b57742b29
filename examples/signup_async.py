"""Pass a sign-up form's phone verification with a rented number (plain Playwright, async).

The same as ``signup_script.py`` with ``otpkit.connect_async`` and Playwright's async API. Out
of the box it runs against otpkit's local sandbox and its demo sign-up site:

    python examples/signup_async.py

Against a real provider and your own site, configure otpkit as usual and name the page:

    export OTPKIT_PROVIDER=sanalnumara OTPKIT_API_KEY=... OTPKIT_BASE_URL=https://...
    export OTPKIT_PRODUCT=google OTPKIT_COUNTRY=Germany      # what to rent
    export SIGNUP_URL=https://your-site.example/signup
    export SIGNUP_SUCCESS_TEXT="Welcome"                     # optional: what the page shows after
    python examples/signup_async.py
"""

from __future__ import annotations

import asyncio
import contextlib
import os

from playwright.async_api import async_playwright

import otpkit
import otpkit.sandbox
from otpkit.playwright.async_api import launch_chromium, sign_up


async def main() -> None:
    async with contextlib.AsyncExitStack() as stack:
        signup_url = os.environ.get("SIGNUP_URL")
        if signup_url:
            # Provider, key and base URL come from the OTPKIT_* variables (or a .env file).
            settings = otpkit.Settings()
            client = await stack.enter_async_context(otpkit.connect_async(settings=settings))
            product = await client.find_product(
                settings.product or "whatsapp", country=settings.country
            )
            success_text = os.environ.get("SIGNUP_SUCCESS_TEXT")
        else:
            # The sandbox runs on its own thread and event loop, so async code can use it too.
            sandbox = stack.enter_context(otpkit.sandbox.run(throttle=None))
            client = await stack.enter_async_context(
                otpkit.connect_async(
                    "sanalnumara",
                    api_key=sandbox.new_api_key("sanalnumara"),  # a fresh play-money account
                    base_url=sandbox.base_url,
                    journal=False,  # a throwaway sandbox needs no crash journal
                )
            )
            product = await client.find_product("whatsapp", country="Turkey")
            signup_url = f"{sandbox.base_url}/demo/signup"
            success_text = "Your phone is verified."

        playwright = await stack.enter_async_context(async_playwright())
        browser = await launch_chromium(playwright)  # headless, Playwright's or the system's
        stack.push_async_callback(browser.close)
        page = await browser.new_page()

        # The rental is cancelled when the block ends, whatever happens inside it (even a
        # cancelled task): a number that never received its SMS is refunded.
        async with client.rent(product) as rental:
            print(f"rented {rental.number} for {rental.price}")
            await page.goto(signup_url)
            # Types the number (picking the country), presses "Send code", awaits
            # rental.wait_for_code for the SMS, types the code and presses "Verify".
            code = await sign_up(page, rental.number, rental.wait_for_code)
            print(f"typed the code {code}")
            if success_text:
                await page.get_by_text(success_text).wait_for(timeout=10_000)
                print(f"the page says {success_text!r}")
        outcome = rental.outcome
        if outcome is not None:
            print(f"cancelled; refunded: {outcome.refunded} ({outcome.detail})")


if __name__ == "__main__":
    asyncio.run(main())
