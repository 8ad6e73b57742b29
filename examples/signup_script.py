"""Pass a sign-up form's phone verification with a rented number (plain Playwright, sync).

Out of the box this runs against otpkit's local sandbox and its demo sign-up site, so it costs
nothing and needs no account:

    python examples/signup_script.py

Against a real provider and your own site, configure otpkit as usual and name the page:

    export OTPKIT_PROVIDER=jesusnumber OTPKIT_API_KEY=...   # (+ OTPKIT_BASE_URL for sanalnumara)
    export OTPKIT_PRODUCT=whatsapp                           # what to rent (+ OTPKIT_COUNTRY)
    export SIGNUP_URL=https://your-site.example/signup
    export SIGNUP_SUCCESS_TEXT="Welcome"                     # optional: what the page shows after
    python examples/signup_script.py
"""

from __future__ import annotations

import contextlib
import os

from playwright.sync_api import sync_playwright

import otpkit
import otpkit.sandbox
from otpkit.playwright import launch_chromium, sign_up


def main() -> None:
    with contextlib.ExitStack() as stack:
        signup_url = os.environ.get("SIGNUP_URL")
        if signup_url:
            # Provider, key and base URL come from the OTPKIT_* variables (or a .env file).
            settings = otpkit.Settings()
            client = stack.enter_context(otpkit.connect(settings=settings))
            product = client.find_product(settings.product or "whatsapp", country=settings.country)
            success_text = os.environ.get("SIGNUP_SUCCESS_TEXT")
        else:
            # A sandbox in this process: both providers plus the demo site on one local origin.
            sandbox = stack.enter_context(otpkit.sandbox.run(throttle=None))
            client = stack.enter_context(
                otpkit.connect(
                    "jesusnumber",
                    api_key=sandbox.new_api_key("jesusnumber"),  # a fresh play-money account
                    base_url=sandbox.base_url,
                    journal=False,  # a throwaway sandbox needs no crash journal
                )
            )
            product = client.find_product("whatsapp")
            signup_url = f"{sandbox.base_url}/demo/signup"
            success_text = "Your phone is verified."

        playwright = stack.enter_context(sync_playwright())
        browser = launch_chromium(playwright)  # headless, Playwright's or the system's Chromium
        stack.callback(browser.close)
        page = browser.new_page()

        # The rental is cancelled when the block ends, whatever happens inside it: a number that
        # never received its SMS is refunded.
        with client.rent(product) as rental:
            print(f"rented {rental.number} for {rental.price}")
            page.goto(signup_url)
            # Types the number (picking the country), presses "Send code", waits for the SMS
            # with rental.wait_for_code, types the code and presses "Verify".
            code = sign_up(page, rental.number, rental.wait_for_code)
            print(f"typed the code {code}")
            if success_text:
                page.get_by_text(success_text).wait_for(timeout=10_000)
                print(f"the page says {success_text!r}")
        outcome = rental.outcome
        if outcome is not None:
            print(f"cancelled; refunded: {outcome.refunded} ({outcome.detail})")


if __name__ == "__main__":
    main()
