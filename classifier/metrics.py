"""Scores of out-of-fold predictions, the confidence-threshold sweep, and their text tables."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.metrics import precision_recall_fscore_support as prfs

# Confidence thresholds tried by the sweep (0.00, 0.01, ..., 0.99).
THRESHOLDS = tuple(round(t / 100, 2) for t in range(100))
SHOWN_EVERY = 5  # the printed table shows every 5th threshold (and the chosen one)
DEFAULT_TARGET_ACCURACY = 0.9
MIN_COVERAGE = 0.2  # a threshold that leaves less than this to automatic routing is useless


@dataclass(frozen=True)
class SweepRow:
    """At ``threshold``: the share of texts routed automatically and their accuracy."""

    threshold: float
    coverage: float
    accuracy: float
    routed: int

    def as_dict(self) -> dict[str, float]:
        return {
            "threshold": self.threshold,
            "coverage": round(self.coverage, 4),
            "accuracy": round(self.accuracy, 4),
            "routed": self.routed,
        }


@dataclass
class OutOfFold:
    """Held-out predictions of a k-fold cross-validation: every text predicted once."""

    classes: list[str]
    y_true: list[str]
    proba: np.ndarray  # (n_texts, n_classes), columns in the order of ``classes``
    fold_macro_f1: list[float] = field(default_factory=list)

    @property
    def y_pred(self) -> list[str]:
        return [self.classes[i] for i in self.proba.argmax(axis=1)]

    @property
    def confidence(self) -> np.ndarray:
        return self.proba.max(axis=1)

    @property
    def macro_f1(self) -> float:
        return float(f1_score(self.y_true, self.y_pred, labels=self.classes, average="macro"))

    @property
    def accuracy(self) -> float:
        return float(accuracy_score(self.y_true, self.y_pred))

    def confusion(self) -> np.ndarray:
        return confusion_matrix(self.y_true, self.y_pred, labels=self.classes)

    def sweep(self) -> list[SweepRow]:
        return threshold_sweep(self.y_true, self.y_pred, self.confidence)


def threshold_sweep(
    y_true: Sequence[str], y_pred: Sequence[str], confidence: np.ndarray
) -> list[SweepRow]:
    """Coverage and accuracy of the texts whose confidence reaches each threshold."""
    correct = np.asarray(y_true) == np.asarray(y_pred)
    rows = []
    for threshold in THRESHOLDS:
        kept = confidence >= threshold
        routed = int(kept.sum())
        accuracy = float(correct[kept].mean()) if routed else 1.0
        rows.append(SweepRow(threshold, routed / len(correct), accuracy, routed))
    return rows


def choose_threshold(
    sweep: Sequence[SweepRow], target_accuracy: float = DEFAULT_TARGET_ACCURACY
) -> float:
    """The lowest threshold whose routed texts reach ``target_accuracy``.

    The lowest such threshold sends the fewest texts to human review. When no threshold with
    at least :data:`MIN_COVERAGE` coverage reaches the target, the most accurate of those wins.
    """
    usable = [row for row in sweep if row.coverage >= MIN_COVERAGE] or list(sweep[:1])
    reaching = [row for row in usable if row.accuracy >= target_accuracy]
    if reaching:
        return min(row.threshold for row in reaching)
    return max(usable, key=lambda row: (row.accuracy, -row.threshold)).threshold


def _width(text: str) -> int:
    """Terminal columns: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def format_scores(oof: OutOfFold) -> str:
    """Per-class precision, recall and F1, then macro-F1 and accuracy."""
    p, r, f, s = prfs(oof.y_true, oof.y_pred, labels=oof.classes, zero_division=0)
    width = max(12, *(_width(c) for c in oof.classes))
    lines = [f"{_pad('category', width)}  precision  recall     f1  support"]
    for i, name in enumerate(oof.classes):
        lines.append(f"{_pad(name, width)}  {p[i]:9.3f}  {r[i]:6.3f}  {f[i]:5.3f}  {s[i]:7d}")
    folds = oof.fold_macro_f1
    spread = f" (folds: {np.mean(folds):.3f} ± {np.std(folds):.3f})" if folds else ""
    lines.append(f"macro-F1 {oof.macro_f1:.3f}{spread}   accuracy {oof.accuracy:.3f}")
    return "\n".join(lines)


def format_confusion(oof: OutOfFold) -> str:
    """The confusion matrix, true categories as rows, predicted as columns (numbered)."""
    matrix = oof.confusion()
    width = max(12, *(_width(c) for c in oof.classes))
    head = " ".join(f"{j + 1:>5}" for j in range(len(oof.classes)))
    corner = _pad("true \\ predicted", width + 4)
    lines = [f"{corner} {head}"]
    for i, name in enumerate(oof.classes):
        cells = " ".join(f"{v:5d}" for v in matrix[i])
        lines.append(f"{i + 1:>2}. {_pad(name, width)} {cells}")
    return "\n".join(lines)


def format_sweep(sweep: Sequence[SweepRow], chosen: float | None = None) -> str:
    """The coverage-vs-accuracy table; ``chosen`` is marked."""
    lines = ["threshold  coverage  accuracy  to human review"]
    for row in sweep:
        is_chosen = chosen is not None and row.threshold == chosen
        if round(row.threshold * 100) % SHOWN_EVERY and not is_chosen:
            continue
        mark = "  <- chosen" if is_chosen else ""
        review = 1 - row.coverage
        lines.append(
            f"{row.threshold:9.2f}  {row.coverage:8.1%}  {row.accuracy:8.1%}  {review:15.1%}{mark}"
        )
    return "\n".join(lines)
