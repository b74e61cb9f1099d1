"""Text normalisation and word segmentation shared by the classifier and the knowledge base."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# Zero-width characters, bidirectional controls and the BOM: invisible, never meaningful here.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_SPACES = re.compile(r"\s+")


def strip_invisible(text: str) -> str:
    """Remove zero-width, bidi-control and other control characters (keeps newlines and tabs)."""
    text = _INVISIBLE.sub("", text)
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cf")
    )


def normalize(text: str) -> str:
    """Fold a text for matching: NFKC (full-width to half-width), lower case, one space."""
    text = unicodedata.normalize("NFKC", strip_invisible(text))
    return _SPACES.sub(" ", text).strip().lower()


def _is_word(token: str) -> bool:
    return any(ch.isalnum() for ch in token)


class Segmenter:
    """A picklable jieba word segmenter with its own dictionary (never jieba's global one).

    The jieba ``Tokenizer`` is built lazily and dropped when pickled, so a fitted
    scikit-learn pipeline that holds a ``Segmenter`` pickles small and loads anywhere.
    """

    def __init__(self, userdicts: Iterable[str | Path] = (), hmm: bool = True) -> None:
        self.userdicts = [str(p) for p in userdicts]
        self.hmm = hmm
        self._jieba: Any = None

    def _tokenizer(self) -> Any:
        if self._jieba is None:
            import logging

            import jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = jieba.Tokenizer()
            for path in self.userdicts:
                tokenizer.load_userdict(path)
            tokenizer.initialize()
            self._jieba = tokenizer
        return self._jieba

    def cut(self, text: str) -> list[str]:
        """Normalised words of ``text``, without spaces and punctuation."""
        words = self._tokenizer().lcut(normalize(text), HMM=self.hmm)
        return [w for w in words if _is_word(w)]

    __call__ = cut

    def __getstate__(self) -> dict[str, Any]:
        return {"userdicts": self.userdicts, "hmm": self.hmm}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.userdicts = state["userdicts"]
        self.hmm = state["hmm"]
        self._jieba = None
