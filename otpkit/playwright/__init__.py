"""Fill phone and one-time-code fields in Playwright (sync API) the way a person would.

The helpers find the fields by what a person reads (type, autocomplete, name, label,
placeholder in many languages), cope with country pickers and split code boxes, and type with
real key events so the page's own scripts see the input. The async twins live in
:mod:`otpkit.playwright.async_api` under the same names.

    from playwright.sync_api import sync_playwright
    from otpkit.playwright import launch_chromium, sign_up

    with sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page()
        page.goto("https://example.test/signup")
        sign_up(page, "+447400123456", otp=lambda: input("SMS code: "))

With a rented number: ``sign_up(page, rental.number, rental.wait_for_code)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from playwright.sync_api import Browser, Locator, Page, Playwright
from playwright.sync_api import Error as PlaywrightError

from otpkit._browser import launch_options
from otpkit.playwright import _flows
from otpkit.playwright._protocol import FetchCode, Flow, Surface, T, bind

if TYPE_CHECKING:
    from otpkit._client import Client
    from otpkit._rental import Rental

__all__ = [
    "fill_otp",
    "fill_phone",
    "launch_chromium",
    "launch_options",
    "sign_up",
    "sign_up_rotating",
]


def launch_chromium(playwright: Playwright, *, headless: bool = True) -> Browser:
    """Launch the Chromium :func:`launch_options` picks (Playwright's, or the system's).

    Headless by default, with the flags a system Chromium needs in containers and CI:

        with sync_playwright() as p:
            browser = launch_chromium(p)
    """
    return playwright.chromium.launch(**launch_options(headless))


def fill_phone(
    target: Page | Locator,
    number: str,
    *,
    country: str | None = None,
    timeout: float = 10.0,
) -> None:
    """Type ``number`` (E.164) into the phone field of ``target`` (a page, form or field).

    Sets the country where the form has a control for it (a ``<select>``, a searchable
    combobox, a flag menu) and types the rest as the widget expects, then reads back what the
    widget holds; raises FillError (naming what it shows) when no way of typing gives the
    number. A page is searched with its same-origin iframes and open shadow roots.
    ``country`` (ISO region, e.g. ``"CA"``) settles numbers whose dial code several countries
    share. Waits up to ``timeout`` seconds for the field to appear.

        fill_phone(page, "+14155550123")
        fill_phone(page.locator("form#signup"), "+16135550123", country="CA")
    """
    _run(target, _flows.fill_phone(number, country=country, timeout=timeout))


def fill_otp(target: Page | Locator, code: str, *, timeout: float = 30.0) -> None:
    """Type ``code`` into the one-time-code field(s) of ``target``, waiting up to ``timeout`` s.

    Handles a single field, a transparent input over drawn slots, and one box per character
    (with or without focus moving on by itself), in iframes and shadow roots too; raises
    FillError when the boxes do not hold the code at the end.

        fill_otp(page, "482913")
    """
    _run(target, _flows.fill_otp(code, timeout=timeout))


def sign_up(
    page: Page | Locator,
    phone_number: str,
    otp: Callable[[], str],
    *,
    send: str | Locator | None = None,
    verify: str | Locator | Literal[False] | None = None,
    country: str | None = None,
    timeout: float = 30.0,
) -> str:
    """Fill the phone, press send, type the code ``otp()`` returns, press verify; return it.

    ``send`` / ``verify`` are selectors or Locators of the buttons; by default the buttons are
    found by their text ("Send code", "Continue", "Verify", "Doğrula"...), and verify is not
    pressed when the page submits the code by itself. ``verify=False`` never presses it.
    ``timeout`` (seconds) applies to each page step, not to ``otp()``.

        code = sign_up(page, rental.number, rental.wait_for_code)
    """
    flow = _flows.sign_up(phone_number, send=send, verify=verify, country=country, timeout=timeout)
    return _run(page, flow, otp)


def sign_up_rotating(
    page: Page,
    client: Client,
    product: str,
    *,
    start: str | Callable[[Page], object],
    attempts: int = 3,
    attempt_timeout: float | None = None,
    country: str | list[str] | None = None,
    send: str | Locator | None = None,
    verify: str | Locator | Literal[False] | None = None,
    timeout: float = 30.0,
) -> str:
    """``sign_up`` on a fresh number per attempt, until one gets its code; returns the code.

    Each attempt returns to the phone step (``start``: a URL to open, or a callable given the
    page), rents a number, and signs up with it. A number whose code does not come within
    ``attempt_timeout`` is cancelled (refunded: no SMS came) and the next one tried, as
    ``client.verify`` does; after ``attempts`` numbers, ``VerificationFailedError``.

        code = sign_up_rotating(page, client, "whatsapp", start=signup_url, attempt_timeout=30)
    """

    def attempt(rental: Rental) -> str:
        if isinstance(start, str):
            page.goto(start)
        else:
            start(page)
        return sign_up(
            page, rental.number, rental.wait_for_code, send=send, verify=verify, timeout=timeout
        )

    return client.verify(
        product, attempt, attempts=attempts, attempt_timeout=attempt_timeout, country=country
    )


def _surface(target: Page | Locator) -> Surface:
    if isinstance(target, Page):
        return Surface(root=target.locator(":root"), page=target, scope=target)
    return Surface(root=target, page=target.page, scope=target)


def _run(target: Page | Locator, flow: Flow[T], otp: Callable[[], Any] | None = None) -> T:
    """Perform the flow's steps in order, sending each result (or Playwright error) back."""
    surface = _surface(target)
    reply: Any = None
    error: PlaywrightError | None = None
    try:
        while True:
            try:
                step = flow.send(reply) if error is None else flow.throw(error)
            except StopIteration as done:
                result: T = done.value
                return result
            reply, error = None, None
            if isinstance(step, FetchCode):
                if otp is None:
                    raise TypeError("this flow needs an otp() callable")
                reply = otp()
                continue
            try:
                reply = bind(surface, step)()
            except PlaywrightError as exc:
                error = exc
    finally:
        flow.close()
