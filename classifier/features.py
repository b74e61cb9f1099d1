"""The model: a scikit-learn ``Pipeline`` of TF-IDF features and a calibrated linear SVM.

    normalize  FunctionTransformer(normalize_texts)         NFKC, lower case, one space
    features   FeatureUnion
                 words  TfidfVectorizer(tokenizer=WordTokenizer(...))   jieba words
                 chars  CharNgramTfidf()   character n-grams (TfidfVectorizer(analyzer="char")
                                           computed with numpy, same matrix)
    clf        CalibratedClassifierCV(LinearSVC(), method="temperature")

Every hyperparameter is reachable with ``set_params`` (``clf__estimator__C``,
``features__words__ngram_range``, ...); :data:`PARAM_GRID` is the grid that training
searches by cross-validation.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

from classifier.charvec import CharNgramTfidf
from classifier.dataset import STOPWORDS_FILE, USERDICT_FILE, read_wordlist
from textnorm import Segmenter, normalize

# The grid that cross-validation searches. Small on purpose: a nested evaluation on 7,000
# texts must finish in minutes on two cores. Fixed by measurement on real data (see
# classifier/README.md): word bigrams and character trigrams scored no better and cost
# prediction speed, so words are unigrams and characters 1-2-grams.
PARAM_GRID: dict[str, list[Any]] = {
    "clf__estimator__C": [0.3, 1.0, 3.0],
    "clf__estimator__class_weight": [None, "balanced"],
}
# Used when a caller asks for no search (quick evaluations): the middle of the grid.
DEFAULT_PARAMS: dict[str, Any] = {
    "clf__estimator__C": 1.0,
    "clf__estimator__class_weight": None,
}
CALIBRATION_FOLDS = 3


_memo: dict[tuple[str, str], Any] | None = None


@contextlib.contextmanager
def segmentation_cache() -> Iterator[None]:
    """Memoise normalisation and word segmentation of repeated texts inside the block.

    A cross-validated search segments every training text again for each candidate and
    fold; inside this block it pays once. Results are identical; only time changes, so
    prediction throughput is never timed inside it.
    """
    global _memo
    outer = _memo
    _memo = {} if outer is None else outer
    try:
        yield
    finally:
        _memo = outer


def normalize_texts(texts: Iterable[str]) -> list[str]:
    """The pipeline's first step: :func:`textnorm.normalize` on every text."""
    memo = _memo
    if memo is None:
        return [normalize(str(text)) for text in texts]
    out = []
    for text in texts:
        key = ("", str(text))
        if key not in memo:
            memo[key] = normalize(key[1])
        out.append(memo[key])
    return out


class WordTokenizer:
    """``TfidfVectorizer(tokenizer=...)``: the words of a normalised text, minus stopwords.

    Picklable (a module-level class; its segmentation engine is rebuilt lazily after
    unpickling). It has its own dictionary: ``userwords`` are jieba user-dictionary lines
    kept inside the object, so a pickled model never depends on files or on the
    process-wide ``jieba.dt``.
    """

    def __init__(
        self,
        userwords: Sequence[str] = (),
        stopwords: Iterable[str] = (),
        *,
        hmm: bool = True,
        engine: str = "rjieba",
    ) -> None:
        self.userwords = tuple(userwords)
        self.stopwords = tuple(sorted(set(stopwords)))
        self.hmm = hmm
        self.engine = engine
        self._segmenter = Segmenter(userwords=self.userwords, hmm=hmm, engine=engine)
        self._stop = frozenset(self.stopwords)
        config = repr((self.userwords, self.stopwords, hmm, engine)).encode("utf-8")
        self._key = hashlib.sha1(config).hexdigest()  # names this configuration in the memo

    @classmethod
    def from_files(
        cls,
        userdict: str | Path = USERDICT_FILE,
        stopwords: str | Path | None = STOPWORDS_FILE,
        **options: Any,
    ) -> WordTokenizer:
        """A tokenizer with the words of a user dictionary file and a stopword file."""
        userwords = Path(userdict).read_text(encoding="utf-8-sig").splitlines()
        stop = read_wordlist(stopwords) if stopwords is not None else []
        return cls(userwords, stop, **options)

    def __call__(self, text: str) -> list[str]:
        memo = _memo
        if memo is None:
            return self._words(text)
        key = (self._key, text)
        if key not in memo:
            memo[key] = self._words(text)
        return list(memo[key])

    def _words(self, text: str) -> list[str]:
        stop = self._stop
        return [w for w in self._segmenter.cut_normalized(text) if w not in stop]

    def __repr__(self) -> str:
        return (
            f"WordTokenizer(<{len(self.userwords)} user words>, <{len(self.stopwords)} "
            f"stopwords>, hmm={self.hmm}, engine={self.engine!r})"
        )

    def __getstate__(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("userwords", "stopwords", "hmm", "engine")}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(  # type: ignore[misc]
            state["userwords"], state["stopwords"], hmm=state["hmm"], engine=state["engine"]
        )


def build_pipeline(
    tokenizer: WordTokenizer | None = None,
    params: Mapping[str, Any] | None = None,
    *,
    random_state: int = 0,
) -> Pipeline:
    """An unfitted pipeline; ``params`` (``set_params`` names) default to :data:`DEFAULT_PARAMS`."""
    words = TfidfVectorizer(
        tokenizer=tokenizer or WordTokenizer.from_files(),
        token_pattern=None,
        lowercase=False,
        ngram_range=(1, 1),
        sublinear_tf=True,
    )
    chars = CharNgramTfidf(ngram_range=(1, 2), sublinear_tf=True)
    svm = LinearSVC(random_state=random_state)
    pipeline = Pipeline(
        [
            ("normalize", FunctionTransformer(normalize_texts)),
            ("features", FeatureUnion([("words", words), ("chars", chars)])),
            (
                "clf",
                CalibratedClassifierCV(
                    svm, method="temperature", cv=CALIBRATION_FOLDS, ensemble=False
                ),
            ),
        ]
    )
    return pipeline.set_params(**{**DEFAULT_PARAMS, **(params or {})})


def describe_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-friendly hyperparameters (tuples become lists)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(params.items())}


def params_from_json(params: Mapping[str, Any]) -> dict[str, Any]:
    """Inverse of :func:`describe_params` for the ``ngram_range`` style values."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
