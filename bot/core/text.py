"""What people type, cleaned and understood: invisible characters, how much a text says,
and the obvious words ("是", "不用", "skip") that answer a question without a button."""

from __future__ import annotations

import functools
import re
import unicodedata

from bot.catalog import Lang, catalog
from textnorm import normalize

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_WORD = re.compile(r"[^\W\d_\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")  # letters, not Han
_NUMBER = re.compile(r"\d+")
_PUNCTUATION = re.compile(r"[\s\W_]+")


def clean_text(text: str) -> str:
    """Drop invisible and control characters (keeping line breaks) and outer spaces."""
    kept = (ch for ch in text if ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Co"))
    return "".join(kept).strip()


def content_size(text: str) -> int:
    """How much a text says: Chinese characters, plus words of other letters, plus numbers."""
    return len(_HAN.findall(text)) + len(_WORD.findall(text)) + len(_NUMBER.findall(text))


def is_word(ch: str) -> bool:
    """A letter or digit (what a label keeps when its emoji are taken away)."""
    return unicodedata.category(ch)[0] in "LN"


def fold(text: str) -> str:
    """A typed answer as it is compared: NFKC, lower case, no spaces or punctuation."""
    return _PUNCTUATION.sub("", normalize(text))


@functools.cache
def words(key: str) -> frozenset[str]:
    """The words of a `words.*` catalog entry, in every language (folded)."""
    found: set[str] = set()
    for lang in Lang:
        for line in catalog().template(key, lang).splitlines():
            if line.strip():
                found.add(fold(line))
    return frozenset(found)


def matches(text: str, key: str) -> bool:
    """True when `text` is one of the words of the catalog entry `key` ("是的!" is "是的")."""
    folded = fold(text)
    return bool(folded) and folded in words(key)
