"""Suggestion classifier: jieba + TF-IDF + scikit-learn. No Telegram, no database here.

Public API (stable; the bot uses exactly this)::

    from classifier import Classifier, Prediction, load_categories, ensure_default_model

    model_dir = ensure_default_model(Path("var/model"))  # trains from the seed set if needed
    clf = Classifier.load(model_dir)                       # trusted directories only: unpickles
    p = clf.predict("站长天天罚款，申诉也没人理")               # -> Prediction
    p.ranked        # [("labor_rights", 0.93), ...] best first, every category
    p.category, p.confidence, p.needs_review   # top id, its probability, confidence < threshold
    clf.predict_many(texts)  # -> list[Prediction], much faster than one at a time
    clf.categories           # -> list[Category] (id, name_zh, name_en, description, routing)
    clf.category("other")    # -> Category
    clf.threshold            # confidence below which a text goes to human review (待人工分类)

    report = train(examples)                 # examples: Sequence[(text, label)] -> TrainReport
    save_model(report, model_dir)            # writes the model directory
    report = evaluate(examples)              # nested stratified k-fold -> EvaluationReport

Errors: :class:`DataError` (bad input; the message names the file, row and fix),
:class:`ModelError` (missing or incompatible model directory); warning:
:class:`ModelVersionWarning` (model built with other library versions).
Command line: :mod:`classifier.cli` (``register`` adds ``train``, ``evaluate``, ``classify``
to the ``nuanxin`` command). Charts with Chinese labels: :mod:`classifier.plotting`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from classifier.categories import Category, load_categories
    from classifier.default import ensure_default_model
    from classifier.errors import DataError, ModelError, ModelVersionWarning
    from classifier.evaluation import EvaluationReport, evaluate
    from classifier.model import Classifier, Prediction, save_model
    from classifier.training import TrainReport, train

# Imported on first use, so that importing the package (the bot reads its categories)
# does not load scikit-learn.
_EXPORTS = {
    "Category": "categories",
    "load_categories": "categories",
    "ensure_default_model": "default",
    "DataError": "errors",
    "ModelError": "errors",
    "ModelVersionWarning": "errors",
    "EvaluationReport": "evaluation",
    "evaluate": "evaluation",
    "Classifier": "model",
    "Prediction": "model",
    "save_model": "model",
    "TrainReport": "training",
    "train": "training",
}
__all__ = [
    "Category",
    "Classifier",
    "DataError",
    "EvaluationReport",
    "ModelError",
    "ModelVersionWarning",
    "Prediction",
    "TrainReport",
    "ensure_default_model",
    "evaluate",
    "load_categories",
    "save_model",
    "train",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'classifier' has no attribute {name!r}")
    return getattr(importlib.import_module(f"classifier.{_EXPORTS[name]}"), name)
