"""Command line: ``nuanxin train | evaluate | classify`` (also ``python -m classifier ...``).

The bot's ``nuanxin`` command adds these subcommands with :func:`register`; each sets
``func`` on the parsed namespace, a callable ``func(args) -> int`` returning the exit status
(0 done, 2 bad input: the message on stderr names the file, the row and the fix)::

    sub = parser.add_subparsers(dest="command", required=True)
    classifier.cli.register(sub, reviewed_source=storage.reviewed_examples,
                            model_dir_default=settings.MODEL_DIR)
    args = parser.parse_args(argv)
    sys.exit(args.func(args))
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from classifier.categories import load_categories
from classifier.dataset import Dataset, data_sha256, load_seed, read_csv
from classifier.default import ensure_default_model
from classifier.errors import DataError, ModelError
from classifier.evaluation import evaluate
from classifier.metrics import DEFAULT_TARGET_ACCURACY
from classifier.model import Classifier, Prediction, save_model
from classifier.plotting import FontNotFoundError, plot_evaluation
from classifier.training import DEFAULT_FOLDS, train

ReviewedSource = Callable[[], list[tuple[str, str]]]
Handler = Callable[[argparse.Namespace], int]
DEFAULT_MODEL_DIR = "var/model"
TOP = 3  # categories shown per text by `classify`


def default_model_dir() -> Path:
    """``$MODEL_DIR`` or ``var/model`` (the bot passes its MODEL_DIR setting instead)."""
    return Path(os.environ.get("MODEL_DIR") or DEFAULT_MODEL_DIR)


def _fraction(value: str) -> float:
    number = float(value)
    if not 0.0 < number <= 1.0:
        raise argparse.ArgumentTypeError(f"{value} is not a fraction between 0 and 1, e.g. 0.9")
    return number


def _guarded(handler: Handler) -> Handler:
    """Turn expected errors into a message on stderr and exit status 2."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except (DataError, ModelError, FontNotFoundError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    return run


def register(
    subparsers: Any,
    reviewed_source: ReviewedSource | None = None,
    *,
    model_dir_default: str | Path | None = None,
) -> None:
    """Add ``train``, ``evaluate`` and ``classify`` to an argparse subparsers object.

    ``reviewed_source()`` returns the ``(text, category_id)`` pairs whose category staff
    confirmed or corrected (the bot reads them from its database) for
    ``train --include-reviewed``.
    """
    model_dir = Path(model_dir_default) if model_dir_default else default_model_dir()
    _add_train(subparsers, model_dir, reviewed_source)
    _add_evaluate(subparsers, model_dir)
    _add_classify(subparsers, model_dir)


def _model_dir_option(parser: argparse.ArgumentParser, default: Path, note: str = "") -> None:
    parser.add_argument(
        "--model-dir",
        type=Path,
        default=default,
        metavar="DIR",
        help=f"model directory (default: {default}){note}",
    )


def _data_options(parser: argparse.ArgumentParser, required: bool) -> None:
    parser.add_argument(
        "--data",
        type=Path,
        nargs="+",
        action="extend",
        default=[],
        required=required,
        metavar="CSV",
        help="UTF-8 CSV file(s) with a header row, one labelled text per row",
    )
    parser.add_argument("--text-col", default="text", help="text column (default: text)")
    parser.add_argument("--label-col", default="label", help="label column (default: label)")
    parser.add_argument(
        "--target-accuracy",
        type=_fraction,
        default=DEFAULT_TARGET_ACCURACY,
        metavar="P",
        help="the confidence threshold is the lowest at which automatically routed texts "
        f"reach this accuracy (default: {DEFAULT_TARGET_ACCURACY})",
    )
    parser.add_argument(
        "--folds",
        type=int,
        default=DEFAULT_FOLDS,
        choices=range(3, 11),
        metavar="K",
        help=f"cross-validation folds, 3-10 (default: {DEFAULT_FOLDS})",
    )


def _add_train(subparsers: Any, model_dir: Path, source: ReviewedSource | None) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train the suggestion classifier and save the model directory",
        description="Train on the seed set plus CSV files (labels: category ids or Chinese "
        "names), print a cross-validated report and save the model directory.",
    )
    _data_options(parser, required=False)
    parser.add_argument(
        "--include-reviewed",
        action="store_true",
        help="also train on suggestions whose category staff confirmed or corrected",
    )
    parser.add_argument(
        "--no-search",
        action="store_true",
        help="skip the hyperparameter search and use the package defaults (faster)",
    )
    _model_dir_option(parser, model_dir)
    parser.set_defaults(func=_guarded(functools.partial(_train, reviewed_source=source)))


def _add_evaluate(subparsers: Any, model_dir: Path) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help="stratified k-fold report of the classifier on labelled data",
        description="Nested stratified k-fold cross-validation: per-category precision, "
        "recall and F1, macro-F1, accuracy, confusion matrix, confidence-threshold sweep and "
        "throughput. Without --data it evaluates the seed set.",
    )
    _data_options(parser, required=False)
    parser.add_argument(
        "--no-search",
        action="store_true",
        help="fixed default hyperparameters instead of a grid search in every fold (faster)",
    )
    parser.add_argument(
        "--plot",
        type=Path,
        metavar="FILE.png",
        help="draw the confusion matrix and the threshold sweep into a PNG file",
    )
    _model_dir_option(parser, model_dir, "; not used: evaluate trains a model per fold")
    parser.set_defaults(func=_guarded(_evaluate))


def _add_classify(subparsers: Any, model_dir: Path) -> None:
    parser = subparsers.add_parser(
        "classify",
        help="print the likely categories of texts",
        description="Print the top categories with probabilities for each text; '-' reads "
        "one text per line from standard input. Trains the default model first if needed.",
    )
    parser.add_argument("texts", nargs="+", metavar="TEXT", help="texts to classify, or -")
    parser.add_argument("--json", action="store_true", help="one JSON object per text")
    _model_dir_option(parser, model_dir)
    parser.set_defaults(func=_guarded(_classify))


def _read_data(args: argparse.Namespace) -> Dataset:
    data = Dataset()
    for path in args.data:
        data = data + read_csv(path, args.text_col, args.label_col)
    return data


def _train(args: argparse.Namespace, reviewed_source: ReviewedSource | None) -> int:
    data, sources = load_seed() + _read_data(args), ["seed", *map(str, args.data)]
    if args.include_reviewed:
        if reviewed_source is None:
            raise DataError(
                "--include-reviewed reads reviewed suggestions from the bot's database: run it "
                "as `nuanxin train --include-reviewed` (python -m classifier has no database)"
            )
        data = data + Dataset.from_examples(reviewed_source(), "reviewed suggestions")
        sources.append("reviewed suggestions")
    how = "package defaults, not searched (--no-search)" if args.no_search else ""
    report = train(
        data,
        folds=args.folds,
        search=not args.no_search,
        params_source=how,
        target_accuracy=args.target_accuracy,
        categories=load_categories(),
        progress=True,
    )
    seed_sha = data_sha256(load_seed().examples())
    save_model(report, args.model_dir, seed_sha256=seed_sha, sources=sources)
    print(report.format())
    print(f"\nModel saved to {args.model_dir}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    data = _read_data(args) if args.data else load_seed()
    report = evaluate(
        data,
        folds=args.folds,
        search=not args.no_search,
        target_accuracy=args.target_accuracy,
        progress=True,
    )
    print(report.format())
    if args.plot:
        names = {c.id: c.name_zh for c in load_categories()}
        plot_evaluation(report.oof, report.threshold, args.plot, names=names)
        print(f"\nPlot saved to {args.plot}")
    return 0


def _classify(args: argparse.Namespace) -> int:
    texts = args.texts
    if texts == ["-"]:
        texts = [line.strip() for line in sys.stdin if line.strip()]
    classifier = Classifier.load(ensure_default_model(args.model_dir))
    for prediction in classifier.predict_many(texts):
        if args.json:
            print(json.dumps(prediction.as_dict(), ensure_ascii=False))
        else:
            print(_describe(classifier, prediction))
    return 0


def _describe(classifier: Classifier, prediction: Prediction) -> str:
    lines = [prediction.text]
    for category_id, probability in prediction.ranked[:TOP]:
        name = classifier.category(category_id).name_zh
        lines.append(f"  {probability:6.1%}  {name} ({category_id})")
    if prediction.needs_review:
        lines.append(
            f"  -> 待人工分类 needs human review (confidence {prediction.confidence:.2f} "
            f"< threshold {classifier.threshold:.2f})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """``python -m classifier``: the same commands as ``nuanxin``, without the database."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = argparse.ArgumentParser(
        prog="python -m classifier", description="The suggestion classifier of nuanxin."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    register(subparsers)
    args = parser.parse_args(argv)
    return int(args.func(args))
