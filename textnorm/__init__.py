"""Text normalisation and word segmentation shared by the classifier and the knowledge base.

No Telegram, no database: plain functions over strings, and a jieba (or rjieba) segmenter.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import sys
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# Zero-width characters, bidirectional controls and the BOM: invisible, never meaningful here.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")
# A line of a jieba user dictionary: "word [freq] [tag]" (the same pattern jieba uses).
_USERDICT_LINE = re.compile(r"^(.+?)( [0-9]+)?( [a-z]+)?$")

ENGINES = ("jieba", "rjieba")

UserWord = tuple[str, int | None, str | None]


@functools.cache
def _control_chars() -> re.Pattern[str]:
    """One regex for every control (Cc) and format (Cf) character except newline and tab."""
    ranges: list[str] = []
    start = prev = -2
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf"):
            continue
        if code != prev + 1:
            if start >= 0:
                ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
            start = code
        prev = code
    ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
    return re.compile("[" + "".join(ranges) + "]")


def strip_invisible(text: str) -> str:
    """Remove zero-width, bidi-control and other control characters (keeps newlines and tabs)."""
    text = _INVISIBLE.sub("", text)
    if text.isprintable():  # fast path: no control or format character at all
        return text
    return _control_chars().sub("", text)


def normalize(text: str) -> str:
    """Fold a text for matching: NFKC (full-width to half-width), lower case, one space."""
    text = unicodedata.normalize("NFKC", strip_invisible(text))
    return _SPACES.sub(" ", text).strip().lower()


def _is_word(token: str) -> bool:
    return token.isalnum() or any(ch.isalnum() for ch in token)


def parse_userdict(lines: Iterable[str]) -> list[UserWord]:
    """Parse jieba user-dictionary lines ("word [freq] [tag]"); blank and ``#`` lines are skipped.

    Words are normalised like the texts they will be matched against (NFKC, lower case).
    """
    words: list[UserWord] = []
    for raw in lines:
        line = raw.strip().lstrip("\ufeff")
        if not line or line.startswith("#"):
            continue
        match = _USERDICT_LINE.match(line)
        assert match is not None  # the pattern matches any non-empty line
        word, freq, tag = match.groups()
        words.append((normalize(word), int(freq) if freq else None, tag.strip() if tag else None))
    return words


def read_userdict(path: str | Path) -> list[UserWord]:
    """Parse a UTF-8 jieba user dictionary file."""
    return parse_userdict(Path(path).read_text(encoding="utf-8-sig").splitlines())


@functools.lru_cache(maxsize=8)
def _engine(engine: str, words: tuple[UserWord, ...]) -> Any:
    """A word-segmentation engine with its own dictionary plus ``words``; shared, read-only.

    Cached per process so that the many clones a cross-validated search makes of one
    tokenizer do not each load a dictionary of 350,000 words.
    """
    if engine == "rjieba":
        import rjieba

        segmenter = rjieba.Jieba()
        for word, freq, tag in words:
            segmenter.add_word(word, freq, tag)
        return segmenter
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    lines = "\n".join(" ".join(str(p) for p in w if p is not None) for w in words)
    tokenizer.load_userdict(io.StringIO(lines))
    return tokenizer


class Segmenter:
    """A picklable word segmenter with its own dictionary (never jieba's global one).

    ``userdicts`` are jieba user-dictionary files, ``userwords`` extra lines in the same
    format (kept inside the pickle, so a fitted model does not depend on files).
    ``engine`` is ``"jieba"`` (the reference implementation) or ``"rjieba"`` (jieba-rs,
    the same dictionary and algorithm in Rust, about 20 times faster).

    The engine is built lazily and dropped when pickled, so a fitted scikit-learn
    pipeline that holds a ``Segmenter`` pickles small and loads anywhere.
    """

    def __init__(
        self,
        userdicts: Iterable[str | Path] = (),
        hmm: bool = True,
        *,
        userwords: Iterable[str] = (),
        engine: str = "jieba",
    ) -> None:
        if engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}")
        self.userdicts = [str(p) for p in userdicts]
        self.userwords = list(userwords)
        self.hmm = hmm
        self.engine = engine
        self._impl: Any = None

    def _words(self) -> tuple[UserWord, ...]:
        words: list[UserWord] = []
        for path in self.userdicts:
            words.extend(read_userdict(path))
        words.extend(parse_userdict(self.userwords))
        return tuple(words)

    def _segment(self, text: str) -> list[str]:
        if self._impl is None:
            self._impl = _engine(self.engine, self._words())
        if self.engine == "rjieba":
            return self._impl.cut(text, self.hmm)
        return self._impl.lcut(text, HMM=self.hmm)

    def cut(self, text: str) -> list[str]:
        """Normalised words of ``text``, without spaces and punctuation."""
        return self.cut_normalized(normalize(text))

    def cut_normalized(self, text: str) -> list[str]:
        """Words of a text that :func:`normalize` has already folded."""
        return [w for w in self._segment(text) if _is_word(w)]

    __call__ = cut

    def __getstate__(self) -> dict[str, Any]:
        return {
            "userdicts": self.userdicts,
            "userwords": self.userwords,
            "hmm": self.hmm,
            "engine": self.engine,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.userdicts = state["userdicts"]
        self.userwords = state.get("userwords", [])
        self.hmm = state["hmm"]
        self.engine = state.get("engine", "jieba")
        self._impl = None
