"""``extract_code`` and ``choose_code`` on hostile texts: quick, never raising, codes still found.

Complements ``tests/extraction`` (a megabyte of digits, phones or code words; nasty characters
in short generated texts) with what it leaves out: whole megabytes of invisible, control or
bidi characters, digits of every script at once, non-BMP digits, lone surrogates (which JSON
``\\ud800`` escapes produce), combining marks, every option (``length``, ``pattern``) and the
provider-code path on those texts, and real right-to-left and terminal-coloured messages.
"""

from __future__ import annotations

import re
import sys
import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from otpkit import extract_code
from otpkit._extract import choose_code

MB = 1_000_000
#: Generous: a call takes well under a second here; a quadratic path would take minutes.
BOUND = 5.0

#: Every decimal digit of every script (660 of them): far more than the distinct characters
#: the normaliser swaps one by one, so its single-pass fallback runs too.
ALL_DIGITS = "".join(
    chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Nd"
)
INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e"
CONTROLS = "".join(map(chr, [*range(32), *range(127, 160)]))


def megabyte(unit: str) -> str:
    return unit * (MB // len(unit))


#: (name, text, the code it must still yield, or None for "nothing to find" / "anything goes")
HUGE: list[tuple[str, str, str | None]] = [
    ("invisible-only", megabyte(INVISIBLE + "\ufeff\u00ad"), None),
    ("controls-only", megabyte(CONTROLS), None),
    ("newlines-only", "\n" * MB, None),
    ("every-script-digits", megabyte(ALL_DIGITS + " "), None),
    ("fullwidth-digits", "１" * MB, None),
    ("non-bmp-math-digits", megabyte("𝟏𝟐𝟑𝟒𝟓𝟔 "), None),
    ("lone-surrogates", megabyte("\ud800\udfff\udc00"), None),
    ("combining-marks-on-digits", megabyte("4\u03018\u03012\u0301 "), None),
    ("rtl-override-around-each-digit", megabyte("\u202e1\u202c"), None),
    ("narrow-nbsp-groups", megabyte("482\u202f910 "), None),
    ("one-letter-digit-token", megabyte("a1"), None),
    ("letters-then-a-digit", "A" * MB + "1", None),
    ("numbers-and-separators-only", megabyte("1.2.3.4 12:34 1/2 -5 +7 "), None),
    ("code-words-only", megabyte("code OTP verification kodu код "), None),
    ("zero-width-between-every-char", megabyte("\u200b".join("Your code is 482910. ")), "482910"),
    ("code-then-a-megabyte-of-nul", "Your code is 482910" + "\x00" * MB, "482910"),
    ("a-megabyte-of-zero-width-then-code", "\u200b" * MB + "Your code is 482910", "482910"),
    ("surrogates-then-code", megabyte("\ud800") + " Your code is 482910", "482910"),
]


def _is_code(result: str | None) -> bool:
    return result is None or (result.isascii() and result.isalnum() and 3 <= len(result) <= 10)


def _timed(call: object, *args: object, **kwargs: object) -> str | None:
    started = time.perf_counter()
    result = call(*args, **kwargs)  # type: ignore[operator]
    elapsed = time.perf_counter() - started
    assert elapsed < BOUND, f"{elapsed:.1f} s"
    assert result is None or isinstance(result, str)
    return result


@pytest.mark.parametrize(
    ("text", "expected"), [(t, e) for _, t, e in HUGE], ids=[n for n, *_ in HUGE]
)
def test_a_hostile_megabyte_is_read_quickly_with_every_option(
    text: str, expected: str | None
) -> None:
    found = _timed(extract_code, text)
    assert _is_code(found)
    if expected is not None:
        assert found == expected
    assert _is_code(_timed(extract_code, text, length=6))
    by_pattern = _timed(extract_code, text, pattern=r"(\d{4,8})")
    assert by_pattern is None or re.fullmatch(r"\d{4,8}", by_pattern)
    # What the providers call with each SMS: the provider's own code checked against the text.
    assert _is_code(_timed(choose_code, "G-4829 10", text, length=6))


@pytest.mark.parametrize(
    "text",
    [
        "\u202bקוד האימות שלך הוא 482910\u202c",  # Hebrew inside a right-to-left embedding
        "קוד אימות: 482910. אין למסור את הקוד לאיש",
        "کد تایید شما: ۴۸۲۹۱۰",  # Persian (Extended Arabic-Indic) digits
        "Your code is \u202e482910\u202c",  # a right-to-left override around the code
        "Your code is \u2067482910\u2069",  # a right-to-left isolate
        "\u2068Your code is\u2069 \u2066482910\u2069",
        "\x1b[1;31mYour code is 482910\x1b[0m",  # terminal colours from a logging gateway
        "Your code is\x07 482910\r\n",
        "\x00\x01\x02 Your code is 482910 \x7f\x9f",
        "\ud83dYour code is 482910",  # half of an emoji (a lone surrogate), then the code
        "Your code is 482910\udfff",
        "Your code is 4\u200d8\u200d2\u200d9\u200d1\u200d0",  # joiners between the digits
    ],
)
def test_the_code_survives_direction_marks_and_control_characters(text: str) -> None:
    assert extract_code(text) == "482910"
    assert choose_code("482910", text) == "482910"
    assert choose_code("111111", text) == "482910"  # a contradicted provider code loses


# Every code point, surrogates included (hypothesis leaves them out of text by default).
_ANY_CHAR = st.characters(exclude_categories=())
_RAW = st.text(alphabet=st.one_of(_ANY_CHAR, st.sampled_from(INVISIBLE + CONTROLS + ALL_DIGITS)))


@settings(max_examples=150, derandomize=True, deadline=None)
@given(
    text=_RAW,
    provider_code=st.one_of(st.none(), _RAW.map(lambda t: t[:12]), st.just("482910")),
    length=st.one_of(st.none(), st.integers(min_value=1, max_value=12)),
)
def test_never_raises_on_any_code_point(
    text: str, provider_code: str | None, length: int | None
) -> None:
    assert _is_code(extract_code(text, length=length))
    chosen = choose_code(provider_code, text, length=length)
    assert chosen is None or (chosen.isascii() and chosen.isalnum())
