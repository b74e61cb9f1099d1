"""Masking speed: `bot.export.mask.mask_text` over 100,000 texts, next to another version.

The export streams every text, answer and place through `mask_text`, so its cost per text
matters at a million rows (`bench/export.py` measures the whole export). Two sets of texts:
suggestions generated as `bench/export.py` makes them (a fifth carry a phone, plate, ID or
order number), and real citizen messages (tipdm2020c, read from ../shared/data/external,
repeated up to the count; skipped when absent), which are longer and full of numbers.

    .venv/bin/python bench/masking.py [--texts 100000] [--repeat 5]
    git show HEAD~1:bot/export/mask.py > /tmp/mask_before.py
    .venv/bin/python bench/masking.py --against /tmp/mask_before.py

Runs are interleaved (one of each version per round) and the table shows medians.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TIPDM = ROOT.parent / "shared" / "data" / "external" / "tipdm2020c" / "details_union.csv"


def generated(count: int) -> list[str]:
    """Suggestions as `bench/export.py` generates them (same seed, same mix of categories)."""
    export = load(ROOT / "bench" / "export.py", "bench_export")
    rnd = random.Random(5)
    weights = [30, 12, 20, 16, 10, 5, 5, 2]
    return [export.suggestion_text(rnd.choices(list(export.CATEGORY_NAMES), weights)[0], rnd)
            for _ in range(count)]  # fmt: skip


def real(count: int) -> list[str] | None:
    if not TIPDM.is_file():
        return None
    with TIPDM.open(encoding="utf-8", newline="") as file:
        texts = [row["detail"] for row in csv.DictReader(file)]
    return (texts * (count // len(texts) + 1))[:count]


def load(path: Path, name: str) -> Any:
    """The module in the file at `path` (e.g. a mask.py copied from another checkout)."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(mask: Callable[[str], str], texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        mask(text)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--texts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--against", type=Path, help="another version's bot/export/mask.py")
    args = parser.parse_args()

    from bot.export.mask import mask_text

    versions: dict[str, Callable[[str], str]] = {"now": mask_text}
    if args.against:
        versions[f"against {args.against}"] = load(args.against, "mask_against").mask_text
    sets = {"generated suggestions": generated(args.texts), "tipdm2020c messages": real(args.texts)}
    runs: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.repeat):
        for set_name, texts in sets.items():
            for version, mask in versions.items():
                if texts is not None:
                    runs.setdefault((set_name, version), []).append(timed(mask, texts))

    print(f"| texts ({args.texts:,} each) | version | median s | texts/s | µs/text | vs now |")
    print("|---|---|---:|---:|---:|---:|")
    for set_name, texts in sets.items():
        if texts is None:
            print(f"| {set_name} | skipped: {TIPDM} not found | | | | |")
            continue
        now = statistics.median(runs[(set_name, "now")])
        for version in versions:
            median = statistics.median(runs[(set_name, version)])
            print(f"| {set_name} | {version} | {median:.2f} | {len(texts) / median:,.0f} | "
                  f"{median / len(texts) * 1e6:.1f} | {median / now:.2f} |")  # fmt: skip


if __name__ == "__main__":
    main()
