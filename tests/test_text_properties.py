"""Property tests: the text normalisers take any input without raising, and stay clean."""

from __future__ import annotations

import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.suggest.flow import MAX_TEXT, text_problem
from bot.core.text import clean_text
from textnorm import normalize, strip_invisible

ANY_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300
) | st.sampled_from(["\u202e\u200b", "😭" * 5, "\x00\x07\x1b[31m", "<b>&amp;", "'; --"])


@given(ANY_TEXT)
@settings(max_examples=300, deadline=None)
def test_normalize_is_idempotent_and_invisible_free(value: str) -> None:
    once = normalize(value)
    assert normalize(once) == once
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in once)


@given(ANY_TEXT)
@settings(max_examples=300, deadline=None)
def test_strip_invisible_keeps_only_visible_and_line_breaks(value: str) -> None:
    for ch in strip_invisible(value):
        assert ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf")


@given(ANY_TEXT)
@settings(max_examples=300, deadline=None)
def test_clean_text_and_problem_never_raise(value: str) -> None:
    cleaned = clean_text(value)
    assert cleaned == cleaned.strip()
    assert not any(unicodedata.category(ch) in ("Cf", "Co") for ch in cleaned)
    problem = text_problem(cleaned)
    known = {"suggest.empty", "suggest.too_long", "suggest.too_short", "suggest.no_words"}
    assert problem is None or problem[0] in known
    if problem is None:
        assert 0 < len(cleaned) <= MAX_TEXT
