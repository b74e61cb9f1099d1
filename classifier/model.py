"""The trained model: a directory on disk, and the :class:`Classifier` that predicts with it.

A model directory holds::

    pipeline.joblib   the fitted scikit-learn pipeline (joblib pickle)
    categories.yaml   the categories file it was trained for
    userdict.txt      the jieba user dictionary inside its tokenizer
    stopwords.txt     the stopwords inside its tokenizer
    metadata.json     library versions, training-data hash, CV scores, hyperparameters,
                      confidence threshold and its sweep, date

Loading unpickles ``pipeline.joblib``, and unpickling can run arbitrary code: only load
model directories you trust (ones you trained, on a disk only you can write).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from scipy import sparse
from sklearn.pipeline import FeatureUnion, Pipeline

from classifier.categories import CATEGORIES_FILE, Category, load_categories
from classifier.dataset import file_sha256
from classifier.errors import DataError, ModelError, ModelVersionWarning
from classifier.features import WordTokenizer, describe_params
from classifier.training import TrainReport
from textnorm import normalize

FORMAT = 1
PIPELINE_FILE = "pipeline.joblib"
METADATA_FILE = "metadata.json"
LIBRARIES = ("scikit-learn", "numpy", "scipy", "joblib", "jieba", "rjieba")


@dataclass(frozen=True)
class Prediction:
    """The categories of one text, best first, with probabilities summing to 1."""

    text: str
    ranked: list[tuple[str, float]]
    needs_review: bool  # confidence below the model's threshold, or no words at all

    @property
    def category(self) -> str:
        return self.ranked[0][0]

    @property
    def confidence(self) -> float:
        return self.ranked[0][1]

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (``classify --json`` prints one per line)."""
        return {
            "text": self.text,
            "ranked": [{"category": c, "probability": round(p, 4)} for c, p in self.ranked],
            "needs_review": self.needs_review,
        }


class Classifier:
    """Predicts suggestion categories with a model directory's fitted pipeline."""

    def __init__(
        self,
        pipeline: Pipeline,
        categories: Sequence[Category],
        threshold: float,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        self.pipeline = pipeline
        self.categories = list(categories)
        self.threshold = threshold
        self.metadata = metadata or {}
        self._by_id = {c.id: c for c in self.categories}
        unknown = set(pipeline.classes_) - set(self._by_id)
        if unknown:
            raise ModelError(f"the model predicts unknown categories: {', '.join(sorted(unknown))}")

    @classmethod
    def load(
        cls, model_dir: str | Path, *, categories_path: str | Path | None = None
    ) -> Classifier:
        """Load a model directory (trusted only: this unpickles).

        Raises :class:`ModelError` when the directory is missing or damaged, or was built for
        categories other than those of ``categories_path`` (default: the package's file).
        Warns :class:`ModelVersionWarning` when it was built with other library versions.
        """
        model_dir = Path(model_dir)
        meta = read_metadata(model_dir)
        current = load_categories(categories_path)
        check_categories(model_dir, current, categories_path or CATEGORIES_FILE)
        check_versions(model_dir, meta.get("versions", {}))
        try:
            pipeline = joblib.load(model_dir / PIPELINE_FILE)
        except (OSError, EOFError, ValueError, ImportError, AttributeError) as exc:
            raise ModelError(f"{model_dir}: cannot load {PIPELINE_FILE}: {exc}; retrain") from exc
        classifier = cls(pipeline, current, float(meta["threshold"]["value"]), meta)
        classifier.predict("预热")  # builds the segmenter now, not at the first user's text
        return classifier

    def category(self, category_id: str) -> Category:
        return self._by_id[category_id]

    def predict(self, text: str) -> Prediction:
        """The ranked categories of one text; ``needs_review`` below the threshold."""
        return self.predict_many([text])[0]

    def predict_many(self, texts: Iterable[str]) -> list[Prediction]:
        """:meth:`predict` for many texts at once (much faster than one by one)."""
        texts = [str(t) for t in texts]
        if not texts:
            return []
        proba = self.predict_proba(texts)
        columns = {c: i for i, c in enumerate(self.pipeline.classes_)}
        return [
            self._prediction(text, row, columns) for text, row in zip(texts, proba, strict=True)
        ]

    def predict_proba(self, texts: list[str]) -> np.ndarray:
        """The pipeline's probabilities, skipping FeatureUnion's joblib machinery.

        For one text at a time (the bot's case) scikit-learn's dispatch costs more than the
        work; the result is identical to ``self.pipeline.predict_proba`` (a test checks it).
        """
        *transforms, (_, clf) = self.pipeline.steps
        x: Any = texts
        for _, step in transforms:
            if isinstance(step, FeatureUnion) and not step.transformer_weights:
                used = [t for _, t in step.transformer_list if t not in ("drop", None)]
                x = sparse.hstack([t.transform(x) for t in used], format="csr")
            else:
                x = step.transform(x)
        return clf.predict_proba(x)

    def _prediction(self, text: str, row: np.ndarray, columns: dict[str, int]) -> Prediction:
        scores = [
            (c.id, float(row[columns[c.id]]) if c.id in columns else 0.0) for c in self.categories
        ]
        ranked = sorted(scores, key=lambda item: -item[1])
        empty = not any(ch.isalnum() for ch in normalize(text))
        return Prediction(text, ranked, empty or ranked[0][1] < self.threshold)


def read_metadata(model_dir: Path) -> dict[str, Any]:
    path = model_dir / METADATA_FILE
    if not path.is_file():
        raise ModelError(f"{model_dir}: no model here ({METADATA_FILE} is missing); train one")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: unreadable model metadata ({exc}); retrain") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelError(f"{path}: not a model of format {FORMAT}; retrain")
    return meta


def check_categories(model_dir: Path, current: Sequence[Category], source: str | Path) -> None:
    """Refuse a model whose categories file has other ids than ``current``."""
    try:
        built = load_categories(model_dir / "categories.yaml")
    except DataError as exc:
        raise ModelError(f"{model_dir}: {exc}") from exc
    built_ids, current_ids = [c.id for c in built], [c.id for c in current]
    if built_ids == current_ids:
        return
    added = sorted(set(current_ids) - set(built_ids))
    removed = sorted(set(built_ids) - set(current_ids))
    change = "; ".join(
        part
        for part in (
            f"added {', '.join(added)}" if added else "",
            f"removed {', '.join(removed)}" if removed else "",
            "reordered" if not added and not removed else "",
        )
        if part
    )
    raise ModelError(
        f"{model_dir} was built with a different categories file than {source} ({change}); "
        f"retrain it with `nuanxin train --model-dir {model_dir}`"
    )


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def check_versions(model_dir: Path, built: dict[str, str]) -> None:
    """Warn (:class:`ModelVersionWarning`) when library versions differ from the model's."""
    now = library_versions()
    now["python"] = ".".join(now["python"].split(".")[:2])
    built = {**built, "python": ".".join(str(built.get("python", "")).split(".")[:2])}
    changed = [f"{k} {built.get(k)} -> {v}" for k, v in now.items() if built.get(k) != v]
    if changed:
        warnings.warn(
            ModelVersionWarning(
                f"{model_dir} was built with other library versions ({'; '.join(changed)}); "
                "predictions may differ: retrain it"
            ),
            stacklevel=3,
        )


def _tokenizer(pipeline: Pipeline) -> WordTokenizer:
    words = dict(pipeline.named_steps["features"].transformer_list)["words"]
    return words.tokenizer


def save_model(
    report: TrainReport,
    model_dir: str | Path,
    *,
    categories_path: str | Path | None = None,
    seed_sha256: str | None = None,
    sources: Sequence[str] = (),
) -> Path:
    """Write a trained model directory; an existing one is replaced only when all is written."""
    model_dir = Path(model_dir)
    categories_path = Path(categories_path or CATEGORIES_FILE)
    ids = [c.id for c in load_categories(categories_path)]
    unknown = sorted(set(report.classes) - set(ids))
    if unknown:
        raise ModelError(f"labels {', '.join(unknown)} are not categories in {categories_path}")
    model_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = model_dir.with_name(f".{model_dir.name}.new-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        _write(report, staging, categories_path, ids, seed_sha256, sources)
        _swap(staging, model_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return model_dir


def _write(
    report: TrainReport,
    target: Path,
    categories_path: Path,
    ids: list[str],
    seed_sha256: str | None,
    sources: Sequence[str],
) -> None:
    joblib.dump(report.pipeline, target / PIPELINE_FILE, compress=3)
    shutil.copyfile(categories_path, target / "categories.yaml")
    tokenizer = _tokenizer(report.pipeline)
    (target / "userdict.txt").write_text("\n".join(tokenizer.userwords) + "\n", encoding="utf-8")
    (target / "stopwords.txt").write_text("\n".join(tokenizer.stopwords) + "\n", encoding="utf-8")
    meta = {
        "format": FORMAT,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": library_versions(),
        "categories": {"ids": ids, "file_sha256": file_sha256(categories_path)},
        "training": {
            "examples": sum(report.label_counts.values()),
            "label_counts": report.label_counts,
            "data_sha256": report.data_sha256,
            "seed_sha256": seed_sha256,
            "sources": list(sources),
            "seconds": round(report.seconds, 2),
        },
        "tokenizer": {
            "engine": tokenizer.engine,
            "hmm": tokenizer.hmm,
            "userdict_sha256": file_sha256(target / "userdict.txt"),
            "stopwords_sha256": file_sha256(target / "stopwords.txt"),
        },
        "hyperparameters": {"values": describe_params(report.params), "how": report.params_source},
        "cv": {
            "folds": report.folds,
            "macro_f1": round(report.oof.macro_f1, 4),
            "accuracy": round(report.oof.accuracy, 4),
            "fold_macro_f1": [round(f, 4) for f in report.oof.fold_macro_f1],
            "note": "out-of-fold predictions with the chosen hyperparameters",
            "search": report.search_results,
        },
        "threshold": {
            "value": report.threshold,
            "target_accuracy": report.target_accuracy,
            "rule": "lowest threshold whose routed out-of-fold predictions reach the target",
            "sweep": [row.as_dict() for row in report.sweep],
        },
    }
    text = json.dumps(meta, ensure_ascii=False, indent=2)
    (target / METADATA_FILE).write_text(text + "\n", encoding="utf-8")


def _swap(staging: Path, model_dir: Path) -> None:
    old = model_dir.with_name(f".{model_dir.name}.old-{os.getpid()}")
    if model_dir.exists():
        model_dir.rename(old)
    staging.rename(model_dir)
    shutil.rmtree(old, ignore_errors=True)
