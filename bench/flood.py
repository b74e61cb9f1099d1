"""Does one user's flood delay everyone else? Another worker's reply latency with and without.

The bot runs in its own process with its production limits (flood guard, Telegram's
outgoing limits); the stand-in and the scripted users run here.

    .venv/bin/python bench/flood.py [--flood 1000] [--probes 40]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bot_throughput import fresh_database, start_bot, stop_bot, wait_polling  # noqa: E402

from standin import FakeUser, StandIn  # noqa: E402
from tests.harness import said  # noqa: E402

HELP = said("help")


async def probe(standin: StandIn, first_id: int, n: int, gap: float) -> list[float]:
    """Latency of /help answered for `n` different workers, `gap` seconds apart."""
    latencies = []
    for i in range(n):
        user: FakeUser = standin.user(first_id + i)
        start = time.perf_counter()
        await user.send_text("/help")
        await user.expect_next(HELP, timeout=30)
        latencies.append(time.perf_counter() - start)
        await asyncio.sleep(gap)
    return latencies


def summary(latencies: list[float]) -> tuple[float, float]:
    ordered = sorted(latencies)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99)] * 1000


async def measure(args: argparse.Namespace) -> None:
    url, drop = fresh_database("sqlite")
    async with StandIn() as standin:
        proc = start_bot("full", standin, url, production_limits=True)
        try:
            await wait_polling(standin, proc)
            flooder = standin.user(810_000)
            await probe(standin, 820_000, 3, 0.1)  # warm-up
            quiet = await probe(standin, 830_000, args.probes, args.gap)
            started = time.perf_counter()
            for i in range(args.flood):
                await flooder.send_text(f"刷屏 {i}")
            sent = time.perf_counter() - started
            during = await probe(standin, 840_000, args.probes, args.gap)
            await asyncio.sleep(2)
            events = flooder.history
        finally:
            await stop_bot(proc)
            drop()
    notices = sum("发得太快" in e.content for e in events)
    q50, q99 = summary(quiet)
    d50, d99 = summary(during)
    gap = args.gap * 1000
    print(f"\nflood: {args.flood} messages from one user in {sent:.2f} s; {args.probes} "
          f"probes {gap:.0f} ms apart, each from another worker\n")  # fmt: skip
    print("| other workers' /help | p50 ms | p99 ms |")
    print("|---|---:|---:|")
    print(f"| without a flood | {q50:.1f} | {q99:.1f} |")
    print(f"| during the flood | {d50:.1f} | {d99:.1f} |")
    print(f"\nthe flooder got {len(events) - notices} answers and {notices} flood notice(s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flood", type=int, default=1000, help="messages in the flood")
    parser.add_argument("--probes", type=int, default=40, help="latency probes per phase")
    parser.add_argument("--gap", type=float, default=0.05, help="seconds between probes")
    asyncio.run(measure(parser.parse_args()))


if __name__ == "__main__":
    main()
