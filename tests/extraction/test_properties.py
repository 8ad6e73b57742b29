"""Properties over generated texts: extract_code never raises, and what it returns is a code."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from otpkit._extract import choose_code, extract_code

# Characters that make extraction hard: digits of other scripts, full-width digits, bidi and
# zero-width marks, separators, and the punctuation of prices, dates, phones and URLs.
_NASTY = (
    "0123456789٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹०१२३४५६७८९０１２３４５６７８９𝟎𝟏𝟐"
    "\u200e\u200f\u200b\u200c\u200d\u2066\u2069\u202e\ufeff\u00ad\ufe0f\u20e3"
    " \u00a0\u3000\t\n\r-\u2013\u2212.,:/+#@*%$€₺()[]<>"
    "abcXYZ<#>kodкод验证码コード인증번호رمز😀\x00\x07"
)
_WORDS = st.sampled_from(
    [
        "code",
        "Your code is",
        "kodunuz",
        "код:",
        "验证码",
        "OTP",
        "G-",
        "<#>",
        "Order #",
        "Ref:",
        "Call +1",
        "TL",
        "$",
        "%",
        "min",
        "dakika",
        "分钟",
        "https://example.com/",
        "@example.com #",
        "valid for",
        "STOP to",
    ]
)
_TOKENS = st.one_of(
    st.text(alphabet=_NASTY, max_size=12),
    st.from_regex(r"\d{1,12}", fullmatch=True),
    st.from_regex(r"\d{3}[- ]\d{3}", fullmatch=True),
    st.from_regex(r"(\d{1,4}[-. :/]){1,6}\d{1,4}", fullmatch=True),
    _WORDS,
)
_ADVERSARIAL = st.lists(_TOKENS, max_size=40).map(" ".join)
_LONG_RUNS = st.tuples(
    st.sampled_from(["1", "12 ", "1-", "٤", "\u200f1", "1\u200b", "9.", "+1 ", "0"]),
    st.integers(min_value=1, max_value=20_000),
).map(lambda pair: pair[0] * pair[1])


def _check(result: str | None, length: int | None = None) -> None:
    if result is not None:
        assert result.isascii() and result.isalnum(), result
        assert 3 <= len(result) <= 10
        if length is not None:
            assert len(result) == length


@given(st.text())
@example("")
@example("\x00" * 50)
def test_never_raises_on_any_text(text: str) -> None:
    _check(extract_code(text))


@given(_ADVERSARIAL)
def test_never_raises_on_adversarial_text(text: str) -> None:
    _check(extract_code(text))


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(_LONG_RUNS)
def test_never_raises_on_long_runs(text: str) -> None:
    _check(extract_code(text))


@given(st.one_of(_ADVERSARIAL, st.text()), st.integers(min_value=1, max_value=12))
def test_length_is_respected(text: str, length: int) -> None:
    _check(extract_code(text, length=length), length)


@given(
    st.one_of(st.none(), st.text(max_size=20), st.from_regex(r"\d{2,12}", fullmatch=True)),
    st.one_of(st.none(), _ADVERSARIAL, st.text()),
)
def test_choose_code_never_raises(provider_code: str | None, text: str | None) -> None:
    result = choose_code(provider_code, text)
    assert result is None or (result.isascii() and result.isalnum())


_TEMPLATES = [
    "Your verification code is {code}",
    "{code} is your Acme code. Don't share it.",
    "Doğrulama kodunuz: {code}. 3 dakika geçerlidir.",
    "Ваш код подтверждения: {code}",
    "您的验证码是{code}，5分钟内有效",
    "<#> Your code: {code}\nFA+9qCX9VSu",
    "Order #98765432: your code is {code}. Valid for 10 minutes.",
]
_SCRIPTS = ["0123456789", "٠١٢٣٤٥٦٧٨٩", "۰۱۲۳۴۵۶۷۸۹", "０１２３４５６７８９"]


@given(
    st.from_regex(r"[1-9][0-9]{3,7}", fullmatch=True),
    st.sampled_from(_TEMPLATES),
    st.sampled_from(_SCRIPTS),
    st.sampled_from(["", "\u200b", "\u200e", "\u200f", "\u2066"]),
)
def test_a_code_in_a_known_template_is_found(
    code: str, template: str, script: str, mark: str
) -> None:
    # Written in any script, with invisible marks between its digits, it reads back as ASCII.
    written = mark.join(script[int(digit)] for digit in code)
    assert extract_code(template.format(code=written)) == code


@given(st.text(), st.sampled_from([r"(\d+)", r"\d{4,}", r"code[: ]+(\w+)", r"(x)?y"]))
def test_pattern_never_raises(text: str, pattern: str) -> None:
    result = extract_code(text, pattern=pattern)
    assert result is None or (result and re.search(r"\s", result) is None)
