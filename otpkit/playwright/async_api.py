"""The async twins of :mod:`otpkit.playwright`: same names, same arguments, awaited.

``otp`` may be a plain function or a coroutine function (an ``AsyncRental.wait_for_code``):

    from playwright.async_api import async_playwright
    from otpkit.playwright.async_api import launch_chromium, sign_up

    async with async_playwright() as p:
        browser = await launch_chromium(p)
        page = await browser.new_page()
        await page.goto("https://example.test/signup")
        code = await sign_up(page, "+447400123456", otp=lambda: input("SMS code: "))
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal

from playwright.async_api import Browser, Locator, Page, Playwright
from playwright.async_api import Error as PlaywrightError

from otpkit._browser import launch_options
from otpkit.playwright import _flows
from otpkit.playwright._protocol import FetchCode, Flow, Surface, T, bind

if TYPE_CHECKING:
    from otpkit._async_client import AsyncClient
    from otpkit._rental import AsyncRental

__all__ = [
    "fill_otp",
    "fill_phone",
    "launch_chromium",
    "launch_options",
    "sign_up",
    "sign_up_rotating",
]


async def launch_chromium(playwright: Playwright, *, headless: bool = True) -> Browser:
    """Launch the Chromium :func:`launch_options` picks (Playwright's, or the system's).

    Headless by default, with the flags a system Chromium needs in containers and CI:

        async with async_playwright() as p:
            browser = await launch_chromium(p)
    """
    return await playwright.chromium.launch(**launch_options(headless))


async def fill_phone(
    target: Page | Locator,
    number: str,
    *,
    country: str | None = None,
    timeout: float = 10.0,
) -> None:
    """Type ``number`` (E.164) into the phone field of ``target`` (a page, form or field).

    See :func:`otpkit.playwright.fill_phone`.

        await fill_phone(page, "+14155550123")
    """
    await _run(target, _flows.fill_phone(number, country=country, timeout=timeout))


async def fill_otp(target: Page | Locator, code: str, *, timeout: float = 30.0) -> None:
    """Type ``code`` into the one-time-code field(s) of ``target``, waiting up to ``timeout`` s.

    See :func:`otpkit.playwright.fill_otp`.

        await fill_otp(page, "482913")
    """
    await _run(target, _flows.fill_otp(code, timeout=timeout))


async def sign_up(
    page: Page | Locator,
    phone_number: str,
    otp: Callable[[], str | Awaitable[str]],
    *,
    send: str | Locator | None = None,
    verify: str | Locator | Literal[False] | None = None,
    country: str | None = None,
    timeout: float = 30.0,
) -> str:
    """Fill the phone, press send, type the code ``otp()`` gives, press verify; return it.

    ``otp`` may be a plain or an async function. See :func:`otpkit.playwright.sign_up`.

        code = await sign_up(page, rental.number, rental.wait_for_code)
    """
    flow = _flows.sign_up(phone_number, send=send, verify=verify, country=country, timeout=timeout)
    return await _run(page, flow, otp)


async def sign_up_rotating(
    page: Page,
    client: AsyncClient,
    product: str,
    *,
    start: str | Callable[[Page], Awaitable[object]],
    attempts: int = 3,
    attempt_timeout: float | None = None,
    country: str | list[str] | None = None,
    send: str | Locator | None = None,
    verify: str | Locator | Literal[False] | None = None,
    timeout: float = 30.0,
) -> str:
    """``sign_up`` on a fresh number per attempt; see
    :func:`otpkit.playwright.sign_up_rotating` (``start`` is a URL or an async callable).

        code = await sign_up_rotating(page, client, "whatsapp", start=signup_url)
    """

    async def attempt(rental: AsyncRental) -> str:
        if isinstance(start, str):
            await page.goto(start)
        else:
            await start(page)
        return await sign_up(
            page, rental.number, rental.wait_for_code, send=send, verify=verify, timeout=timeout
        )

    return await client.verify(
        product, attempt, attempts=attempts, attempt_timeout=attempt_timeout, country=country
    )


def _surface(target: Page | Locator) -> Surface:
    if isinstance(target, Page):
        return Surface(root=target.locator(":root"), page=target, scope=target)
    return Surface(root=target, page=target.page, scope=target)


async def _run(target: Page | Locator, flow: Flow[T], otp: Callable[[], Any] | None = None) -> T:
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
                if inspect.isawaitable(reply):
                    reply = await reply
                continue
            try:
                reply = await bind(surface, step)()
            except PlaywrightError as exc:
                error = exc
    finally:
        flow.close()
