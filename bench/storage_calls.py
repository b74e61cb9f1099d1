"""Latency of a conversation step's storage calls: `drafts.save` then `drafts.load`, each
one `Database` call (one transaction), by the three ways a call can run:

    sqlite inline          Database.run on SQLite: called in place on the event loop
    postgres async engine  Database.run on PostgreSQL: AsyncSession.run_sync (a greenlet)
    postgres to_thread     asyncio.to_thread(Database.run_sync, ...): how bot.context calls
                           the database today

The ways take turns pair by pair (their order rotating), so a noisy neighbour slows all
alike. Prints a markdown table: median and p99 of a pair, with ratios against to_thread.
`--busy 50` adds a task on the same loop computing in 1 ms slices, about half the time
(100: without pause), like other updates being handled meanwhile.

    .venv/bin/python bench/storage_calls.py [--pairs 2000] [--warmup 100] [--busy 0]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.storage import Database, drafts, migrate  # noqa: E402

POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
BASELINE = "postgres to_thread"
Pair = Callable[[int], Awaitable[None]]


def pair_by(call: Callable[..., Awaitable[Any]]) -> Pair:
    """One step of a worker's conversation: write the draft, read it back."""

    async def pair(n: int) -> None:
        chat = 1000 + n % 50  # fifty workers' drafts, each overwritten in turn
        await call(drafts.save, "suggest", chat, chat, "location", {"text": "路灯坏了", "n": n})
        draft = await call(drafts.load, "suggest", chat, chat)
        assert draft is not None and draft.data["n"] == n

    return pair


def via_thread(db: Database) -> Callable[..., Awaitable[Any]]:
    async def call(fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(db.run_sync, fn, *args)

    return call


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A throw-away schema in the test database, dropped afterwards."""
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in POSTGRES else "?"
    try:
        yield f"{POSTGRES}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


async def measure(ways: dict[str, Pair], pairs: int, warmup: int) -> dict[str, list[float]]:
    """Seconds per pair for each way, turns interleaved and their order rotating."""
    names = list(ways)
    took: dict[str, list[float]] = {name: [] for name in names}
    for n in range(warmup + pairs):
        shift = n % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            await ways[name](n)
            if n >= warmup:
                took[name].append(time.perf_counter() - start)
    return took


async def neighbour(busy: float) -> None:
    """Compute in 1 ms slices, pausing so the slices take `busy` percent of the time."""
    pause = 0.001 * (100 - busy) / busy
    while True:
        end = time.perf_counter() + 0.001
        while time.perf_counter() < end:
            pass
        await asyncio.sleep(pause)


def table(took: dict[str, list[float]]) -> str:
    def p99(values: list[float]) -> float:
        return statistics.quantiles(values, n=100)[98]

    base = took.get(BASELINE)
    lines = [
        "| way | pairs | median ms | p99 ms | median vs to_thread | p99 vs to_thread |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, values in took.items():
        med, tail = statistics.median(values), p99(values)
        ratios = (
            [f"{med / statistics.median(base):.2f}x", f"{tail / p99(base):.2f}x"]
            if base
            else ["-", "-"]
        )
        lines.append(
            f"| {name} | {len(values)} | {med * 1000:.3f} | {tail * 1000:.3f} | "
            f"{ratios[0]} | {ratios[1]} |"
        )
    return "\n".join(lines)


async def main(pairs: int, warmup: int, busy: float) -> None:
    with tempfile.TemporaryDirectory(prefix="nx-storage-bench-") as tmp, postgres_schema() as pg:
        lite, server = Database(f"sqlite:///{tmp}/bench.db"), Database(pg)
        for db in (lite, server):
            migrate(db.engine)
        ways = {
            "sqlite inline": pair_by(lite.run),
            "postgres async engine": pair_by(server.run),
            BASELINE: pair_by(via_thread(server)),
        }
        other = asyncio.create_task(neighbour(busy)) if busy > 0 else None
        try:
            took = await measure(ways, pairs, warmup)
        finally:
            if other is not None:
                other.cancel()
            await lite.aclose()
            await server.aclose()
    print(f"{pairs:,} drafts.save + drafts.load pairs per way (after {warmup} warm-up),")
    loop = f"a neighbour task computing {busy:g}% of the time" if busy else "an idle loop"
    print(f"one worker, ways interleaved, {loop}; Python {sys.version.split()[0]}\n")
    print(table(took))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--busy", type=float, default=0.0, help="percent of loop time, 0-100")
    args = parser.parse_args()
    asyncio.run(main(args.pairs, args.warmup, min(max(args.busy, 0.0), 100.0)))
