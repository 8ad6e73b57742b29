"""Every message of the corpus gives the code a person would read in it, or None."""

from __future__ import annotations

import pytest

from otpkit._extract import extract_code
from tests.extraction.corpus import CORPUS, Case


def _id(case: Case) -> str:
    return case[0][:40].replace("\n", " ")


@pytest.mark.parametrize("case", CORPUS, ids=[_id(case) for case in CORPUS])
def test_corpus(case: Case) -> None:
    text, expected = case[0], case[1]
    length = case[2] if len(case) == 3 else None
    assert extract_code(text, length=length) == expected


def test_corpus_is_broad() -> None:
    assert len(CORPUS) >= 120
    readings = {(case[0], case[2] if len(case) == 3 else None) for case in CORPUS}
    assert len(readings) == len(CORPUS)  # no message is listed twice
    negatives = [case for case in CORPUS if case[1] is None]
    assert len(negatives) >= 40
