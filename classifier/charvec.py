"""Character n-gram TF-IDF computed with numpy instead of a Python loop over every n-gram.

:class:`CharNgramTfidf` gives the same matrix as
``TfidfVectorizer(analyzer="char", ngram_range=..., lowercase=False, sublinear_tf=True)``
on normalised text (one space between words), up to the order of the columns, several
times faster: every n-gram becomes one integer (its code points in base 2**21), one sort of
``(n-gram, text)`` pairs counts them, and vocabulary lookup and weighting are array
operations over the whole batch. A test pins the equivalence.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

_BITS = 21
_BASE = 1 << _BITS  # above the largest code point (0x10FFFF) plus one
MAX_N = 2  # an n-gram key (2 x 21 bits) and a text index (21 bits) share one int64
_BATCH = _BASE - 1  # texts per batch, so that a text index fits in 21 bits


def _ngram_keys(texts: list[str], ngram_range: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """(document index, n-gram key) of every character n-gram of ``texts``."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    joined = "".join(texts).encode("utf-32-le", errors="surrogatepass")
    digits = np.frombuffer(joined, dtype=np.uint32).astype(np.int64) + 1  # never 0
    docs = np.repeat(np.arange(len(texts)), lengths)
    left = np.repeat(lengths, lengths) - (
        np.arange(len(digits)) - np.repeat(lengths.cumsum() - lengths, lengths)
    )
    all_docs, all_keys = [], []
    for n in range(ngram_range[0], ngram_range[1] + 1):
        valid = np.flatnonzero(left >= n)  # n-grams must not cross into the next text
        keys = digits[valid]
        for offset in range(1, n):
            keys = keys * _BASE + digits[valid + offset]
        all_docs.append(docs[valid])
        all_keys.append(keys)
    return np.concatenate(all_docs), np.concatenate(all_keys)


def _pairs(texts: list[str], ngram_range: tuple[int, int]) -> tuple[np.ndarray, ...]:
    """Distinct (n-gram key, text index) pairs sorted by key, and how often each occurs."""
    docs, keys = _ngram_keys(texts, ngram_range)
    pairs = np.sort((keys << _BITS) | docs)
    starts = np.flatnonzero(np.r_[len(pairs) > 0, pairs[1:] != pairs[:-1]])
    counts = np.diff(np.r_[starts, len(pairs)]).astype(np.float64)
    unique = pairs[starts]
    return unique >> _BITS, unique & (_BASE - 1), counts


def _decode(key: int) -> str:
    chars = []
    while key:
        key, digit = divmod(int(key), _BASE)
        chars.append(chr(digit - 1))
    return "".join(reversed(chars))


class CharNgramTfidf(TransformerMixin, BaseEstimator):
    """Character n-gram TF-IDF of normalised texts (smooth idf, l2-normalised rows).

    Parameters follow :class:`~sklearn.feature_extraction.text.TfidfVectorizer`:
    ``ngram_range`` (up to 2 characters), ``min_df`` (documents, an int) and ``sublinear_tf``.
    Learned: ``vocabulary_`` (sorted n-gram keys) and ``idf_``.
    """

    def __init__(
        self, ngram_range: tuple[int, int] = (1, 2), min_df: int = 1, sublinear_tf: bool = True
    ) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.sublinear_tf = sublinear_tf

    def _texts(self, X: Iterable[str]) -> list[str]:
        if isinstance(X, str):
            raise ValueError("expected an iterable of texts, got one string")
        low, high = self.ngram_range
        if not 1 <= low <= high <= MAX_N:
            raise ValueError(f"ngram_range must satisfy 1 <= min <= max <= {MAX_N}")
        texts = [str(text) for text in X]
        if len(texts) > _BATCH and not hasattr(self, "vocabulary_"):
            raise ValueError(f"fit on at most {_BATCH} texts")
        return texts

    def fit(self, X: Iterable[str], y: Any = None) -> CharNgramTfidf:
        self.fit_transform(X)
        return self

    def fit_transform(self, X: Iterable[str], y: Any = None, **fit_params: Any) -> sp.csr_matrix:
        texts = self._texts(X)
        keys, docs, counts = _pairs(texts, self.ngram_range)
        starts = np.flatnonzero(np.r_[len(keys) > 0, keys[1:] != keys[:-1]])
        df = np.diff(np.r_[starts, len(keys)])  # texts per n-gram: pairs are distinct
        keep = df >= self.min_df
        if not keep.any():
            raise ValueError("empty vocabulary: no character n-gram reaches min_df")
        self.vocabulary_ = keys[starts][keep]
        self.idf_ = np.log((1 + len(texts)) / (1 + df[keep])) + 1.0
        column = np.repeat(np.cumsum(keep) - 1, df)
        kept = np.repeat(keep, df)
        return self._matrix(docs[kept], column[kept], counts[kept], len(texts))

    def transform(self, X: Iterable[str]) -> sp.csr_matrix:
        check_is_fitted(self, "vocabulary_")
        texts = self._texts(X)
        if len(texts) > _BATCH:
            return sp.vstack(
                [self.transform(texts[i : i + _BATCH]) for i in range(0, len(texts), _BATCH)],
                format="csr",
            )
        keys, docs, counts = _pairs(texts, self.ngram_range)
        column = np.searchsorted(self.vocabulary_, keys)  # keys are sorted: fast
        column[column == len(self.vocabulary_)] = 0
        known = self.vocabulary_[column] == keys
        return self._matrix(docs[known], column[known], counts[known], len(texts))

    def _matrix(
        self, docs: np.ndarray, columns: np.ndarray, counts: np.ndarray, rows: int
    ) -> sp.csr_matrix:
        """Weighted CSR rows; columns come sorted within each row (pairs are sorted by key)."""
        shape = (rows, len(self.vocabulary_))
        return self._weigh(sp.coo_matrix((counts, (docs, columns)), shape=shape).tocsr())

    def _weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        if self.sublinear_tf:
            np.log(counts.data, out=counts.data)
            counts.data += 1.0
        counts.data *= self.idf_[counts.indices]
        squares = np.bincount(
            np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr)),
            weights=counts.data**2,
            minlength=counts.shape[0],
        )
        norms = np.sqrt(squares)
        norms[norms == 0] = 1.0
        counts.data /= np.repeat(norms, np.diff(counts.indptr))
        return counts

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        check_is_fitted(self, "vocabulary_")
        return np.asarray([_decode(k) for k in self.vocabulary_], dtype=object)
