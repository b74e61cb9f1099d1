"""FAQ entries, search, and the answer decision (direct / choices / unknown)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from knowledge.retrieval import ENGLISH_PARAMS, RetrievalParams, Retriever, Synonyms
from textnorm import Segmenter

AnswerKind = Literal["direct", "choices", "unknown"]
DEFAULT_PARAMS = RetrievalParams()


@dataclass(frozen=True)
class FaqText:
    """An entry's text in a second language (``en:`` in faq.yaml)."""

    question: str
    alternatives: tuple[str, ...]
    answer: str

    @property
    def phrasings(self) -> tuple[str, ...]:
        return (self.question, *self.alternatives)


@dataclass(frozen=True)
class FaqEntry:
    """One question with its colloquial phrasings and a plain-text answer (Chinese), and
    optionally the same in English."""

    id: str
    question: str
    alternatives: tuple[str, ...]
    answer: str
    tags: tuple[str, ...] = ()
    stations: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    en: FaqText | None = None

    @property
    def phrasings(self) -> tuple[str, ...]:
        return (self.question, *self.alternatives)

    def title(self, lang: str) -> str:
        """The question in ``lang`` (Chinese when the entry has no English text)."""
        return self.en.question if lang.startswith("en") and self.en else self.question

    def answer_in(self, lang: str) -> str:
        """The answer in ``lang`` (Chinese when the entry has no English text)."""
        return self.en.answer if lang.startswith("en") and self.en else self.answer


@dataclass(frozen=True)
class Hit:
    entry: FaqEntry
    score: float  # in [0, 1]
    coverage: float = 1.0  # share of the question's weight on words the entry has


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def is_english(text: str) -> bool:
    """A question written in English: Latin letters and no Chinese characters at all
    (pinyin such as "nihao" counts as English here: the Chinese index cannot read it either)."""
    return _CJK.search(text) is None and len(_LATIN.findall(text)) >= 2


@dataclass(frozen=True)
class Thresholds:
    """When to answer directly, offer choices, or say we do not know.

    Chosen with ``bench/faq.py --calibrate --fresh`` on the tuning part of the labelled rider
    questions (tests/data/knowledge/riders.yaml split "tuning", calibration.yaml and the
    off-topic messages of unanswerable.yaml), each
    scored without the FAQ phrasings that nearly repeat it: among the thresholds whose direct
    answers were at least 99% right and that answered at most 5% of the unanswerable questions
    directly, those answering the most questions directly. The held-out part is reported by
    ``bench/faq.py --riders`` and was never used to choose.
    """

    direct: float = 0.36
    margin: float = 0.15  # the best entry must lead the second by this much to answer directly
    choices: float = 0.26
    # The share of the question's weight the best entry must carry to answer directly: low
    # when a question is mostly about something else ("苹果手机哪款好" against phone charging).
    coverage: float = 0.4


@dataclass(frozen=True)
class Answer:
    kind: AnswerKind
    hits: tuple[Hit, ...]
    query: str = ""

    @property
    def entry(self) -> FaqEntry | None:
        """The entry to answer with when ``kind`` is "direct"."""
        return self.hits[0].entry if self.kind == "direct" and self.hits else None


def decide(hits: Sequence[Hit], thresholds: Thresholds) -> AnswerKind:
    """The decision for ranked hits."""
    if not hits or hits[0].score < thresholds.choices:
        return "unknown"
    second = hits[1].score if len(hits) > 1 else 0.0
    best = hits[0]
    if (
        best.score >= thresholds.direct
        and best.score - second >= thresholds.margin
        and best.coverage >= thresholds.coverage
    ):
        return "direct"
    return "choices"


class FaqIndex:
    """Immutable searchable FAQ."""

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        *,
        synonyms: Synonyms | None = None,
        thresholds: Thresholds = Thresholds(),
        params: RetrievalParams = DEFAULT_PARAMS,
        segmenter: Segmenter | None = None,
    ) -> None:
        self.entries: tuple[FaqEntry, ...] = tuple(entries)
        self.thresholds = thresholds
        self.synonyms = synonyms
        self._by_id = {e.id: e for e in self.entries}
        self._retriever = Retriever(
            [e.phrasings for e in self.entries],
            synonyms=synonyms,
            params=params,
            segmenter=segmenter,
        )
        # English questions are matched against the entries that have English text.
        self._english = [i for i, e in enumerate(self.entries) if e.en is not None]
        self._en_retriever = Retriever(
            [en.phrasings for e in self.entries if (en := e.en) is not None],
            params=ENGLISH_PARAMS,
        )

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    def search(self, query: str, k: int = 3) -> list[Hit]:
        """The ``k`` best entries for ``query``, best first (English questions against the
        entries' English text)."""
        if is_english(query):
            ranked = self._en_retriever.top(query, k)
            return [Hit(self.entries[self._english[i]], score, cov) for i, score, cov in ranked]
        return [Hit(self.entries[i], score, cov) for i, score, cov in self._retriever.top(query, k)]

    def ask(self, query: str) -> Answer:
        """Search and decide how the bot should answer."""
        hits = self.search(query, k=3)
        return Answer(decide(hits, self.thresholds), tuple(hits), query)
