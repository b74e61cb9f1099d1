"""Stratified k-fold evaluation of the pipeline on any labelled data (nested when searching)."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from tqdm import tqdm

from classifier.dataset import Dataset, check_counts
from classifier.features import (
    DEFAULT_PARAMS,
    WordTokenizer,
    build_pipeline,
    describe_params,
    segmentation_cache,
)
from classifier.metrics import (
    DEFAULT_TARGET_ACCURACY,
    OutOfFold,
    choose_threshold,
    format_confusion,
    format_scores,
    format_sweep,
)
from classifier.training import DEFAULT_FOLDS, search_params

INNER_FOLDS = 3


@dataclass
class FoldResult:
    """One outer fold: held-out probabilities, chosen parameters and timings."""

    test_idx: np.ndarray
    classes: list[str]
    proba: np.ndarray
    params: dict[str, Any]
    fit_seconds: float
    predict_seconds: float
    search_seconds: float = 0.0


@dataclass
class EvaluationReport:
    """What ``nuanxin evaluate`` prints: scores, confusion, threshold sweep, throughput."""

    oof: OutOfFold
    folds: int
    params_how: str
    fold_params: list[dict[str, Any]]
    fit_seconds: float
    predict_seconds: float
    search_seconds: float = 0.0
    target_accuracy: float = DEFAULT_TARGET_ACCURACY

    @property
    def texts(self) -> int:
        return len(self.oof.y_true)

    @property
    def throughput(self) -> float:
        """Texts predicted per second (normalisation, segmentation, features, classifier)."""
        return self.texts / self.predict_seconds if self.predict_seconds else float("inf")

    @property
    def threshold(self) -> float:
        return choose_threshold(self.oof.sweep(), self.target_accuracy)

    def format(self) -> str:
        chosen = Counter(
            ", ".join(f"{k.rsplit('__', 1)[-1]}={v}" for k, v in sorted(p.items()))
            for p in self.fold_params
        )
        return "\n".join(
            [
                f"Stratified {self.folds}-fold cross-validation of {self.texts} texts in "
                f"{len(self.oof.classes)} categories; hyperparameters {self.params_how}.",
                format_scores(self.oof),
                "",
                "Confusion matrix (rows: true category, columns: predicted, numbered as rows):",
                format_confusion(self.oof),
                "",
                f"Threshold sweep (out-of-fold confidence; chosen: the lowest threshold whose "
                f"routed texts reach {self.target_accuracy:.0%} accuracy):",
                format_sweep(self.oof.sweep(), self.threshold),
                "",
                f"Throughput: {self.texts} texts predicted in {self.predict_seconds:.2f} s = "
                f"{self.throughput:,.0f} texts/s. Training a fold: "
                f"{self.fit_seconds / self.folds:.1f} s to fit"
                + (
                    f", {self.search_seconds / self.folds:.1f} s to search"
                    if self.search_seconds
                    else ""
                )
                + ".",
                "Hyperparameters per fold: "
                + "; ".join(f"{n}× {p}" for p, n in chosen.most_common()),
            ]
        )


def _fit_fold(
    texts: np.ndarray,
    y: np.ndarray,
    split: tuple[np.ndarray, np.ndarray],
    options: dict[str, Any],
) -> FoldResult:
    train_idx, test_idx = split
    X_train, y_train = texts[train_idx].tolist(), y[train_idx]
    tokenizer, params, seed = options["tokenizer"], options["params"], options["random_state"]
    chosen = {**DEFAULT_PARAMS, **(params or {})}
    started = time.perf_counter()
    if options["search"]:
        inner = StratifiedKFold(options["inner_folds"], shuffle=True, random_state=seed)
        with segmentation_cache():
            base = build_pipeline(tokenizer, params, random_state=seed)
            quiet = tqdm(disable=True)
            chosen, _ = search_params(base, X_train, y_train, inner, quiet, options["grid"])
    searched = time.perf_counter()
    model = build_pipeline(tokenizer, chosen, random_state=seed).fit(X_train, y_train)
    fitted = time.perf_counter()
    proba = model.predict_proba(texts[test_idx].tolist())
    done = time.perf_counter()
    return FoldResult(
        test_idx,
        list(model.classes_),
        proba,
        chosen,
        fit_seconds=fitted - searched,
        predict_seconds=done - fitted,
        search_seconds=searched - started,
    )


def evaluate(
    examples: Sequence[tuple[str, str]] | Dataset,
    *,
    folds: int = DEFAULT_FOLDS,
    search: bool = True,
    inner_folds: int = INNER_FOLDS,
    grid: Mapping[str, Sequence[Any]] | None = None,
    params: Mapping[str, Any] | None = None,
    tokenizer: WordTokenizer | None = None,
    target_accuracy: float = DEFAULT_TARGET_ACCURACY,
    n_jobs: int = 1,
    progress: bool = False,
    random_state: int = 0,
) -> EvaluationReport:
    """Stratified k-fold scores of the pipeline on ``(text, label)`` examples (any labels).

    With ``search`` each training fold runs its own grid search (``inner_folds``-fold) and
    the test fold never takes part in choosing hyperparameters: nested cross-validation.
    Without it, ``params`` (default :data:`DEFAULT_PARAMS`) are used in every fold.
    Throughput is timed per test fold in the fitting process (use ``n_jobs=1`` for clean
    timings). Raises :class:`DataError` when a label has too few examples.
    """
    data = (
        examples if isinstance(examples, Dataset) else Dataset.from_examples(examples, "examples")
    )
    check_counts(data, folds)
    texts, y = np.asarray(data.texts, dtype=object), np.asarray(data.labels, dtype=object)
    options = {
        "search": search,
        "inner_folds": inner_folds,
        "grid": grid,
        "params": params,
        "tokenizer": tokenizer,
        "random_state": random_state,
    }
    splits = StratifiedKFold(folds, shuffle=True, random_state=random_state).split(texts, y)
    jobs = (delayed(_fit_fold)(texts, y, split, options) for split in splits)
    bar = tqdm(total=folds, desc="evaluating", unit="fold", file=sys.stderr, disable=not progress)
    with bar:
        results = []
        for result in Parallel(n_jobs=n_jobs, return_as="generator")(jobs):
            results.append(result)
            bar.update(1)
    return _report(results, y, folds, search, inner_folds, target_accuracy)


def _report(
    results: list[FoldResult],
    y: np.ndarray,
    folds: int,
    search: bool,
    inner_folds: int,
    target_accuracy: float,
) -> EvaluationReport:
    classes = sorted(set(y.tolist()))
    proba = np.zeros((len(y), len(classes)))
    fold_f1 = []
    for result in results:
        columns = np.asarray([classes.index(c) for c in result.classes])
        proba[np.ix_(result.test_idx, columns)] = result.proba
        predicted = [classes[i] for i in proba[result.test_idx].argmax(axis=1)]
        fold_f1.append(float(f1_score(y[result.test_idx], predicted, average="macro")))
    how = (
        f"chosen by a {inner_folds}-fold grid search inside each training fold (nested CV: "
        "test folds never take part in the choice)"
        if search
        else "fixed in advance, not searched"
    )
    return EvaluationReport(
        oof=OutOfFold(classes, y.tolist(), proba, fold_f1),
        folds=folds,
        params_how=how,
        fold_params=[describe_params(r.params) for r in results],
        fit_seconds=sum(r.fit_seconds for r in results),
        predict_seconds=sum(r.predict_seconds for r in results),
        search_seconds=sum(r.search_seconds for r in results),
        target_accuracy=target_accuracy,
    )
