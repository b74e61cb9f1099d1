"""Kill the bot with SIGKILL at random moments while scripted workers submit suggestions.

Afterwards every suggestion whose receipt reached a worker must be in the database exactly
once, and no suggestion may exist twice. On SQLite and on PostgreSQL.

    .venv/bin/python bench/crash.py [--suggestions 10000] [--kills 20] [--workers 50]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot_throughput import fresh_database  # noqa: E402

from standin import StandIn  # noqa: E402
from tests.chaos import Verdict, run_chaos  # noqa: E402


async def one(db: str, args: argparse.Namespace) -> Verdict:
    url, drop = fresh_database(db)
    try:
        async with StandIn() as standin:
            env = {
                **os.environ,
                "BOT_TOKEN": standin.token,
                "TELEGRAM_API_URL": standin.url,
                "DATABASE_URL": url,
                "LOG_LEVEL": "ERROR",
                # scripted workers are far faster than people: no flood guard, no daily cap
                "FLOOD_BURST": "1000000",
                "SUGGESTIONS_PER_DAY": "1000000",
                "OUTGOING_LIMITS": "0",
            }
            return await run_chaos(
                standin, env, Path(tempfile.mkdtemp(prefix="nx-crash-")), url,
                target=args.suggestions, kills=args.kills, workers=args.workers, progress=True,
            )  # fmt: skip
    finally:
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suggestions", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--workers", type=int, default=50)
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgres"])
    args = parser.parse_args()
    rows = [(db, asyncio.run(one(db, args))) for db in args.db]
    print(f"\n{args.workers} scripted workers; the bot killed with SIGKILL {args.kills} times\n")
    print("| database | receipts | stored | lost | duplicated | stored without receipt "
          "| told to start again | resent after silence | minutes |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for db, v in rows:
        cells = [db, v.acknowledged, v.stored, v.lost, v.duplicated, v.unacknowledged,
                 v.restarts_told, v.resent, f"{v.seconds / 60:.1f}"]  # fmt: skip
        print("| " + " | ".join(str(c) for c in cells) + " |")
    for db, v in rows:
        print(f"{db}: the bot's words when a worker had to start again: {v.told}")
    if any(v.lost or v.duplicated for _, v in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
