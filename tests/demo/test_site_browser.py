"""The demo site in a real headless Chromium, driven by otpkit's Playwright helpers."""

from __future__ import annotations

import time
from collections.abc import Iterator

import phonenumbers
import pytest
from playwright.sync_api import Page, sync_playwright

import otpkit
from otpkit.playwright import fill_otp, fill_phone, launch_options, sign_up
from otpkit.sandbox import Sandbox
from otpkit.sandbox._demo_site import REFUSED_MESSAGE, SIGNUP_PATH
from tests.demo.conftest import rent

VERIFIED = "Your phone is verified."


@pytest.fixture(scope="module")
def shared_page() -> Iterator[Page]:
    """One browser and page for the module: starting Chromium costs more than a test."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**launch_options())
        page = browser.new_page()
        page.set_default_timeout(10_000)
        yield page
        browser.close()


@pytest.fixture
def signup(shared_page: Page, sandbox: Sandbox) -> Page:
    shared_page.goto(sandbox.base_url + SIGNUP_PATH)
    return shared_page


def welcome(page: Page) -> str:
    text = page.locator("#welcome-text")
    text.wait_for()
    return text.text_content() or ""


def display(number: str) -> str:
    return phonenumbers.format_number(
        phonenumbers.parse(number), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


def test_sign_up_with_a_rented_number(signup: Page, client: otpkit.Client) -> None:
    with rent(client) as rental:
        code = sign_up(signup, rental.number, rental.wait_for_code)
        assert welcome(signup) == f"Welcome, {display(rental.number)}! {VERIFIED}"
        assert rental.messages()[-1].code == code
    assert rental.outcome is not None
    assert not rental.outcome.refunded  # the code was delivered: the number was used


@pytest.mark.parametrize("provider", ["jesusnumber"], indirect=True)
def test_code_step_appears_after_a_delay_as_six_boxes(signup: Page, client: otpkit.Client) -> None:
    with rent(client) as rental:
        fill_phone(signup, rental.number)
        assert signup.locator("#country").input_value() == "US"
        signup.get_by_role("button", name="Send code").click()
        clicked = time.monotonic()
        boxes = signup.locator("#code-step input")
        boxes.first.wait_for()
        assert time.monotonic() - clicked >= 0.4  # revealed a moment later, like real sites
        assert boxes.count() == 6
        assert signup.locator("#phone-step").is_hidden()
        assert signup.get_by_role("button", name="Verify").is_disabled()
        code = rental.messages()[-1].code
        assert code is not None
        # Focus moves on by itself: the whole code typed into the first box fills all six.
        boxes.first.press_sequentially(code)
        assert [boxes.nth(i).input_value() for i in range(6)] == list(code)
        signup.get_by_role("button", name="Verify").click()
        assert welcome(signup).endswith(VERIFIED)


@pytest.mark.parametrize("provider", ["sanalnumara"], indirect=True)
def test_country_is_picked_from_the_list(signup: Page, client: otpkit.Client) -> None:
    with rent(client) as rental:
        fill_phone(signup, rental.number)  # a Turkish number: "Turkey (+90)", national digits
        assert signup.locator("#country").input_value() == "TR"
        national = phonenumbers.national_significant_number(phonenumbers.parse(rental.number))
        assert signup.locator("#phone").input_value() == national
        signup.get_by_role("button", name="Send code").click()
        fill_otp(signup, rental.wait_for_code())
        signup.get_by_role("button", name="Verify").click()
        assert welcome(signup) == f"Welcome, {display(rental.number)}! {VERIFIED}"


@pytest.mark.parametrize("provider", ["jesusnumber"], indirect=True)
def test_a_wrong_code_is_refused_on_the_page(signup: Page, client: otpkit.Client) -> None:
    with rent(client) as rental:
        fill_phone(signup, rental.number)
        signup.get_by_role("button", name="Send code").click()
        code = rental.wait_for_code()
        fill_otp(signup, f"{(int(code) + 1) % 10**6:06d}")
        signup.get_by_role("button", name="Verify").click()
        error = signup.locator("#code-error")
        error.wait_for()
        assert error.text_content() == "That code is not right. 4 attempts left."
        assert signup.locator("#welcome").is_hidden()
        # The boxes are emptied for another try, and the right code still works.
        assert [box.input_value() for box in signup.locator("#code-step input").all()] == [""] * 6
        fill_otp(signup, code)
        signup.get_by_role("button", name="Verify").click()
        assert welcome(signup).endswith(VERIFIED)
        assert error.is_hidden()


def test_a_number_nobody_rented_gets_a_clear_error(signup: Page) -> None:
    fill_phone(signup, "+12015550123")
    signup.get_by_role("button", name="Send code").click()
    error = signup.locator("#phone-error")
    error.wait_for()
    assert error.text_content() == (
        "We couldn't text +1 201-555-0123: no number rented from this sandbox matches it."
    )
    assert signup.locator("#code-step").is_hidden()


@pytest.mark.parametrize("provider", ["jesusnumber"], indirect=True)
def test_a_refused_number_is_shown_the_error(
    signup: Page, client: otpkit.Client, sandbox: Sandbox
) -> None:
    with rent(client) as rental:
        sandbox.mark_number(rental.number, refused=True)
        fill_phone(signup, rental.number)
        signup.get_by_role("button", name="Send code").click()
        error = signup.locator("#phone-error")
        error.wait_for()
        assert error.text_content() == REFUSED_MESSAGE
        assert signup.locator("#code-step").is_hidden()
    assert rental.outcome is not None and rental.outcome.refunded


def test_sign_up_rotating_drops_a_dead_number_and_verifies_the_next(
    shared_page: Page, sandbox: Sandbox, client: otpkit.Client, provider: str
) -> None:
    from otpkit.playwright import sign_up_rotating

    key = client.provider.api_key
    starts: list[str] = []

    def start(page: Page) -> None:
        # The number just rented for this attempt; the first is made dead.
        number = sandbox.ledger(key).orders[-1].number
        if not starts:
            sandbox.mark_number(number, dead=True)
        starts.append(number)
        page.goto(sandbox.base_url + SIGNUP_PATH)

    product, country = ("whatsapp", None) if provider == "jesusnumber" else ("whatsapp", "Turkey")
    code = sign_up_rotating(
        shared_page, client, product, start=start, attempt_timeout=2, country=country
    )
    assert code.isdigit() and VERIFIED in welcome(shared_page)
    assert len(starts) == 2 and starts[0] != starts[1]
    ledger = sandbox.ledger(key)
    dead = [o for o in ledger.orders if o.dead]
    assert len(dead) == 1 and dead[0].refunds == 1 and ledger.open_rentals == 0
