"""Throughput and latency of the whole suggestion conversation, next to a bare echo bot.

The bot runs in its own process (`nuanxin run`, or a bare echo Application) against the
Bot API stand-in, which runs here together with the scripted workers. Each worker sends an
update, waits for the bot's answer, and sends the next; latency is that wait.

    .venv/bin/python bench/bot_throughput.py [--workers 20] [--rounds 5] [--single 40] [--repeat 3]
        [--against DIR]   # also the bot of another checkout, interleaved: before and after
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from standin import FakeUser, StandIn  # noqa: E402
from tests.harness import CATEGORY_QUESTION, said  # noqa: E402

ASK_TEXT, ASK_WORKER = said("suggest.ask_text"), said("suggest.ask_worker")
ASK_LOCATION, ASK_IDENTITY = said("suggest.ask_location"), said("suggest.ask_identity")
SUMMARY, RECEIPT = said("suggest.summary"), said("suggest.receipt")

POSTGRES = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
STAFF_CHAT = -1002000
TEXTS = [
    "站长天天罚款，超时一分钟扣五十，申诉也没人理",
    "小区不让电动车进，送餐只能走进去，经常超时",
    "司机之家晚上十点就关门了，跑夜班的没地方歇",
    "换电柜经常没电，排队要半小时",
]


@dataclass
class Run:
    latencies: list[float] = field(default_factory=list)
    by_step: dict[str, list[float]] = field(default_factory=dict)
    updates: int = 0

    async def step(
        self, send: Callable[[], Awaitable[object]], wait: Awaitable[object], name: str = "echo"
    ) -> None:
        start = time.perf_counter()
        await send()
        await wait
        took = time.perf_counter() - start
        self.latencies.append(took)
        self.by_step.setdefault(name, []).append(took)
        self.updates += 1


async def conversation(user: FakeUser, run: Run, first: bool, n: int) -> None:
    """One whole suggestion, from /suggest to the receipt."""
    await run.step(lambda: user.send_text("/suggest"), user.expect_next(ASK_TEXT), "/suggest")
    text = f"{TEXTS[n % len(TEXTS)]}（{n}）"
    await run.step(lambda: user.send_text(text), user.expect_next(CATEGORY_QUESTION), "text")
    where = ASK_WORKER if first else ASK_LOCATION
    await run.step(lambda: user.press(data=category_answer(user)), user.expect_next(where),
                   "category")  # fmt: skip
    if first:
        await run.step(lambda: user.press(data="sg:w:rider"), user.expect_next(ASK_LOCATION),
                       "worker type")  # fmt: skip
    await run.step(lambda: user.send_text("跳过"), user.expect_next(ASK_IDENTITY), "location")
    await run.step(lambda: user.press(data="sg:anon"), user.expect_next(SUMMARY), "identity")
    await run.step(lambda: user.press(data="sg:confirm"), user.expect_next(RECEIPT), "confirm")


def category_answer(user: FakeUser) -> str:
    """Yes to a sure guess, "not sure" to an unsure one (the question just received)."""
    question = user.history[-1].content
    return "sg:c:yes" if said("suggest.ask_category").search(question) else "sg:c:unsure"


async def echo_round(user: FakeUser, run: Run, first: bool, n: int) -> None:
    """As many echo messages as a conversation has updates."""
    for i in range(6 if first else 5):
        text = f"{TEXTS[(n + i) % len(TEXTS)]} {n}.{i}"
        await run.step(lambda t=text: user.send_text(t), user.expect(text))


async def drive(
    standin: StandIn, kind: str, workers: int, rounds: int, base: int
) -> tuple[Run, float]:
    run = Run()
    script = conversation if kind == "full" else echo_round

    async def worker(uid: int) -> None:
        user = standin.user(uid)
        for n in range(rounds):
            await script(user, run, n == 0, n)

    start = time.perf_counter()
    await asyncio.gather(*(worker(base + i) for i in range(workers)))
    return run, time.perf_counter() - start


def start_bot(
    kind: str,
    standin: StandIn,
    database_url: str,
    production_limits: bool = False,
    checkout: str | None = None,
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BOT_TOKEN": standin.token,
        "TELEGRAM_API_URL": standin.url,
        "DATABASE_URL": database_url,
        "STAFF_CHAT_ID": str(STAFF_CHAT),
        "LOG_LEVEL": "WARNING",
        # raw processing speed: scripted workers are far faster than Telegram lets a chat go
        "OUTGOING_LIMITS": "0",
        "FLOOD_BURST": "1000000",
        "SUGGESTIONS_PER_DAY": "1000000",
    }
    if production_limits:
        for name in ("OUTGOING_LIMITS", "FLOOD_BURST", "SUGGESTIONS_PER_DAY"):
            env.pop(name)
    if checkout is not None:  # another version of the bot (e.g. a worktree of an older commit)
        env["PYTHONPATH"] = checkout
    if kind == "full":
        args = [sys.executable, "-c", "from bot.cli import main; main()", "run"]
    else:
        args = [sys.executable, __file__, "--serve-echo"]
        args += ["--aiohttp"] if kind == "echo-aiohttp" else []
    return subprocess.Popen(args, env=env, cwd=tempfile.mkdtemp(prefix="nx-bench-"))


async def wait_polling(standin: StandIn, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while standin.stats.calls["getupdates"] == 0:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"bot process did not start (exit {proc.poll()})")
        await asyncio.sleep(0.05)


async def stop_bot(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM, then wait without blocking the stand-in (it answers the last getUpdates)."""
    proc.terminate()
    for _ in range(600):
        if proc.poll() is not None:
            return
        await asyncio.sleep(0.05)
    proc.kill()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def fresh_database(kind: str) -> tuple[str, Callable[[], None]]:
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp(prefix="nx-bench-db-")) / "bench.db"
        return f"sqlite:///{path}", lambda: None
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')

    def drop() -> None:
        with psycopg.connect(POSTGRES, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')

    sep = "&" if "?" in POSTGRES else "?"
    return f"{POSTGRES}{sep}options=-csearch_path%3D{schema}", drop


async def measure(
    kind: str, db: str, args: argparse.Namespace, checkout: str | None = None
) -> dict[str, object]:
    url, drop = fresh_database(db) if kind == "full" else ("sqlite:///:memory:", lambda: None)
    async with StandIn() as standin:
        standin.group(STAFF_CHAT)
        proc = start_bot(kind, standin, url, checkout=checkout)
        try:
            await wait_polling(standin, proc)
            await drive(standin, kind, 1, 1, 900_000)  # warm-up
            single, _ = await drive(standin, kind, 1, args.single, 100_000)
            cpu_before = cpu_seconds(proc.pid)
            many, elapsed = await drive(standin, kind, args.workers, args.rounds, 200_000)
            cpu = cpu_seconds(proc.pid) - cpu_before
        finally:
            await stop_bot(proc)
            drop()
    return {
        "bot": LABELS[kind] + (f" ({Path(checkout).name})" if checkout else ""),
        "db": db if kind == "full" else "-",
        "updates/s": many.updates / elapsed,
        "p50": percentile(single.latencies, 0.5),
        "p99": percentile(single.latencies, 0.99),
        "cpu": cpu / many.updates * 1000,
        "steps": {name: percentiles(lat) for name, lat in single.by_step.items()},
    }


def percentile(values: list[float], q: float) -> float:
    """The q-quantile in milliseconds (nearest rank)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] * 1000


def percentiles(values: list[float]) -> tuple[float, float, float]:
    return percentile(values, 0.5), percentile(values, 0.99), max(values) * 1000


LABELS = {
    "echo": "bare echo bot",
    "echo-aiohttp": "bare echo bot, the bot's aiohttp transport",
    "full": "suggestion conversation",
}


def serve_echo(aiohttp: bool) -> None:
    """A bare python-telegram-bot echo bot: the baseline (PTB's default transport, httpx)."""
    from telegram import Update
    from telegram.ext import ApplicationBuilder, MessageHandler, filters

    from bot.telegram.transport import AiohttpRequest

    async def echo(update: Update, context: object) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    api = os.environ["TELEGRAM_API_URL"]
    builder = (
        ApplicationBuilder()
        .token(os.environ["BOT_TOKEN"])
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
    )
    if aiohttp:  # the same transport as the bot, to separate its gain from the rest
        builder = builder.request(AiohttpRequest(connection_pool_size=16))
        builder = builder.get_updates_request(AiohttpRequest())
    app = builder.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=20, help="concurrent workers")
    parser.add_argument("--rounds", type=int, default=5, help="conversations per worker")
    parser.add_argument("--single", type=int, default=40, help="conversations, single worker")
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each row (medians)")
    parser.add_argument(
        "--against",
        metavar="DIR",
        help="also run the conversation rows with the bot of another checkout (e.g. a git "
        "worktree of an older commit), interleaved with this one: a before/after table",
    )
    parser.add_argument("--serve-echo", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--aiohttp", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_echo:
        serve_echo(args.aiohttp)
        return
    checkouts: list[str | None] = [None] + ([args.against] if args.against else [])
    configs = [("echo", "-", None), ("echo-aiohttp", "-", None)]
    configs += [("full", db, checkout) for db in args.db for checkout in checkouts]
    runs: dict[tuple[str, str, str | None], list[dict[str, Any]]] = {c: [] for c in configs}
    for _ in range(args.repeat):  # interleaved, so a noisy minute hits every row alike
        for kind, db, checkout in configs:
            runs[kind, db, checkout].append(asyncio.run(measure(kind, db, args, checkout)))
    print(
        f"\n{args.workers} concurrent workers x {args.rounds} conversations for updates/s; "
        f"one worker x {args.single} conversations for latency; median of {args.repeat} runs\n"
    )
    print(
        "| bot | database | updates/s | vs echo | vs echo (aiohttp) | bot CPU ms/update "
        "| p50 ms (1 worker) | p99 ms (1 worker) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    base = median_of(runs["echo", "-", None], "updates/s")
    fair = median_of(runs["echo-aiohttp", "-", None], "updates/s")
    for (_kind, db, _checkout), rows in runs.items():
        rate = median_of(rows, "updates/s")
        print(
            f"| {rows[0]['bot']} | {db} | {rate:.0f} | {rate / base:.2f} | {rate / fair:.2f} | "
            f"{median_of(rows, 'cpu'):.2f} | {median_of(rows, 'p50'):.2f} | "
            f"{median_of(rows, 'p99'):.2f} |"
        )
    print("\nPer step, one worker (median over runs of each run's p50 / p99 / max, ms):\n")
    print("| bot | database | step | p50 | p99 | max |")
    print("|---|---|---|---:|---:|---:|")
    for (kind, db, _checkout), rows in runs.items():
        if kind != "full":
            continue
        for step in rows[0]["steps"]:
            cells = [statistics.median(r["steps"][step][i] for r in rows) for i in range(3)]
            label = rows[0]["bot"]
            print(f"| {label} | {db} | {step} | " + " | ".join(f"{c:.2f}" for c in cells) + " |")


def median_of(rows: list[dict[str, Any]], key: str) -> float:
    return statistics.median(float(row[key]) for row in rows)


if __name__ == "__main__":
    main()
