"""extract_code's options and the shapes a code comes in: groups, scripts, hidden characters."""

from __future__ import annotations

import doctest
import re
import time

import pytest

from otpkit import _extract
from otpkit._extract import extract_code


def test_docstring_examples_run() -> None:
    assert doctest.testmod(_extract).failed == 0


@pytest.mark.parametrize(
    "text",
    [
        "Your code is 482910",
        "Your code is 482-910",
        "Your code is 482 910",
        "Your code is 48 29 10",
        "Your code is 4-8-2-9-1-0",
        "Your code is ٤٨٢٩١٠",  # Arabic-Indic
        "Your code is ۴۸۲۹۱۰",  # Persian
        "Your code is ४८२९१०",  # Devanagari
        "Your code is １２３".replace("１２３", "４８２９１０"),  # full width
        "Your code is 48\u200b29\u200b10",  # zero-width spaces
        "Your code is \u200e482910\u200e",  # LTR marks around it
        "Your code is 482\u00ad910",  # soft hyphen
        "Your code is 482\u00a0910",  # no-break space between groups
        "Your code is 482\u2013910",  # en dash between groups
        "\ufeffYour code is 482910\x00",  # BOM, NUL
    ],
)
def test_the_same_code_however_it_is_written(text: str) -> None:
    assert extract_code(text) == "482910"


def test_length_keeps_only_codes_of_that_length() -> None:
    text = "Your Acme codes: sign-in 482910, card PIN 7731"
    assert extract_code(text, length=4) == "7731"
    assert extract_code(text, length=6) == "482910"
    assert extract_code(text, length=5) is None


def test_length_counts_characters_without_separators() -> None:
    assert extract_code("Your WhatsApp code: 123-456", length=6) == "123456"
    assert extract_code("Your WhatsApp code: 123-456", length=3) is None


@pytest.mark.parametrize("length", [0, -1])
def test_length_must_be_positive(length: int) -> None:
    with pytest.raises(ValueError, match="length"):
        extract_code("Your code is 482910", length=length)


def test_pattern_overrides_the_heuristics() -> None:
    text = "Your code is 482910. Backup PIN: 7731"
    assert extract_code(text) == "482910"
    assert extract_code(text, pattern=r"PIN: (\d+)") == "7731"
    assert extract_code(text, pattern=re.compile(r"pin: (\d+)", re.IGNORECASE)) == "7731"


def test_pattern_without_group_returns_the_whole_match() -> None:
    assert extract_code("ref 55501234 code 7731", pattern=r"\b\d{4}\b") == "7731"


def test_pattern_result_is_normalised_and_joined() -> None:
    assert extract_code("Kod: ٤٨٢-٩١٠", pattern=r"Kod: ([\d-]+)") == "482910"


def test_pattern_with_length_skips_matches_of_other_lengths() -> None:
    assert extract_code("1234 123456 99", pattern=r"(\d+)", length=6) == "123456"


def test_pattern_that_does_not_match_gives_none() -> None:
    assert extract_code("Your code is 482910", pattern=r"PIN (\d+)") is None
    assert extract_code("Your code is 482910", pattern=r"(x)?482910") is None  # empty group


def test_webotp_line_wins_over_the_visible_text() -> None:
    text = "Your code is 111111.\n\n@login.example.com #482910 @shop.example.net"
    assert extract_code(text) == "482910"
    # With a length the WebOTP code does not fit, the heuristics decide.
    assert extract_code("Code 4821\n@example.com #482910", length=4) == "4821"


def test_app_hash_of_the_sms_retriever_is_never_the_code() -> None:
    assert extract_code("<#> Your code: 4821\nAB+12345678") == "4821"
    assert extract_code("<#> Kodunuz 5531 k3Jd9+f2LmA") == "5531"
    assert extract_code("<#> Welcome!\nFA+9qCX9VSu") is None


def test_letters_and_digits_codes_keep_their_case() -> None:
    assert extract_code("Your X confirmation code is fqk3m7zp.") == "fqk3m7zp"
    assert extract_code("Your code: K7P-Q2X") == "K7PQ2X"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t",
        "No digits here at all, not even a code.",
        "Your code is",
        "\u200f\u200e\u200b",
        "😀😀😀",
        "Total: $19.99, due 24.11.2026 at 14:30",
        "Call +1 415 555 0100 or 0850 123 45 67",
        "Valid for 10 minutes, expires in 5 min, 10 dakika geçerlidir",
        "Save 20% with promo code SAVE20",
        "https://example.com/verify/482910",
    ],
)
def test_no_code(text: str) -> None:
    assert extract_code(text) is None


def _megabyte_texts() -> list[str]:
    size = 1_000_000
    return [
        "1" * size,
        "123456 " * (size // 7),
        "1-" * (size // 2),
        "٤٨\u200f" * (size // 3),
        "code 1234 " * (size // 10),
        "x " * (size // 2) + "code: 482910",
        "Order #1234 code " * (size // 17),
        "+1 415 555 0100 " * (size // 16),
        "@a.b #123456\n" * (size // 13),
    ]


@pytest.mark.parametrize("text", _megabyte_texts(), ids=lambda text: repr(text[:12]))
def test_a_megabyte_returns_promptly(text: str) -> None:
    started = time.perf_counter()
    result = extract_code(text)
    assert time.perf_counter() - started < 2.0
    assert result is None or (result.isascii() and result.isalnum())
