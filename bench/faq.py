"""FAQ retrieval benchmark on the BQ corpus (bank customer-service questions grouped by intent).

Groups with at least 4 phrasings: the first half (after a fixed shuffle) becomes an entry's
question and alternatives, the other half are the queries. The bot's own code
(``knowledge.faq.FaqIndex``) is measured next to a BM25 baseline over jieba tokens.
Parameters are tuned with ``--split valid``; the figures to report come from ``--split test``.

    .venv/bin/python bench/faq.py                  # test split, ablation, latency
    .venv/bin/python bench/faq.py --split valid --grid
    .venv/bin/python bench/faq.py --calibrate      # thresholds from the rider questions

The corpus is read from ../shared/data/external/bq_corpus (never copied into the repo).
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import yaml
from rank_bm25 import BM25Okapi

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge import load_knowledge, sample_dir  # noqa: E402
from knowledge.faq import FaqEntry, FaqIndex, Thresholds, decide  # noqa: E402
from knowledge.retrieval import RetrievalParams  # noqa: E402
from textnorm import Segmenter  # noqa: E402

CORPUS = ROOT / ".." / "shared" / "data" / "external" / "bq_corpus"
CALIBRATION = ROOT / "tests" / "data" / "knowledge" / "calibration.yaml"
Split = tuple[list[list[str]], list[tuple[str, int]]]
SEGMENTER = Segmenter()


def load_split(split: str) -> Split:
    """Entries (phrasing halves) and queries (text, entry index) for one split."""
    clusters: dict[int, list[str]] = {}
    path = CORPUS / f"derived_{split}_positive_clusters.csv"
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            clusters.setdefault(int(row["cluster_id"]), []).append(row["sentence"])
    entries: list[list[str]] = []
    queries: list[tuple[str, int]] = []
    for cid, sentences in sorted(clusters.items()):
        if len(sentences) < 4:
            continue
        random.Random(cid).shuffle(sentences)
        half = len(sentences) // 2
        queries += [(q, len(entries)) for q in sentences[half:]]
        entries.append(sentences[:half])
    return entries, queries


def as_entries(groups: list[list[str]]) -> list[FaqEntry]:
    return [FaqEntry(f"e{i}", g[0], tuple(g[1:]), "") for i, g in enumerate(groups)]


def accuracy(ranked: list[list[int]], truth: list[int]) -> tuple[float, float]:
    top1 = np.mean([r[:1] == [t] for r, t in zip(ranked, truth, strict=True)])
    top3 = np.mean([t in r[:3] for r, t in zip(ranked, truth, strict=True)])
    return float(top1), float(top3)


def run_index(split: Split, params: RetrievalParams) -> tuple[float, float]:
    groups, queries = split
    index = FaqIndex(as_entries(groups), params=params, segmenter=SEGMENTER)
    ranked = [[int(h.entry.id[1:]) for h in index.search(q, 3)] for q, _ in queries]
    return accuracy(ranked, [t for _, t in queries])


def run_bm25(split: Split) -> tuple[float, float]:
    """BM25 (rank_bm25) over jieba tokens of each phrasing, best phrasing per entry."""
    groups, queries = split
    owner = np.repeat(np.arange(len(groups)), [len(g) for g in groups])
    bm25 = BM25Okapi([SEGMENTER.cut(t) or ["∅"] for g in groups for t in g])
    ranked = []
    for query, _ in queries:
        per_entry = np.full(len(groups), -np.inf)
        np.maximum.at(per_entry, owner, bm25.get_scores(SEGMENTER.cut(query)))
        ranked.append(list(np.argsort(-per_entry, kind="stable")[:3]))
    return accuracy(ranked, [t for _, t in queries])


ABLATION = [
    (
        "jieba words, TF-IDF, best phrasing",
        RetrievalParams(
            char_weight=0, word_weight=1, idf_power=1, phrase_weight=1, fold_digits=False
        ),
    ),
    (
        "+ char 1-2 grams (char 0.9, words 0.1)",
        RetrievalParams(idf_power=1, phrase_weight=1, fold_digits=False),
    ),
    (
        "+ entry centroid (0.85) and best phrasing (0.15)",
        RetrievalParams(idf_power=1, fold_digits=False),
    ),
    ("+ softened IDF (idf ** 0.5)", RetrievalParams(fold_digits=False)),
    ("+ digits folded (= the bot's default)", RetrievalParams()),
]


def table(rows: list[tuple[str, float, float]], title: str) -> None:
    print(f"\n{title}\n{'method':<52} {'top-1':>6} {'top-3':>6}")
    for name, top1, top3 in rows:
        print(f"{name:<52} {top1:>6.3f} {top3:>6.3f}")


def accuracy_report(split_name: str) -> None:
    split = load_split(split_name)
    groups, queries = split
    rows = [("BM25 baseline (rank_bm25, jieba tokens)", *run_bm25(split))]
    rows += [(name, *run_index(split, params)) for name, params in ABLATION]
    table(rows, f"BQ {split_name}: {len(groups)} entries, {len(queries)} queries")


def grid(split_name: str) -> None:
    """The search that chose RetrievalParams (run on the valid split only)."""
    split = load_split(split_name)
    rows = []
    for cw in (0.5, 0.75, 1.0):
        for power in (0.25, 0.5, 0.75, 1.0):
            for pw in (0.0, 0.15, 0.3, 0.5):
                params = RetrievalParams(
                    char_weight=cw, word_weight=1 - cw, idf_power=power, phrase_weight=pw
                )
                rows.append((f"char {cw} idf^{power} phrase {pw}", *run_index(split, params)))
    rows.sort(key=lambda r: r[1] + r[2], reverse=True)
    table(rows[:15], f"grid on BQ {split_name} (best 15 by top-1 + top-3)")


def latency(sizes: tuple[int, ...] = (1_000, 10_000), n_queries: int = 500) -> None:
    sentences: set[str] = set()
    for name in ("test.csv", "valid.csv"):
        with (CORPUS / name).open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                sentences.update((row["text_a"], row["text_b"]))
    pool = sorted(sentences)
    rnd = random.Random(7)
    print(f"\nlatency per query (FaqIndex.search, k=3; {n_queries} queries)")
    print(f"{'entries':>8} {'build s':>8} {'median ms':>10} {'p99 ms':>8} {'CPU p99 ms':>11}")
    for size in sizes:
        groups = [rnd.sample(pool, 4) for _ in range(size)]
        start = time.perf_counter()
        index = FaqIndex(as_entries(groups), segmenter=SEGMENTER)
        build = time.perf_counter() - start
        queries = rnd.sample(pool, n_queries)
        index.search(queries[0])
        wall, cpu = [], []
        for query in queries:
            t0, c0 = time.perf_counter(), time.thread_time()
            index.search(query, 3)
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
        p99, cpu99 = float(np.percentile(wall, 99)), float(np.percentile(cpu, 99))
        median = statistics.median(wall)
        print(f"{size:>8} {build:>8.2f} {median:>10.3f} {p99:>8.3f} {cpu99:>11.3f}")
    print("(wall-clock p99 includes time the OS gave to other processes; CPU p99 does not)")


# What a decision costs a worker (chosen before looking at any scores): a wrong direct answer
# misleads; choices cost a tap, or a look at three wrong buttons; "unknown" for a question the
# FAQ answers sends a worker to staff for nothing.
COST = {
    ("direct", "right"): 0.0,
    ("direct", "wrong"): 4.0,
    ("choices", "right"): 0.5,
    ("choices", "wrong"): 2.0,
    ("choices", "none"): 1.0,
    ("unknown", "right"): 2.0,
    ("unknown", "wrong"): 2.0,
    ("unknown", "none"): 0.0,
    ("direct", "none"): 4.0,
}


def decision_cost(ranked: list, t: Thresholds) -> tuple[float, int, int]:
    """(total cost, direct answers, wrong direct answers) over labelled questions."""
    cost, direct_n, wrong_direct = 0.0, 0, 0
    for _, expected, hits in ranked:
        kind = decide(hits, t)
        ids = [h.entry.id for h in hits][: 1 if kind == "direct" else 3]
        outcome = "none" if expected is None else ("right" if expected in ids else "wrong")
        cost += COST[(kind, outcome)]
        direct_n += kind == "direct"
        wrong_direct += kind == "direct" and outcome != "right"
    return cost, direct_n, wrong_direct


def calibrate() -> None:
    """Thresholds with the lowest total cost on the labelled rider questions."""
    kb = load_knowledge(sample_dir())
    cases = yaml.safe_load(CALIBRATION.read_text(encoding="utf-8"))["cases"]
    ranked = [(c["q"], c.get("id"), kb.faq.search(c["q"], 3)) for c in cases]
    rows = []
    for direct in np.arange(0.30, 0.72, 0.02):
        for margin in (0.0, 0.05, 0.1, 0.15, 0.2, 0.25):
            for choices in np.arange(0.14, float(direct) + 0.001, 0.02):
                t = Thresholds(round(float(direct), 2), margin, round(float(choices), 2))
                rows.append((t, *decision_cost(ranked, t)))
    rows.sort(key=lambda r: (r[1], -r[2]))
    print(f"\ncalibration on {len(cases)} rider questions ({CALIBRATION.name}), lowest cost first")
    print(f"{'direct':>7} {'margin':>7} {'choices':>8} {'cost':>6} {'direct':>7} {'wrong':>6}")
    for t, cost, direct_n, wrong in rows[:10]:
        thresholds = f"{t.direct:>7.2f} {t.margin:>7.2f} {t.choices:>8.2f}"
        print(f"{thresholds} {cost:>6.1f} {direct_n:>7} {wrong:>6}")
    cost, direct_n, wrong = decision_cost(ranked, Thresholds())
    print(f"defaults {Thresholds()}: cost {cost:.1f}, {direct_n} direct, {wrong} wrong direct")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="test", choices=("test", "valid"))
    parser.add_argument("--grid", action="store_true", help="parameter search (use valid)")
    parser.add_argument("--calibrate", action="store_true", help="decision thresholds")
    parser.add_argument("--no-latency", action="store_true")
    args = parser.parse_args()
    if not args.calibrate and not CORPUS.is_dir():
        raise SystemExit(f"BQ corpus not found at {CORPUS.resolve()} (see its SOURCE.md)")
    if args.calibrate:
        calibrate()
        return
    if args.grid:
        grid(args.split)
        return
    accuracy_report(args.split)
    if not args.no_latency:
        latency()


if __name__ == "__main__":
    main()
