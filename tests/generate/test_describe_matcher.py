"""The description matcher built from a text's candidate phrases finds what the whole
vocabulary's alternation finds."""

from __future__ import annotations

import re
from functools import cache

import pytest

from generation_corpus import load_corpus
from threatgate.generate.describe import (
    lowered_text,
    phrase_alternatives,
    phrase_matcher,
    vocabulary,
)

SECTIONS = ("technology", "data", "flag", "senses")


@cache
def whole_vocabulary(section: str) -> re.Pattern[str]:
    """Every phrase of the section in one alternation (what every text was matched
    against before candidates were picked)."""
    _, patterns, _ = phrase_alternatives(section)
    groups = "|".join(f"(?P<g{i}>{pattern})" for i, pattern in enumerate(patterns))
    return re.compile(rf"(?<![\w])(?:{groups})(?![\w])")


def texts() -> list[str]:
    """The corpus's descriptions, and sentences naming every phrase of every section in
    the ways people write them: in lists, plural, hyphenated, upper case, negated."""
    found = [case.description for case in load_corpus().cases]
    for section in SECTIONS:
        phrases = list(vocabulary().phrases(section))
        for i in range(0, len(phrases), 7):
            chunk = phrases[i:i + 7]
            found.append(f"We use {', '.join(chunk)} and no {chunk[0]}s here.")
            found.append(" ".join(p.upper().replace(" ", "-") for p in chunk))
            found.append("_".join(p.replace(" ", "_") + "es" for p in chunk))
    return found


@pytest.mark.parametrize("section", SECTIONS)
def test_candidates_match_as_the_whole_vocabulary_does(section: str) -> None:
    whole = whole_vocabulary(section)
    for text in texts():
        lowered = lowered_text(text)
        pattern, _ = phrase_matcher(section, lowered)
        expected = [(m.span(), m.lastgroup) for m in whole.finditer(lowered)]
        got = [] if pattern is None else [(m.span(), m.lastgroup)
                                          for m in pattern.finditer(lowered)]
        assert got == expected, text


def test_a_text_without_any_phrase_gets_no_pattern() -> None:
    assert phrase_matcher("technology", "zzzz qqqq")[0] is None
