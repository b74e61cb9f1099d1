"""Training: cross-validated hyperparameter search, out-of-fold threshold sweep, final fit."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.metrics import f1_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline
from tqdm import tqdm

from classifier.categories import Category, load_categories
from classifier.dataset import Dataset, check_counts, check_labels, data_sha256
from classifier.features import (
    DEFAULT_PARAMS,
    PARAM_GRID,
    WordTokenizer,
    build_pipeline,
    describe_params,
    segmentation_cache,
)
from classifier.metrics import (
    DEFAULT_TARGET_ACCURACY,
    OutOfFold,
    SweepRow,
    choose_threshold,
    format_scores,
    format_sweep,
)

DEFAULT_FOLDS = 5
_CALIBRATED = "clf__estimator__"  # grid keys of the SVM inside the calibration


@dataclass
class TrainReport:
    """A fitted pipeline and how it was chosen and scored."""

    pipeline: Pipeline
    params: dict[str, Any]
    params_source: str
    oof: OutOfFold
    threshold: float
    target_accuracy: float
    folds: int
    data_sha256: str
    label_counts: dict[str, int]
    seconds: float
    search_results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def classes(self) -> list[str]:
        return self.oof.classes

    @property
    def sweep(self) -> list[SweepRow]:
        return self.oof.sweep()

    def format(self) -> str:
        """The cross-validated report printed by ``nuanxin train``."""
        chosen = ", ".join(f"{k.rsplit('__', 1)[-1]}={v}" for k, v in sorted(self.params.items()))
        routed = next(row for row in self.sweep if row.threshold == self.threshold)
        return "\n".join(
            [
                f"Trained on {sum(self.label_counts.values())} examples in "
                f"{len(self.label_counts)} categories in {self.seconds:.1f} s "
                f"(data sha256 {self.data_sha256[:12]}).",
                f"Hyperparameters: {chosen}; {self.params_source}.",
                "",
                f"Cross-validated report ({self.folds}-fold, out-of-fold predictions; the "
                "hyperparameters were chosen on the same folds, so this is slightly "
                "optimistic: `evaluate` gives a nested estimate):",
                format_scores(self.oof),
                "",
                f"Confidence threshold {self.threshold:.2f} (the lowest whose routed texts reach "
                f"{self.target_accuracy:.0%} accuracy): {routed.coverage:.1%} routed "
                f"automatically at {routed.accuracy:.1%} accuracy, "
                f"{1 - routed.coverage:.1%} to human review (待人工分类).",
                format_sweep(self.sweep, self.threshold),
            ]
        )


class _ProgressScorer:
    """Macro-F1 scorer that also advances a progress bar (one tick per fitted fold)."""

    def __init__(self, bar: tqdm[Any]) -> None:
        self.bar = bar

    def __call__(self, estimator: Any, X: Sequence[str], y: Sequence[str]) -> float:
        score = float(f1_score(y, estimator.predict(X), average="macro"))
        self.bar.update(1)
        return score


def grid_size(grid: Mapping[str, Sequence[Any]] | None = None) -> int:
    return int(np.prod([len(values) for values in (grid or PARAM_GRID).values()]))


def _bare_svm(pipeline: Pipeline) -> Pipeline:
    """The pipeline with the uncalibrated SVM as its last step.

    Temperature scaling with ``ensemble=False`` predicts the classes of the SVM fitted on all
    the data, so both pipelines score the same macro-F1; the bare one fits 4 times faster.
    """
    svm = clone(pipeline.named_steps["clf"].estimator)
    return Pipeline([*pipeline.steps[:-1], ("clf", svm)])


def search_params(
    pipeline: Pipeline,
    X: Sequence[str],
    y: np.ndarray,
    cv: StratifiedKFold,
    bar: tqdm[Any],
    grid: Mapping[str, Sequence[Any]] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Grid-search ``grid`` (default :data:`PARAM_GRID`) by macro-F1.

    Returns the best parameters and every candidate's mean and spread over the folds.
    """
    bare = {k.replace(_CALIBRATED, "clf__"): list(v) for k, v in (grid or PARAM_GRID).items()}
    search = GridSearchCV(
        _bare_svm(pipeline),
        bare,
        scoring=_ProgressScorer(bar),
        cv=cv,
        refit=False,
        error_score="raise",
    )
    search.fit(X, y)
    results = search.cv_results_
    candidates = [
        {
            "params": describe_params(_calibrated(p)),
            "mean_macro_f1": round(float(m), 4),
            "std": round(float(s), 4),
        }
        for p, m, s in zip(
            results["params"], results["mean_test_score"], results["std_test_score"], strict=True
        )
    ]
    return _calibrated(search.best_params_), candidates


def _calibrated(params: Mapping[str, Any]) -> dict[str, Any]:
    return {
        k.replace("clf__", _CALIBRATED) if k.startswith("clf__") else k: v
        for k, v in params.items()
    }


def out_of_fold(
    pipeline: Pipeline, X: Sequence[str], y: np.ndarray, cv: StratifiedKFold, bar: tqdm[Any]
) -> OutOfFold:
    """Fit on k-1 folds and predict the held-out fold, k times."""
    classes = sorted(set(y.tolist()))
    proba = np.zeros((len(X), len(classes)))
    fold_f1 = []
    texts = np.asarray(X, dtype=object)
    for train_idx, test_idx in cv.split(texts, y):
        model = clone(pipeline).fit(texts[train_idx].tolist(), y[train_idx])
        columns = np.asarray([classes.index(c) for c in model.classes_])
        proba[np.ix_(test_idx, columns)] = model.predict_proba(texts[test_idx].tolist())
        predicted = [classes[i] for i in proba[test_idx].argmax(axis=1)]
        fold_f1.append(float(f1_score(y[test_idx], predicted, average="macro")))
        bar.update(1)
    return OutOfFold(classes, y.tolist(), proba, fold_f1)


def checked_dataset(
    examples: Sequence[tuple[str, str]] | Dataset,
    categories: Sequence[Category] | None,
    folds: int,
) -> Dataset:
    """Labels mapped to category ids, counts checked; raises DataError."""
    data = (
        examples if isinstance(examples, Dataset) else Dataset.from_examples(examples, "examples")
    )
    if categories is not None:
        aliases = {c.name_zh: c.id for c in categories}
        data = check_labels(data, [c.id for c in categories], aliases)
    check_counts(data, folds)
    return data


def train(
    examples: Sequence[tuple[str, str]] | Dataset,
    *,
    folds: int = DEFAULT_FOLDS,
    search: bool = True,
    grid: Mapping[str, Sequence[Any]] | None = None,
    params: Mapping[str, Any] | None = None,
    params_source: str = "",
    target_accuracy: float = DEFAULT_TARGET_ACCURACY,
    categories: Sequence[Category] | None = None,
    tokenizer: WordTokenizer | None = None,
    progress: bool = False,
    random_state: int = 0,
) -> TrainReport:
    """Train a model on ``(text, label)`` examples (labels: category ids or Chinese names).

    With ``search`` the hyperparameters are chosen by :class:`GridSearchCV` over ``grid``
    (default :data:`PARAM_GRID`); otherwise ``params`` (or :data:`DEFAULT_PARAMS`) are used and
    ``params_source`` should say where they came from. Out-of-fold predictions with the
    chosen parameters give the cross-validated report and the confidence threshold.
    Raises :class:`DataError` for unknown labels or too few examples of a label.
    """
    started = time.perf_counter()
    data = checked_dataset(examples, categories or load_categories(), folds)
    X, y = data.texts, np.asarray(data.labels, dtype=object)
    cv = StratifiedKFold(folds, shuffle=True, random_state=random_state)
    total = (grid_size(grid) * folds if search else 0) + folds + 1
    bar = tqdm(total=total, desc="training", unit="fit", file=sys.stderr, disable=not progress)
    with bar, segmentation_cache():
        base = build_pipeline(tokenizer, params, random_state=random_state)
        results: list[dict[str, Any]] = []
        chosen = {**DEFAULT_PARAMS, **(params or {})}
        if search:
            chosen, results = search_params(base, X, y, cv, bar, grid)
            best = max(r["mean_macro_f1"] for r in results)
            params_source = (
                f"chosen by GridSearchCV over {len(results)} candidates, {folds}-fold "
                f"stratified CV on this training data, macro-F1 {best:.3f}"
            )
        oof = out_of_fold(base.set_params(**chosen), X, y, cv, bar)
        pipeline = build_pipeline(tokenizer, chosen, random_state=random_state).fit(X, y)
        bar.update(1)
    return TrainReport(
        pipeline=pipeline,
        params=chosen,
        params_source=params_source or "given by the caller",
        oof=oof,
        threshold=choose_threshold(oof.sweep(), target_accuracy),
        target_accuracy=target_accuracy,
        folds=folds,
        data_sha256=data_sha256(data.examples()),
        label_counts=dict(sorted(Counter(data.labels).items())),
        seconds=time.perf_counter() - started,
        search_results=results,
    )
