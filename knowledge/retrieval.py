"""FAQ retrieval: each entry is a group of phrasings; a query is scored against every group.

Features are binary character unigrams+bigrams and jieba words, weighted by a softened IDF
(``idf ** idf_power``) and L2-normalised per block. An entry is the normalised sum of its
phrasings (a centroid), so a query can match words spread over several phrasings; the score
mixes the centroid cosine with the best single phrasing. Worker slang is folded to one word
by a synonym list before anything else. Every choice here was measured by ``bench/faq.py``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize as l2_rows

from textnorm import Segmenter, normalize

_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class RetrievalParams:
    """Hyperparameters, chosen on the BQ valid split (see bench/faq.py)."""

    char_ngrams: tuple[int, int] = (1, 2)
    char_weight: float = 0.9
    word_weight: float = 0.1
    idf_power: float = 0.5
    phrase_weight: float = 0.15  # share of the best single phrasing in the score
    fold_digits: bool = True  # "34000" and "9000" both become "0"
    english: bool = False  # English words (stemmed, no stop words) instead of jieba


# English: chosen on the English tuning questions (bench/faq.py --riders --split tuning).
ENGLISH_PARAMS = RetrievalParams(char_ngrams=(3, 4), char_weight=0.5, word_weight=0.5, english=True)


class Synonyms:
    """Replace variants (worker slang, typos) by one canonical word, longest variant first."""

    def __init__(self, table: Mapping[str, Sequence[str]] | None = None) -> None:
        self.canonical: dict[str, str] = {}
        for word, variants in (table or {}).items():
            for variant in variants:
                if normalize(variant):
                    self.canonical[normalize(variant)] = normalize(word)
        for word in table or {}:
            # The word maps to itself, so "电动车" is not rewritten through its variant "电动".
            if normalize(word):
                self.canonical.setdefault(normalize(word), normalize(word))
        ordered = sorted(self.canonical, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    def apply(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self.canonical[m.group(0)], text)


@functools.cache
def shared_segmenter() -> Segmenter:
    """One jieba dictionary for every load in the process (building one takes about a second)."""
    return Segmenter()


_EN_WORD = re.compile(r"[a-z0-9]+")
# Words that say nothing about which entry is meant (question words are kept out too: every
# entry's English question starts with one).
_EN_STOP = frozenset(
    re.findall(
        r"\S+",
        """a an the i me my we our you your he she it they them is are was were be been am do
        does did to of in on at for from with by and or but if so can could would should will
        shall may might must how what where when which who whom why there here this that these
        those have has had any some get got im i'm pls please just now not no yes""",
    )
)


def english_words(text: str) -> list[str]:
    """Lower-case English words without stop words, with plural, -ing, -ed and -e endings cut
    (a crude stemmer is enough for short questions: "charging" and "charge" meet)."""
    return [_stem(w) for w in _EN_WORD.findall(text.lower()) if w not in _EN_STOP]


def _stem(word: str) -> str:
    """charge, charges, charged, charging -> charg; toilets -> toilet; boss stays."""
    for suffix in ("ing", "ed", "es", "s", "e"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


class _WordAnalyzer:
    """jieba words of an already prepared text (picklable, never a lambda)."""

    def __init__(self, segmenter: Segmenter) -> None:
        self.segmenter = segmenter

    def __call__(self, text: str) -> list[str]:
        return self.segmenter.cut(text)


@dataclass(frozen=True)
class _Query:
    """A query's features: columns, their L2-normalised weights for the cosine, and each
    column's share of the question's whole weight (unknown features included) for coverage."""

    columns: NDArray[np.intp]
    weights: NDArray[np.float64]
    shares: NDArray[np.float64]


@dataclass(frozen=True)
class _Block:
    """One kind of feature: how to draw it from a text, and its weights."""

    analyze: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: NDArray[np.float64]
    scale: float  # sqrt of the block's weight
    offset: int  # where the block's columns start in the combined matrix


class Retriever:
    """Scores a query against groups of phrasings; scores are cosines in [0, 1].

    Queries are scored through inverted indexes (feature -> entries, feature -> phrasings),
    so a query touches only the rows of the features it contains.
    """

    def __init__(
        self,
        groups: Sequence[Sequence[str]],
        *,
        synonyms: Synonyms | None = None,
        params: RetrievalParams = RetrievalParams(),
        segmenter: Segmenter | None = None,
    ) -> None:
        self.params = params
        self.synonyms = synonyms or Synonyms()
        texts = [self.prepare(t) for group in groups for t in group]
        self._owner = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
        self._n = len(groups)
        self._blocks, phrases = self._fit(texts, segmenter or shared_segmenter())
        self._by_phrase = phrases.T.tocsr()  # feature -> phrasings
        self._by_entry = self._by_phrase  # feature -> entries (below, when there are any)
        if self._blocks:
            member = sp.csr_matrix(
                (np.ones(len(texts)), (self._owner, np.arange(len(texts)))),
                shape=(self._n, len(texts)),
            )
            self._by_entry = l2_rows(member @ phrases).T.tocsr()
        # feature -> entries that have it (weight 1): a query's coverage of each entry
        self._has = self._by_entry.copy()
        self._has.data[:] = 1.0

    def prepare(self, text: str) -> str:
        """The text every feature is drawn from: folded, slang replaced, digits as 0."""
        text = self.synonyms.apply(normalize(text))
        return _DIGITS.sub("0", text) if self.params.fold_digits else text

    def _vectorizers(self, segmenter: Segmenter) -> list[tuple[CountVectorizer, float]]:
        p = self.params
        char = CountVectorizer(analyzer="char_wb", ngram_range=p.char_ngrams, lowercase=False)
        words = english_words if p.english else _WordAnalyzer(segmenter)
        word = CountVectorizer(analyzer=words)
        return [(v, w) for v, w in ((char, p.char_weight), (word, p.word_weight)) if w > 0]

    def _fit(self, texts: list[str], segmenter: Segmenter) -> tuple[list[_Block], sp.csr_matrix]:
        blocks: list[_Block] = []
        parts: list[sp.csr_matrix] = []
        offset = 0
        for vectorizer, weight in self._vectorizers(segmenter) if texts else []:
            vectorizer.set_params(binary=True)
            try:
                counts = vectorizer.fit_transform(texts).astype(np.float64)
            except ValueError:  # no features at all (e.g. only punctuation)
                continue
            df = np.asarray(counts.sum(axis=0)).ravel()
            idf = (np.log((1 + len(texts)) / (1 + df)) + 1) ** self.params.idf_power
            scale = float(np.sqrt(weight))
            parts.append(l2_rows(counts @ sp.diags(idf)) * scale)
            analyze = vectorizer.build_analyzer()
            blocks.append(_Block(analyze, vectorizer.vocabulary_, idf, scale, offset))
            offset += counts.shape[1]
        if not parts:
            return [], sp.csr_matrix((len(texts), 1))
        return blocks, l2_rows(sp.hstack(parts).tocsr())

    def _query(self, text: str) -> _Query:
        """The query's features, drawn once for both its scores and its coverage."""
        prepared = self.prepare(text)
        columns: list[NDArray[np.intp]] = []
        weights: list[NDArray[np.float64]] = []
        shares: list[NDArray[np.float64]] = []
        total = 0.0
        for block in self._blocks:
            tokens = set(block.analyze(prepared))
            if not tokens:
                continue
            known = [block.vocabulary[t] for t in tokens if t in block.vocabulary]
            total += block.scale**2
            if not known:
                continue
            ids = np.array(known, dtype=np.intp)
            w = block.idf[ids]
            # features no phrasing has count in the coverage with the rarest weight
            unseen = (len(tokens) - len(ids)) * float(block.idf.max()) ** 2
            columns.append(ids + block.offset)
            weights.append(w / np.linalg.norm(w) * block.scale)
            shares.append(w**2 * block.scale**2 / (float(np.sum(w**2)) + unseen))
        if not columns:
            return _Query(np.zeros(0, dtype=np.intp), np.zeros(0), np.zeros(0))
        w = np.concatenate(weights)
        return _Query(
            np.concatenate(columns), w / np.linalg.norm(w), np.concatenate(shares) / total
        )

    def __len__(self) -> int:
        return self._n

    def scores(self, query: str) -> NDArray[np.float64]:
        """One score per group, in [0, 1]."""
        return self._scores(self._query(query))

    def _scores(self, query: _Query) -> NDArray[np.float64]:
        columns, weights = query.columns, query.weights
        if not len(columns):
            return np.zeros(self._n)
        centroid = _accumulate(self._by_entry, columns, weights, self._n)
        phrase = _accumulate(self._by_phrase, columns, weights, len(self._owner))
        touched = np.flatnonzero(phrase)
        best = np.zeros(self._n)
        np.maximum.at(best, self._owner[touched], phrase[touched])
        w = self.params.phrase_weight
        return np.clip((1 - w) * centroid + w * best, 0.0, 1.0)

    def top(self, query: str, k: int) -> list[tuple[int, float, float]]:
        """The ``k`` best groups as (index, score, coverage), best first; ties keep file
        order."""
        parsed = self._query(query)
        scores = self._scores(parsed)
        if k <= 0 or not len(scores):
            return []
        k = min(k, len(scores))
        part = np.argpartition(-scores, k - 1)[:k]
        order = part[np.lexsort((part, -scores[part]))]
        # coverage: the share of the query's weight on features each group has
        covered = _accumulate(self._has, parsed.columns, parsed.shares, self._n)
        return [(int(i), float(scores[i]), float(covered[i])) for i in order]


def _accumulate(
    index: sp.csr_matrix, columns: NDArray[np.intp], weights: NDArray[np.float64], size: int
) -> NDArray[np.float64]:
    """Dot products of a sparse query with every row, through a feature -> rows index."""
    starts, ends = index.indptr[columns], index.indptr[columns + 1]
    rows = [index.indices[s:e] for s, e in zip(starts, ends, strict=True)]
    values = [index.data[s:e] * w for s, e, w in zip(starts, ends, weights, strict=True)]
    if not rows:
        return np.zeros(size)
    totals: NDArray[np.float64] = np.bincount(
        np.concatenate(rows), np.concatenate(values), minlength=size
    ).astype(np.float64, copy=False)
    return totals
