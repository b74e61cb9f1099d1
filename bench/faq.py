"""FAQ retrieval benchmark on the BQ corpus (bank customer-service questions grouped by intent).

Groups with at least 4 phrasings: the first half (after a fixed shuffle) becomes an entry's
question and alternatives, the other half are the queries. The bot's own code
(``knowledge.faq.FaqIndex``) is measured next to a BM25 baseline over jieba tokens.
Parameters are tuned with ``--split valid``; the figures to report come from ``--split test``.

    .venv/bin/python bench/faq.py                  # test split, ablation, latency
    .venv/bin/python bench/faq.py --split valid --grid
    .venv/bin/python bench/faq.py --calibrate      # thresholds from the rider questions
    .venv/bin/python bench/faq.py --riders         # held-out rider questions: the decision
    .venv/bin/python bench/faq.py --riders --split tuning --show   # what went wrong (tuning)

The corpus is read from ../shared/data/external/bq_corpus (never copied into the repo).
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from rank_bm25 import BM25Okapi

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge import load_knowledge, sample_dir  # noqa: E402
from knowledge.faq import FaqEntry, FaqIndex, FaqText, Thresholds, decide, is_english  # noqa: E402
from knowledge.intents import Labelled as IntentItem  # noqa: E402
from knowledge.intents import evaluate  # noqa: E402
from knowledge.retrieval import RetrievalParams  # noqa: E402
from textnorm import Segmenter, normalize  # noqa: E402

CORPUS = ROOT / ".." / "shared" / "data" / "external" / "bq_corpus"
CALIBRATION = ROOT / "tests" / "data" / "knowledge" / "calibration.yaml"
RIDERS = ROOT / "tests" / "data" / "knowledge" / "riders.yaml"
UNANSWERABLE = ROOT / "tests" / "data" / "knowledge" / "unanswerable.yaml"
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
    for ngrams in ((1, 2), (1, 3), (2, 3)):
        for cw in (0.75, 0.9, 1.0):
            for power in (0.25, 0.5, 0.75):
                for pw in (0.1, 0.15, 0.3):
                    params = RetrievalParams(
                        char_ngrams=ngrams, char_weight=cw, word_weight=1 - cw,
                        idf_power=power, phrase_weight=pw,
                    )  # fmt: skip
                    name = f"char {ngrams} {cw} idf^{power} phrase {pw}"
                    rows.append((name, *run_index(split, params)))
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


def decision_cost(ranked: list, t: Thresholds) -> tuple[float, int, int, int]:
    """(total cost, direct answers, wrong direct answers, direct answers to questions no entry
    answers) over labelled questions."""
    cost, direct_n, wrong_direct, wrong_none = 0.0, 0, 0, 0
    for _, expected, hits in ranked:
        kind = decide(hits, t)
        ids = [h.entry.id for h in hits][: 1 if kind == "direct" else 3]
        outcome = "none" if expected is None else ("right" if expected in ids else "wrong")
        cost += COST[(kind, outcome)]
        direct_n += kind == "direct"
        wrong_direct += kind == "direct" and outcome != "right"
        wrong_none += kind == "direct" and outcome == "none"
    return cost, direct_n, wrong_direct, wrong_none


def _grams(text: str) -> set[str]:
    text = "".join(normalize(text).split())
    return {text[i : i + 2] for i in range(len(text) - 1)} or {text}


def near(a: str, b: str) -> bool:
    """Two texts share at least half of their character bigrams (Jaccard >= 0.5)."""
    x, y = _grams(a), _grams(b)
    return len(x & y) >= 0.5 * len(x | y)


def without_near(faq: FaqIndex, question: str) -> FaqIndex:
    """The FAQ without the phrasings that nearly repeat ``question``: the question as if its
    wording had never been seen when the FAQ was written."""
    entries = []
    for e in faq.entries:
        zh = [p for p in e.phrasings if not near(p, question)] or [""]
        en = e.en
        if en is not None:
            kept = [p for p in en.phrasings if not near(p, question)] or [""]
            en = FaqText(kept[0], tuple(kept[1:]), en.answer)
        entries.append(FaqEntry(e.id, zh[0], tuple(zh[1:]), e.answer, en=en))
    return FaqIndex(entries, synonyms=faq.synonyms, segmenter=SEGMENTER)


def calibrate(fresh: bool) -> None:
    """The decision rule chosen on the tuning questions (riders.yaml tuning + calibration.yaml).

    Among the thresholds whose direct answers are at least 99% right on tuning and that answer
    no more than 5% of the unanswerable questions directly, the one answering the most
    questions directly; ties go to the lowest cost (COST above), then to the stricter rule.

    The FAQ's phrasings were written with the tuning questions in view, so tuning scores are
    optimistic; ``fresh`` scores each question against the FAQ without the phrasings that
    nearly repeat it, as a question worded in a new way would be scored.
    """
    kb = load_knowledge(sample_dir())
    items = [i for i in labelled("tuning") if i.intent == "question"]
    ranked = [(i.q, i.id, (without_near(kb.faq, i.q) if fresh else kb.faq).search(i.q, 3))
              for i in items]  # fmt: skip
    unanswerable = sum(i.id is None for i in items)
    rows = []
    for direct in np.arange(0.26, 0.62, 0.02):
        for margin in (0.0, 0.03, 0.06, 0.1, 0.15, 0.2):
            for coverage in (0.0, 0.4, 0.5, 0.6, 0.7, 0.8):
                for choices in np.arange(0.14, float(direct) + 0.001, 0.04):
                    t = Thresholds(
                        round(float(direct), 2), margin, round(float(choices), 2), coverage
                    )
                    rows.append((t, *decision_cost(ranked, t)))
    ok = []
    for t, cost, direct_n, wrong, wrong_none in rows:
        right = direct_n - wrong
        if direct_n and right / direct_n >= 0.99 and wrong_none <= 0.05 * unanswerable:
            ok.append((t, cost, direct_n, wrong))
    # Ties: the lowest cost, then the stricter rule (safer on questions worded in new ways).
    ok.sort(key=lambda r: (-(r[2] - r[3]), r[1], -r[0].direct, -r[0].coverage, -r[0].margin))
    print(f"\ncalibration on {len(items)} tuning questions, most right direct answers first")
    print(f"{'direct':>7} {'margin':>7} {'choices':>8} {'cover':>6} {'cost':>6} {'direct':>7} "
          f"{'wrong':>6}")  # fmt: skip
    for t, cost, direct_n, wrong in ok[:10]:
        thresholds = f"{t.direct:>7.2f} {t.margin:>7.2f} {t.choices:>8.2f} {t.coverage:>6.2f}"
        print(f"{thresholds} {cost:>6.1f} {direct_n:>7} {wrong:>6}")
    cost, direct_n, wrong, _ = decision_cost(ranked, Thresholds())
    print(f"defaults {Thresholds()}: cost {cost:.1f}, {direct_n} direct, {wrong} wrong direct")


@dataclass(frozen=True)
class Labelled:
    """One labelled rider question (tests/data/knowledge/riders.yaml or calibration.yaml)."""

    q: str
    id: str | None
    topic: str
    intent: str
    lang: str
    split: str


def labelled(split: str) -> list[Labelled]:
    """The rider questions of one split; calibration.yaml and unanswerable.yaml count as
    tuning."""
    cases = yaml.safe_load(RIDERS.read_text(encoding="utf-8"))["cases"]
    items = [Labelled(c["q"], c["id"], c["topic"], c["intent"], c["lang"], c["split"])
             for c in cases]  # fmt: skip
    if split == "tuning":
        old = yaml.safe_load(CALIBRATION.read_text(encoding="utf-8"))["cases"]
        items += [Labelled(c["q"], c.get("id"), c.get("id") or "?", "question", "zh", "tuning")
                  for c in old]  # fmt: skip
        off = yaml.safe_load(UNANSWERABLE.read_text(encoding="utf-8"))["cases"]
        items += [Labelled(q, None, "off-topic", "question", "en" if is_english(q) else "zh",
                           "tuning") for q in off]  # fmt: skip
    return [item for item in items if item.split == split]


@dataclass
class Tally:
    """What the bot did with one group of labelled questions."""

    answerable: int = 0
    direct: int = 0  # answerable questions answered directly (right or wrong)
    direct_right: int = 0
    offered: int = 0  # answerable: the right entry directly or among the choices
    unanswerable: int = 0
    no_direct: int = 0  # unanswerable and not answered directly
    to_staff: int = 0  # unanswerable and offered to staff straight away
    wrong_direct: int = 0  # every wrong direct answer, answerable or not
    directs: int = 0  # every direct answer

    def add(self, expected: str | None, kind: str, ids: list[str]) -> bool:
        """Count one question; True when it was a wrong direct answer."""
        right = expected is not None and expected in ids
        wrong = kind == "direct" and not right
        self.directs += kind == "direct"
        self.wrong_direct += wrong
        if expected is None:
            self.unanswerable += 1
            self.no_direct += kind != "direct"
            self.to_staff += kind == "unknown"
        else:
            self.answerable += 1
            self.direct += kind == "direct"
            self.direct_right += kind == "direct" and right
            self.offered += kind in ("direct", "choices") and right
        return wrong

    def row(self, name: str) -> str:
        def share(a: int, b: int) -> str:
            return f"{a / b:.3f}" if b else "  -  "

        precision = share(self.directs - self.wrong_direct, self.directs)
        return (
            f"{name:<14} {self.answerable:>5} {share(self.direct, self.answerable):>7} "
            f"{precision:>9} {share(self.offered, self.answerable):>8} "
            f"{self.unanswerable:>6} {share(self.no_direct, self.unanswerable):>9} "
            f"{share(self.to_staff, self.unanswerable):>8} {self.wrong_direct:>6}"
        )


RIDER_HEADER = (
    f"{'questions':<14} {'answ.':>5} {'direct':>7} {'precision':>9} {'offered':>8} "
    f"{'unansw':>6} {'no direct':>9} {'to staff':>8} {'wrong':>6}"
)
RIDER_LEGEND = """\
answ.      questions the FAQ should answer; direct: share of them answered directly
precision  share of all direct answers that were right (targets: >= 0.98)
offered    share of answerable ones where the right entry was the answer or among the choices
unansw     questions no entry answers; no direct: share not answered directly (target >= 0.90);
           to staff: share offered to staff straight away (no choices)
wrong      wrong direct answers (count)"""


def riders(split: str, show: bool) -> None:
    """The decision on the labelled rider questions: held-out figures, or tuning with --show."""
    kb = load_knowledge(sample_dir())
    items = [i for i in labelled(split) if i.intent == "question"]
    groups = {"all": Tally(), "Chinese": Tally(), "English": Tally()}
    mistakes: list[str] = []
    for item in items:
        # As the bot does: a message taken for an intent never reaches the FAQ.
        answer = kb.ask(item.q)
        kind = "intent" if kb.intents.detect(item.q) else answer.kind
        ids = [h.entry.id for h in answer.hits][: 1 if kind == "direct" else 3]
        if kind in ("unknown", "intent"):
            ids = []
        for name in ("all", "English" if item.lang == "en" else "Chinese"):
            wrong = groups[name].add(item.id, kind, ids)
        missed = item.id is not None and item.id not in ids
        if show and (wrong or missed or (item.id is None and answer.kind == "choices")):
            scores = " ".join(f"{h.entry.id}:{h.score:.2f}" for h in answer.hits)
            mistakes.append(f"{kind:<8} want {item.id or '-':<18} {scores}  {item.q}")
    print(f"\nrider questions, {split} part ({len(items)} questions; FAQ {len(kb.faq)} entries)")
    print(RIDER_HEADER)
    for name, tally in groups.items():
        print(tally.row(name))
    print(RIDER_LEGEND)
    every = labelled(split)
    score = evaluate(kb.intents, [IntentItem(i.q, i.intent) for i in every], kb.districts.of_text)
    print(f"\nintents before the FAQ, {split} part ({len(every)} messages)")
    print("\n".join(score.lines()))
    if show:
        if split != "tuning":
            raise SystemExit("--show lists mistakes on the tuning part only")
        print("\n".join(["", "mistakes (tuning):", *sorted(mistakes)]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--split", default="test", choices=("test", "valid", "tuning", "heldout"),
        help="BQ: test or valid; --riders: heldout (default) or tuning",
    )  # fmt: skip
    parser.add_argument("--grid", action="store_true", help="parameter search (use valid)")
    parser.add_argument("--calibrate", action="store_true", help="decision thresholds")
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument("--riders", action="store_true", help="the labelled rider questions")
    parser.add_argument("--fresh", action="store_true", help="--calibrate without near phrasings")
    parser.add_argument("--show", action="store_true", help="with --riders on tuning: mistakes")
    args = parser.parse_args()
    if args.riders:
        riders("heldout" if args.split == "test" else args.split, args.show)
        return
    if not args.calibrate and not CORPUS.is_dir():
        raise SystemExit(f"BQ corpus not found at {CORPUS.resolve()} (see its SOURCE.md)")
    if args.calibrate:
        calibrate(args.fresh)
        return
    if args.grid:
        grid(args.split)
        return
    accuracy_report(args.split)
    if not args.no_latency:
        latency()


if __name__ == "__main__":
    main()
