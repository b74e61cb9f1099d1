"""FAQ entries, search, and the answer decision (direct / choices / unknown)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from knowledge.retrieval import RetrievalParams, Retriever, Synonyms
from textnorm import Segmenter

AnswerKind = Literal["direct", "choices", "unknown"]
DEFAULT_PARAMS = RetrievalParams()


@dataclass(frozen=True)
class FaqEntry:
    """One question with its colloquial phrasings and a plain-text answer."""

    id: str
    question: str
    alternatives: tuple[str, ...]
    answer: str
    tags: tuple[str, ...] = ()
    stations: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()

    @property
    def phrasings(self) -> tuple[str, ...]:
        return (self.question, *self.alternatives)


@dataclass(frozen=True)
class Hit:
    entry: FaqEntry
    score: float  # in [0, 1]


@dataclass(frozen=True)
class Thresholds:
    """When to answer directly, offer choices, or say we do not know.

    Chosen with ``bench/faq.py --calibrate`` on the labelled rider questions in
    tests/data/knowledge/calibration.yaml (the tests ask other questions): the thresholds
    with the lowest total cost, where a wrong direct answer costs 4, choices without the
    right entry 2, choices for a question the FAQ cannot answer 1, "unknown" for one it can
    answer 2, and a tap on the right choice 0.5. Among equal costs, no wrong direct answer.
    """

    direct: float = 0.38
    margin: float = 0.15  # the best entry must lead the second by this much to answer directly
    choices: float = 0.30


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
    if hits[0].score >= thresholds.direct and hits[0].score - second >= thresholds.margin:
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
        self._by_id = {e.id: e for e in self.entries}
        self._retriever = Retriever(
            [e.phrasings for e in self.entries],
            synonyms=synonyms,
            params=params,
            segmenter=segmenter,
        )

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str) -> FaqEntry | None:
        return self._by_id.get(entry_id)

    def search(self, query: str, k: int = 3) -> list[Hit]:
        """The ``k`` best entries for ``query``, best first."""
        return [Hit(self.entries[i], score) for i, score in self._retriever.top(query, k)]

    def ask(self, query: str) -> Answer:
        """Search and decide how the bot should answer."""
        hits = self.search(query, k=3)
        return Answer(decide(hits, self.thresholds), tuple(hits), query)
