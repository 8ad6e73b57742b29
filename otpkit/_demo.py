"""``otpkit demo``: a real sign-up on the sandbox's demo site, then where every cent went.

Starts a sandbox in-process, opens a fresh account, rents a number, signs up on
``/demo/signup`` in a real Chromium with the Playwright helpers, reads the SMS code, verifies,
and cancels, with rotation: the first number is made dead (its SMS never comes, as for ~30 %
of real activation numbers), so it is dropped and refunded and the next one is verified. The
ledger then proves no money was lost: every rental that delivered no code was refunded.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Literal

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, sync_playwright
from rich.console import Console
from rich.markup import escape

from otpkit import sandbox
from otpkit._client import Client
from otpkit._connect import connect
from otpkit._errors import CodeTimeoutError, OtpkitError
from otpkit._models import Product
from otpkit._redact import redact, register_secret
from otpkit._rental import Rental
from otpkit._settings import IsolatedSettings
from otpkit.playwright import launch_chromium, sign_up
from otpkit.sandbox import Ledger, Sandbox
from otpkit.sandbox._demo_site import SIGNUP_PATH

__all__ = ["DEMO_PRODUCTS", "run_demo"]

DemoProvider = Literal["jesusnumber", "sanalnumara"]

#: What the demo rents at each provider: (product, country).
DEMO_PRODUCTS: dict[DemoProvider, tuple[str, str | None]] = {
    "jesusnumber": ("whatsapp", None),
    "sanalnumara": ("whatsapp", "Turkey"),
}
_CODE_TIMEOUT = 10.0
#: How long a number gets for its SMS before the demo drops it for the next one.
_ATTEMPT_TIMEOUT = 3.0
_PAGE_TIMEOUT = 10.0
_VERIFIED = "Your phone is verified."
# The demo page shows either its welcome or an error (role=alert); wait for whichever comes.
_SETTLED = """() => !document.getElementById('welcome').hidden
    || [...document.querySelectorAll('[role=alert]')].some((e) => !e.hidden)"""
_ALERTS = """() => [...document.querySelectorAll('[role=alert]')].filter((e) => !e.hidden)
    .map((e) => e.textContent).join(' ')"""


class _DemoFailure(OtpkitError):
    """Something the demo checks did not hold."""


@dataclass
class _Steps:
    """Prints each step with the seconds since the demo started."""

    out: Console
    start: float

    def say(self, text: str) -> None:
        elapsed = time.monotonic() - self.start
        self.out.print(f"[dim]{elapsed:6.2f} s[/]  {text}", soft_wrap=True)


def run_demo(
    *,
    provider: DemoProvider = "jesusnumber",
    headed: bool = False,
    screenshot: str | Path | None = None,
    out: Console | None = None,
    err: Console | None = None,
) -> int:
    """Run the demo against an in-process sandbox; returns the exit status (0: all good).

    ``screenshot`` saves a PNG of the final page; ``headed`` shows the browser.
    """
    out = out or Console(highlight=False)
    err = err or Console(stderr=True, highlight=False)
    if provider not in DEMO_PRODUCTS:
        err.print(f"[red]demo failed:[/] unknown provider {escape(provider)!r}")
        return 2
    if headed and _no_display():
        err.print(
            "[red]demo failed:[/] --headed needs a display, and none is set (DISPLAY); "
            "run without --headed, or under xvfb-run"
        )
        return 2
    steps = _Steps(out, time.monotonic())
    mode = "headed" if headed else "headless"
    out.print(f"[bold]otpkit demo[/]: {provider} sandbox, {mode} Chromium", soft_wrap=True)
    try:
        lost = _demo(provider, headed, Path(screenshot) if screenshot else None, steps)
    except (OtpkitError, PlaywrightError) as error:
        err.print(f"[red]demo failed:[/] {escape(redact(_first_line(error)))}", soft_wrap=True)
        return 1
    if lost:
        err.print(f"[red]demo failed:[/] {lost} was charged for rentals that got no code")
        return 1
    out.print(f"[green]done[/] in {time.monotonic() - steps.start:.1f} s", soft_wrap=True)
    return 0


def _demo(provider: DemoProvider, headed: bool, screenshot: Path | None, steps: _Steps) -> Decimal:
    """The whole story; returns the money lost (charged, no code, not refunded)."""
    with (
        tempfile.TemporaryDirectory(prefix="otpkit-demo-", ignore_cleanup_errors=True) as tmp,
        sandbox.run(throttle=None) as running,
    ):
        key = running.new_api_key(provider)
        register_secret(key)  # masked in every message from here on, errors included
        before = running.ledger(key)
        steps.say(f"sandbox up at {running.base_url}; fresh account holding {before.balance}")
        client = connect(
            provider,
            api_key=key,
            base_url=running.base_url,
            settings=IsolatedSettings(
                timeout=_CODE_TIMEOUT, request_timeout=5.0, call_timeout=10.0
            ),
            journal=Path(tmp) / "journal.sqlite3",  # never the user's own journal
        )
        try:
            with client:
                query, country = DEMO_PRODUCTS[provider]
                product = client.find_product(query, country=country)
                where = f", {product.country}" if product.country else ""
                name = escape(f"{product.name}{where} (id {product.id})")
                steps.say(f"product {name} at {product.price}")
                _sign_up_in_browser(client, product, running, headed, screenshot, steps)
        except (OtpkitError, PlaywrightError):
            # A failed run still shows where the money went, if any was spent.
            with contextlib.suppress(OtpkitError):
                ledger = running.ledger(key)
                if ledger.orders:
                    _money(ledger, steps)
            raise
        return _money(running.ledger(key), steps)


def _sign_up_in_browser(
    client: Client,
    product: Product,
    running: Sandbox,
    headed: bool,
    screenshot: Path | None,
    steps: _Steps,
) -> None:
    with sync_playwright() as playwright:
        try:
            browser = launch_chromium(playwright, headless=not headed)
        except PlaywrightError as error:
            raise _DemoFailure(f"Chromium did not start: {_first_line(error)}") from None
        steps.say(f"Chromium {browser.version} started")
        try:
            page = browser.new_page()
            page.set_default_timeout(_PAGE_TIMEOUT * 1000)
            try:
                _verified_sign_up(client, product, page, running, steps)
            finally:
                if screenshot is not None:
                    with contextlib.suppress(PlaywrightError):
                        page.screenshot(path=str(screenshot), full_page=True)
                        steps.say(f"screenshot saved to {screenshot}")
            if headed:
                page.wait_for_timeout(1500)  # time to see the welcome
        finally:
            browser.close()


def _verified_sign_up(
    client: Client, product: Product, page: Page, running: Sandbox, steps: _Steps
) -> None:
    """Sign up with rotation: the first number is dead (as ~30 % of real ones are), so it is
    dropped and refunded, and the next one is verified."""
    tried: list[Rental] = []

    def attempt(rental: Rental) -> Rental:
        tried.append(rental)
        steps.say(
            f"attempt {len(tried)}: rented [bold]{rental.number}[/] (order {rental.id}) "
            f"for {rental.price}"
        )
        if len(tried) == 1:
            running.mark_number(rental.number, dead=True)
            steps.say("  (the sandbox makes this one a dead number: its SMS will never come)")
        page.goto(running.base_url + SIGNUP_PATH)

        def otp() -> str:
            steps.say(f'typed {rental.number} and pressed "Send code"; waiting for the SMS')
            try:
                code = rental.wait_for_code()  # the attempt's timeout
            except CodeTimeoutError:
                steps.say(f"no code for {rental.number} in {_ATTEMPT_TIMEOUT:g} s: next number")
                raise
            sms = next((m.text for m in rental.messages() if m.code == code), code)
            said = f' "{escape(sms)}"' if sms != code else ""
            steps.say(f"SMS arrived{said} -> code [bold]{code}[/]")
            return code

        code = sign_up(page, rental.number, otp, timeout=_PAGE_TIMEOUT)
        steps.say(f'typed code {code} and pressed "Verify"')
        page.wait_for_function(_SETTLED)
        welcome = page.locator("#welcome-text")
        if not welcome.is_visible():
            said = page.evaluate(_ALERTS)
            raise _DemoFailure(f"the demo site did not verify {rental.number}: {said!r}")
        text = welcome.text_content() or ""
        if _VERIFIED not in text:
            raise _DemoFailure(f"unexpected welcome text {text!r}")
        steps.say(f'the site says: [green]"{escape(text)}"[/]')
        return rental

    try:
        verified = client.verify(
            product.id,
            attempt,
            attempts=3,
            attempt_timeout=_ATTEMPT_TIMEOUT,
            country=product.country,
        )
    finally:
        dead = tried[0] if tried else None
        if dead is not None and dead.outcome is not None:
            if not dead.outcome.refunded:
                raise _DemoFailure(f"the dead number was not refunded: {dead.outcome}")
            steps.say(
                f"the dead number {dead.number} was cancelled: [green]refunded[/] {dead.price}"
            )
    outcome = verified.outcome
    if outcome is None or outcome.refunded:
        raise _DemoFailure(f"a rental that delivered a code was refunded: {outcome}")
    steps.say(f"cancel refused, as it should be once the code is delivered: {outcome.detail}")


def _money(ledger: Ledger, steps: _Steps) -> Decimal:
    if ledger.open_rentals or ledger.double_charges or ledger.double_refunds:
        raise _DemoFailure(
            f"the ledger is not clean: {ledger.open_rentals} open, "
            f"{ledger.double_charges} double charges, {ledger.double_refunds} double refunds"
        )
    used = [o for o in ledger.orders if o.messages]
    unused = [o for o in ledger.orders if not o.messages]
    lost = sum((o.charged - o.refunded for o in unused), Decimal(0))
    out = steps.out
    out.print("[bold]money[/] (the sandbox's ledger of this account)", soft_wrap=True)
    rentals = len(ledger.orders)
    rows = (
        ("charged", ledger.charged, f"{rentals} rental" + ("s" if rentals != 1 else "")),
        ("refunded", ledger.refunded, f"{len(unused)} that got no SMS"),
        ("net", ledger.spent, f"{len(used)} that delivered a code"),
    )
    for label, amount, note in rows:
        out.print(f"  {label:<9}{amount:>8}  {note}", soft_wrap=True)
    out.print(f"  {'balance':<9}{ledger.deposit} -> {ledger.balance}", soft_wrap=True)
    colour = "green" if not lost else "red"
    out.print(f"[bold {colour}]money lost: {lost:.2f}[/]", soft_wrap=True)
    return lost


def _no_display() -> bool:
    # Only X11/Wayland systems need one named; macOS and Windows always have their own.
    if not sys.platform.startswith(("linux", "freebsd", "openbsd")):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _first_line(error: BaseException) -> str:
    # Playwright appends a multi-line call log; its first line says what went wrong.
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__
