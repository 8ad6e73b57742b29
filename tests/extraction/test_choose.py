"""choose_code keeps a provider's own code when it is believable, and reads the text otherwise."""

from __future__ import annotations

import pytest

from otpkit._extract import choose_code


@pytest.mark.parametrize(
    ("provider_code", "text", "expected"),
    [
        ("545", "Your PayPal OTP is 545", "545"),
        ("123456", "Your WhatsApp code: 123-456", "123456"),
        ("482910", "Doğrulama kodunuz: 482 910", "482910"),
        (" 482910\n", "Doğrulama kodunuz: 482910", "482910"),
        ("482-910", "Doğrulama kodunuz: 482910", "482910"),
        ("٤٨٢٩١٠", "رمز التحقق الخاص بك هو ٤٨٢٩١٠", "482910"),
        ("K7PQ2X", "Your Revolut login code: K7P-Q2X", "K7PQ2X"),
        ("G-123456", "G-123456 is your Google verification code", "123456"),
        # Kept though the heuristics would pick another number: the provider saw the message.
        ("7731", "Your Acme codes: sign-in 482910, card PIN 7731", "7731"),
    ],
)
def test_plausible_provider_code_is_kept(provider_code: str, text: str, expected: str) -> None:
    assert choose_code(provider_code, text) == expected


@pytest.mark.parametrize(
    ("provider_code", "text", "expected"),
    [
        ("482910", None, "482910"),
        ("482910", "", "482910"),
        ("4821", "Your verification code was sent.", "4821"),  # text without digits
        ("ab12cd", "Your code is AB12CD", "ab12cd"),
    ],
)
def test_provider_code_without_text_to_check(
    provider_code: str, text: str | None, expected: str
) -> None:
    assert choose_code(provider_code, text) == expected


@pytest.mark.parametrize(
    "provider_code",
    [
        "",
        "   ",
        "12",  # too short
        "12345678901",  # too long
        "null",
        "None",
        "wait",
        "STATUS_WAIT_CODE",
        "48.29",
        "code: 482910",
    ],
)
def test_implausible_provider_code_is_replaced_by_extraction(provider_code: str) -> None:
    assert choose_code(provider_code, "Your Discord verification code is: 880412") == "880412"
    assert choose_code(provider_code, None) is None


def test_missing_provider_code_means_extraction() -> None:
    assert choose_code(None, "G-123456 is your Google verification code") == "123456"
    assert choose_code(None, "Order 98765432 has shipped.") is None
    assert choose_code(None, None) is None
    assert choose_code(None, "") is None


@pytest.mark.parametrize(
    ("provider_code", "text", "expected"),
    [
        ("111111", "Your code is 482910", "482910"),
        ("4829", "Your code is 482910", "482910"),  # part of a longer number is not the code
        ("482911", "Your code is 482-910", "482910"),
        ("1234", "Order 98765432 has shipped.", None),  # the text has no code at all
    ],
)
def test_provider_code_that_contradicts_the_text_loses(
    provider_code: str, text: str, expected: str | None
) -> None:
    assert choose_code(provider_code, text) == expected


def test_letters_only_code_must_be_written_in_the_text() -> None:
    assert choose_code("ABCDEF", "Your code is ABCDEF") == "ABCDEF"
    assert choose_code("ABCDEF", None) is None


def test_length_and_pattern_apply_to_the_provider_code() -> None:
    text = "Your Acme codes: sign-in 482910, card PIN 7731"
    assert choose_code("7731", text, length=4) == "7731"
    assert choose_code("7731", text, length=6) == "482910"  # wrong length: read the text
    assert choose_code("482910", text, pattern=r"PIN (\d+)") == "7731"
    assert choose_code("7731", text, pattern=r"PIN (\d+)") == "7731"
    assert choose_code("7731", None, pattern=r"\d{4}") == "7731"
    assert choose_code("7731", None, pattern=r"\d{6}") is None
