"""Benchmark of the suggestion classifier on real data nobody on this project wrote.

    .venv/bin/python bench/classifier.py            # full run, about 6 minutes on 2 cores
    .venv/bin/python bench/classifier.py --quick    # 2,000-text sample, 3 folds, ~1 minute
    .venv/bin/python bench/classifier.py --plain    # also time the issue's plain pipeline

Data: ../shared/data/external/tipdm2020c/details_union.csv (2020 TipDM Cup problem C, citizen
messages with 7 labels; see its SOURCE.md). Read in place, never copied into this repository.
Rows with conflicting labels are dropped.

It runs the classifier package's own pipeline and search code (classifier.evaluation.evaluate):
1. nested stratified k-fold CV: a grid search inside every training fold, so test folds never
   take part in choosing hyperparameters: macro-F1, accuracy, training time;
2. prediction throughput of the fitted pipeline next to bare jieba segmentation of the same
   held-out texts, measured in the same process, alternating, median of 3 rounds;
3. the word segmenters compared (jieba with and without HMM, rjieba) with fixed hyperparameters,
   on a stratified 3,000-text sample (jieba itself makes this part slow);
4. the same nested CV on the project's own seed set (written by the team, not real data).
"""

from __future__ import annotations

import argparse
import csv
import logging
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from classifier.dataset import load_seed  # noqa: E402
from classifier.evaluation import EvaluationReport, evaluate  # noqa: E402
from classifier.features import (  # noqa: E402
    DEFAULT_PARAMS,
    WordTokenizer,
    build_pipeline,
    normalize_texts,
    params_from_json,
)

DATA = ROOT.parent / "shared" / "data" / "external" / "tipdm2020c" / "details_union.csv"
SEGMENTERS = [("jieba", True), ("jieba", False), ("rjieba", True), ("rjieba", False)]
SEGMENTER_SAMPLE = 3000  # texts for the segmenter comparison (jieba makes it slow)
Examples = list[tuple[str, str]]


def load_tipdm(path: Path) -> Examples:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [(r["detail"], r["label"]) for r in rows if r["label_conflict"] == "False"]


def sample(examples: Examples, size: int, seed: int = 0) -> Examples:
    """A stratified random sample of ``size`` examples."""
    labels = [label for _, label in examples]
    kept, _ = train_test_split(examples, train_size=size, stratify=labels, random_state=seed)
    return list(kept)


def rate(function: Callable[[list[str]], object], texts: list[str]) -> float:
    """Texts per second of one call of ``function`` on ``texts``."""
    started = time.perf_counter()
    function(texts)
    return len(texts) / (time.perf_counter() - started)


def bare_segmenters() -> dict[str, Callable[[list[str]], object]]:
    """Plain segmentation, as one would call it without any classifier around it."""
    import jieba
    import rjieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    engine = rjieba.Jieba()
    return {
        "jieba (HMM)": lambda texts: [tokenizer.lcut(t) for t in texts],
        "jieba (no HMM)": lambda texts: [tokenizer.lcut(t, HMM=False) for t in texts],
        "rjieba (HMM)": lambda texts: [engine.cut(t, True) for t in texts],
    }


def plain_pipeline() -> Pipeline:
    """The issue's starting point: jieba words 1-2 + characters 1-3, sklearn TF-IDF, LinearSVC."""
    words = TfidfVectorizer(
        tokenizer=WordTokenizer.from_files(engine="jieba"),
        token_pattern=None,
        lowercase=False,
        ngram_range=(1, 2),
    )
    chars = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), lowercase=False)
    return Pipeline(
        [
            ("normalize", FunctionTransformer(normalize_texts)),
            ("features", FeatureUnion([("words", words), ("chars", chars)])),
            ("clf", LinearSVC(random_state=0)),
        ]
    )


def throughput(
    examples: Examples, params: dict[str, object], plain: bool, rounds: int = 3
) -> dict[str, float]:
    """Median texts/s of the fitted pipeline and of bare segmenters on the same held-out texts."""
    texts = [t for t, _ in examples]
    labels = [label for _, label in examples]
    train_x, test_x, train_y, _ = train_test_split(
        texts, labels, test_size=0.2, stratify=labels, random_state=1
    )
    model = build_pipeline(params=params).fit(train_x, train_y)
    contenders = {"pipeline (predict_proba)": model.predict_proba, **bare_segmenters()}
    contenders["normalisation only"] = normalize_texts
    if plain:
        contenders["plain pipeline of the issue (predict)"] = (
            plain_pipeline().fit(train_x, train_y).predict
        )
    for run in contenders.values():  # warm up: dictionaries, caches
        run(test_x[:50])
    measured: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, run in contenders.items():
            measured[name].append(rate(run, test_x))
    return {name: statistics.median(values) for name, values in measured.items()}


def most_chosen(report: EvaluationReport) -> dict[str, object]:
    counts = Counter(repr(sorted(p.items())) for p in report.fold_params)
    best = counts.most_common(1)[0][0]
    return params_from_json(next(p for p in report.fold_params if repr(sorted(p.items())) == best))


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(c) for c in header], *[[_cell(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    for number, row in enumerate(cells):
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if number == 0:
            print("  ".join("-" * w for w in widths))


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if value >= 100 else f"{value:.4f}"
    return str(value)


def headline(examples: Examples, folds: int, jobs: int) -> EvaluationReport:
    started = time.perf_counter()
    report = evaluate(examples, folds=folds, search=True, n_jobs=jobs, progress=True)
    spread = np.std(report.oof.fold_macro_f1)
    print_table(
        f"tipdm2020c details, {len(examples)} texts, {len(report.oof.classes)} labels: "
        f"nested stratified {folds}-fold CV ({time.perf_counter() - started:.0f} s wall)",
        ["pipeline", "macro-F1", "± folds", "accuracy", "fit s/fold", "search s/fold"],
        [
            [
                "rjieba words + chars 1-2, TF-IDF, LinearSVC + temperature",
                report.oof.macro_f1,
                f"{spread:.3f}",
                report.oof.accuracy,
                f"{report.fit_seconds / folds:.1f}",
                f"{report.search_seconds / folds:.1f}",
            ]
        ],
    )
    print("chosen per fold:", "; ".join(f"{n}x {p}" for p, n in _choices(report)))
    return report


def _choices(report: EvaluationReport) -> list[tuple[str, int]]:
    return Counter(
        ", ".join(f"{k.rsplit('__', 1)[-1]}={v}" for k, v in sorted(p.items()))
        for p in report.fold_params
    ).most_common()


def speed(examples: Examples, params: dict[str, object], plain: bool) -> None:
    rates = throughput(examples, params, plain)
    jieba_rate = rates["jieba (HMM)"]
    print_table(
        "Throughput on the same held-out 20% texts, one process, median of 3 alternating rounds",
        ["what", "texts/s", "x bare jieba (HMM)"],
        [[name, value, f"{value / jieba_rate:.2f}"] for name, value in rates.items()],
    )


def segmenters(examples: Examples, folds: int, jobs: int) -> None:
    rows = []
    full = len(examples)
    if full > SEGMENTER_SAMPLE:
        examples = sample(examples, SEGMENTER_SAMPLE)
    for engine, hmm in SEGMENTERS:
        tokenizer = WordTokenizer.from_files(engine=engine, hmm=hmm)
        report = evaluate(examples, folds=folds, search=False, tokenizer=tokenizer, n_jobs=jobs)
        label = f"{engine} ({'HMM' if hmm else 'no HMM'})"
        rows.append([label, report.oof.macro_f1, report.oof.accuracy, report.throughput])
    print_table(
        f"Word segmenters in the same pipeline, fixed hyperparameters {_short(DEFAULT_PARAMS)}, "
        f"stratified {folds}-fold CV"
        + (
            f" on a stratified sample of {len(examples)} of the {full} texts"
            if full > len(examples)
            else ""
        )
        + f" (throughput timed inside the CV, {jobs} fold(s) at once)",
        ["segmenter", "macro-F1", "accuracy", "pipeline texts/s"],
        rows,
    )


def _short(params: dict[str, object]) -> str:
    return ", ".join(f"{k.rsplit('__', 1)[-1]}={v}" for k, v in sorted(params.items()))


def seed_set(folds: int, jobs: int) -> None:
    seed = load_seed().examples()
    report = evaluate(seed, folds=folds, search=True, n_jobs=jobs)
    spread = f"{np.std(report.oof.fold_macro_f1):.3f}"
    print_table(
        f"Our own seed set (written by the team, synthetic), {len(seed)} texts, 8 categories: "
        f"nested stratified {folds}-fold CV",
        ["data", "macro-F1", "± folds", "accuracy"],
        [["classifier/data/seed.csv", report.oof.macro_f1, spread, report.oof.accuracy]],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="2,000-text sample and 3 folds")
    parser.add_argument("--jobs", type=int, default=2, help="folds run at once (default 2)")
    parser.add_argument("--data", type=Path, default=DATA, help=f"default: {DATA}")
    parser.add_argument(
        "--plain",
        action="store_true",
        help="also time the issue's plain pipeline (jieba, words 1-2 + chars 1-3, sklearn)",
    )
    args = parser.parse_args(argv)
    if not args.data.is_file():
        print(f"error: {args.data} not found (see ../shared/data/external/README.md)")
        return 2
    examples = load_tipdm(args.data)
    folds = 3 if args.quick else 5
    if args.quick:
        examples = sample(examples, 2000)
    started = time.perf_counter()
    report = headline(examples, folds, args.jobs)
    speed(examples, most_chosen(report), args.plain)
    segmenters(examples, folds, args.jobs)
    seed_set(5, args.jobs)
    print(f"\nTotal {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
