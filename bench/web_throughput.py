"""Throughput, latency and server CPU of the web chat, next to a bare aiohttp endpoint.

The bot runs in its own process (`nuanxin run` with WEB_PORT set, its Telegram side polling
the Bot API stand-in that runs here); scripted web riders (tests/webkit.WebRider: cookie,
CSRF header, a new request id per action) go through whole suggestions over HTTP:
GET /api/session, then POST /api/event for /suggest, the text, the category answer, the kind
of work (only asked in a rider's first suggestion), the location, anonymous, confirm.
A bare aiohttp server in another process (a cookie, a CSRF check, a JSON body in, a small
JSON body out) is driven the same way in the same run: the floor of HTTP + JSON here.

    .venv/bin/python bench/web_throughput.py [--riders 20] [--rounds 3] [--single 30]
        [--repeat 3] [--db sqlite postgres] [--location share|skip] [--no-telegram]

Each repeat runs, interleaved: the bare endpoint, the web chat on each database, and (unless
--no-telegram) bench/bot_throughput.py's measurement of the Telegram flow with as many workers
and rounds, so the two adapters are compared on the same machine in the same minutes.

The N riders move in step: every rider does the same step at the same time (a wave of N
concurrent requests), so each step's requests, time and server CPU are that step's alone.
A confirm wave ends when the staff chat has the new cards (the outbox's work belongs to it).

Each rider's first GET /api/session (the one that makes its device) comes before the timing;
the "session" step is the page loading again for a known device, once per suggestion.

Columns (medians over --repeat runs):
  requests              requests of that step in one run (N riders x rounds)
  req/s                 those requests / the time their waves took
  p50 ms, p99 ms        latency of one request (send to parsed answer) with N riders at once
  1 rider p50/p99 ms    the same with one rider alone (--single suggestions, one at a time)
  server CPU ms/request the server process's CPU time during the step's waves / its requests
                        (all steps: over the whole N-rider phase, gaps included)

Server CPU per step is the growth of se.sum_exec_runtime summed over the process's threads
(/proc/<pid>/task/*/sched, nanoseconds) where the kernel offers it, else of utime + stime
(/proc/<pid>/stat, clock ticks: coarse for one wave); "all steps" is the larger of the two
over the whole phase (utime + stime also counts threads that ended meanwhile).
The riders, the stand-in and the clients run in this process: on a small machine they share
its CPUs with the server, which caps req/s for the bare endpoint first.
PostgreSQL (TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/test, a fresh
schema per run) is skipped with a note when it cannot be reached.
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bot_throughput as telegram  # noqa: E402
from bench.bot_throughput import (  # noqa: E402
    POSTGRES,
    STAFF_CHAT,
    TEXTS,
    cpu_seconds,
    fresh_database,
    percentile,
    start_bot,
    stop_bot,
)
from standin import StandIn  # noqa: E402
from tests.harness import CATEGORY_QUESTION, CODE, said  # noqa: E402
from tests.webkit import WebRider  # noqa: E402

ASK_TEXT, ASK_WORKER = said("suggest.ask_text"), said("suggest.ask_worker")
ASK_LOCATION, ASK_IDENTITY = said("suggest.ask_location"), said("suggest.ask_identity")
SUMMARY, RECEIPT = said("suggest.summary"), said("suggest.receipt")
ASK_CATEGORY = said("suggest.ask_category")
STEPS = ("session", "/suggest", "text", "category", "worker type", "location", "identity",
         "confirm")  # fmt: skip
BARE_STEPS = ("bare GET /api/session", *("bare POST /api/event",) * (len(STEPS) - 1))
WHERE = (41.1230, 122.0710)  # 兴隆台, Panjin (a sample district)
STARTUP = 120.0  # seconds a server may take to answer its first request


# --- measuring -------------------------------------------------------------------------------


def thread_cpu(pid: int) -> dict[str, float] | None:
    """CPU seconds so far of each thread of a process, by thread id: the scheduler's runtime
    (nanosecond precision; /proc/<pid>/task/*/sched). None where the kernel does not offer it."""
    found: dict[str, float] = {}
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return None
    for task in tasks:
        try:
            text = (task / "sched").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("se.sum_exec_runtime"):
                found[task.name] = float(line.split(":", 1)[1]) / 1000  # milliseconds
                break
    return found or None


@dataclass
class Meter:
    """A process's CPU time from a starting point: the sum over its threads' precise
    runtimes (a thread gone meanwhile drops out), else utime + stime (clock ticks)."""

    pid: int
    threads: dict[str, float] | None = None
    ticks: float = 0.0

    def start(self) -> Meter:
        self.threads, self.ticks = thread_cpu(self.pid), cpu_seconds(self.pid)
        return self

    def precise(self) -> float:
        now = thread_cpu(self.pid)
        if now is None or self.threads is None:
            return self.coarse()
        return sum(max(0.0, v - self.threads.get(tid, 0.0)) for tid, v in now.items())

    def coarse(self) -> float:
        """utime + stime since the start: every thread, also those that ended."""
        return cpu_seconds(self.pid) - self.ticks


@dataclass
class Step:
    """One step's numbers in one run."""

    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0  # wall time of its waves
    cpu: float = 0.0  # server CPU seconds during its waves

    @property
    def requests(self) -> int:
        return len(self.latencies)


@dataclass
class Measured:
    """One run of one server: the N-rider waves per step, the whole phase, one rider alone."""

    steps: dict[str, Step] = field(default_factory=dict)
    single: dict[str, list[float]] = field(default_factory=dict)
    seconds: float = 0.0
    cpu: float = 0.0

    def step(self, name: str) -> Step:
        return self.steps.setdefault(name, Step())


async def timed(act: Callable[[], Awaitable[bool]]) -> float | None:
    """The latency of one request (None: this rider had nothing to do at this step)."""
    start = time.perf_counter()
    done = await act()
    return time.perf_counter() - start if done else None


# --- the riders ------------------------------------------------------------------------------


@dataclass
class Script:
    """What one rider does at each step of a suggestion (asserting what the bot asks)."""

    rider: WebRider
    location: str  # "share" or "skip"

    async def do(self, name: str, n: int) -> bool:
        rider = self.rider
        if name == "session":
            await rider.open()
        elif name == "/suggest":
            await rider.command("suggest")
            expect(rider, ASK_TEXT)
        elif name == "text":
            await rider.text(f"{TEXTS[n % len(TEXTS)]}（{n}）")
            rider.find(CATEGORY_QUESTION)
        elif name == "category":
            question = rider.find(CATEGORY_QUESTION)
            sure = ASK_CATEGORY.search(question.text)
            await rider.press_data("sg:c:yes" if sure else "sg:c:unsure")
        elif name == "worker type":
            if not ASK_WORKER.search(rider.newest().text):
                return False  # asked in a rider's first suggestion only
            await rider.press_data("sg:w:rider")
        elif name == "location":
            expect(rider, ASK_LOCATION)
            if self.location == "share":
                await rider.location(*WHERE)
            else:
                await rider.text("跳过")
            rider.find(ASK_IDENTITY)
        elif name == "identity":
            await rider.press_data("sg:anon")
            rider.find(SUMMARY)
        elif name == "confirm":
            await rider.press_data("sg:confirm")
            assert CODE.search(rider.find(RECEIPT).text), rider.texts()[-3:]
        else:
            raise ValueError(name)
        return True


@dataclass
class BareScript:
    """The same number of requests against the bare endpoint."""

    rider: WebRider

    async def do(self, name: str, n: int) -> bool:
        if name == BARE_STEPS[0]:
            await self.rider.open()
        else:
            await self.rider.text(f"{TEXTS[n % len(TEXTS)]}（{n}）")
        return True


def expect(rider: WebRider, pattern: Any) -> None:
    assert pattern.search(rider.newest().text), rider.texts()[-3:]


AnyScript = Script | BareScript


async def waves(
    scripts: list[AnyScript], steps: tuple[str, ...], rounds: int, pid: int,
    measured: Measured, settle: Callable[[str], Awaitable[None]],
) -> None:  # fmt: skip
    """Every rider does each step at once; per step: latencies, wall time, server CPU."""
    phase_start, phase = time.perf_counter(), Meter(pid).start()
    for n in range(rounds):
        for name in steps:
            start, wave = time.perf_counter(), Meter(pid).start()
            took = await asyncio.gather(*(timed(partial(s.do, name, n)) for s in scripts))
            await settle(name)
            step = measured.step(name)
            step.seconds += time.perf_counter() - start
            step.cpu += wave.precise()
            step.latencies += [t for t in took if t is not None]
    measured.seconds = time.perf_counter() - phase_start
    measured.cpu = max(phase.precise(), phase.coarse())  # ticks miss < 20 ms, threads none


async def alone(script: AnyScript, steps: tuple[str, ...], rounds: int) -> dict[str, list[float]]:
    """One rider, one suggestion after another: latency per step."""
    single: dict[str, list[float]] = {}
    for n in range(rounds):
        for name in steps:
            took = await timed(partial(script.do, name, n))
            if took is not None:
                single.setdefault(name, []).append(took)
    return single


async def drive(
    base: str, make: Callable[[WebRider], AnyScript], steps: tuple[str, ...], pid: int,
    args: argparse.Namespace, settle: Callable[[str], Awaitable[None]],
) -> Measured:  # fmt: skip
    measured = Measured()
    async with WebRider(base) as rider:  # warm-up: one whole suggestion
        await alone(make(rider), steps, 1)
    async with WebRider(base) as rider:
        measured.single = await alone(make(rider), steps, args.single)
    riders = [WebRider(base) for _ in range(args.riders)]
    try:
        await asyncio.gather(*(r.__aenter__() for r in riders))
        scripts = [make(r) for r in riders]
        await waves(scripts, steps, args.rounds, pid, measured, settle)
    finally:
        await asyncio.gather(*(r.__aexit__() for r in riders if r.http is not None))
    return measured


# --- the servers -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """os.environ with these values while a child process is started."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


async def wait_ready(base: str, proc: subprocess.Popen[bytes]) -> None:
    """Until GET /api/session answers 200."""
    deadline = time.monotonic() + STARTUP
    async with aiohttp.ClientSession(base) as http:
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"server did not start (exit {proc.poll()})")
            try:
                async with http.get("/api/session") as response:
                    if response.status == 200:
                        return
                    if response.status >= 500:
                        raise SystemExit(
                            f"GET /api/session: {response.status} {await response.text()}"
                        )
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)


async def measure_web(db: str, args: argparse.Namespace) -> Measured:
    url, drop = fresh_database(db)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with StandIn() as standin:
        standin.group(STAFF_CHAT)
        with environment(WEB_PORT=str(port), WEB_LISTEN="127.0.0.1", WEB_PUBLIC_URL=""):
            proc = start_bot("full", standin, url)
        try:
            await wait_ready(base, proc)

            async def settle(name: str) -> None:
                """After a confirm wave: until the staff chat has every new card."""
                if name == "confirm":
                    await cards_posted(standin, proc)

            measured = await drive(base, lambda r: Script(r, args.location), STEPS, proc.pid,
                                   args, settle)  # fmt: skip
        finally:
            await stop_bot(proc)
            drop()
    return measured


async def cards_posted(standin: StandIn, proc: subprocess.Popen[bytes]) -> None:
    """Wait (at most 10 s) until sends to the staff chat stop growing for 50 ms."""
    deadline = time.monotonic() + 10
    seen, still = -1, 0
    while time.monotonic() < deadline and proc.poll() is None:
        count = len(standin.stats.sends.get(STAFF_CHAT, []))
        still = still + 1 if count == seen else 0
        if still >= 5:
            return
        seen = count
        await asyncio.sleep(0.01)


async def measure_bare(args: argparse.Namespace) -> Measured:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, __file__, "--serve-bare", str(port)],
                            cwd=tempfile.mkdtemp(prefix="nx-bench-"))  # fmt: skip
    try:
        await wait_ready(base, proc)

        async def settle(name: str) -> None:
            return None

        return await drive(base, BareScript, BARE_STEPS, proc.pid, args, settle)
    finally:
        await stop_bot(proc)


def serve_bare(port: int) -> None:
    """The floor: a cookie, a CSRF header checked, JSON in, a small JSON body out."""
    from aiohttp import web

    csrf_of: dict[str, str] = {}

    async def session(request: web.Request) -> web.StreamResponse:
        token = request.cookies.get("nx_device", "")
        new = token not in csrf_of
        if new:
            token = secrets.token_urlsafe(32)
            csrf_of[token] = secrets.token_urlsafe(24)
        body: dict[str, Any] = {"csrf": csrf_of[token], "lang": "zh", "labels": {}, "messages": [],
                "keys": None, "last": 0}  # fmt: skip
        response = web.json_response(body)
        if new:
            response.set_cookie("nx_device", token, max_age=400 * 86400, path="/",
                                httponly=True, samesite="Lax")  # fmt: skip
        return response

    async def event(request: web.Request) -> web.StreamResponse:
        csrf = csrf_of.get(request.cookies.get("nx_device", ""), "")
        sent = request.headers.get("X-CSRF-Token", "")
        if not csrf or not hmac.compare_digest(sent.encode(), csrf.encode()):
            return web.json_response({"error": "forbidden"}, status=403)
        data = await request.json()
        message = {"id": 1, "from": "bot", "kind": "text", "nodes": [str(data.get("text"))],
                   "buttons": [], "highlight": False}  # fmt: skip
        return web.json_response({"ops": [{"op": "message", "message": message}]})

    app = web.Application()
    app.router.add_get("/api/session", session)
    app.router.add_post("/api/event", event)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


# --- the tables ------------------------------------------------------------------------------


def rows_of(runs: list[Measured], steps: tuple[str, ...]) -> list[tuple[str, list[float]]]:
    """Per step (and all steps): requests, req/s, p50, p99, 1-rider p50, p99, CPU ms/request;
    medians over runs."""
    rows = []
    for name in dict.fromkeys(steps):
        cells = []
        for r in runs:
            step, single = r.steps[name], r.single.get(name, [])
            cells.append([
                step.requests, step.requests / step.seconds,
                percentile(step.latencies, 0.5), percentile(step.latencies, 0.99),
                percentile(single, 0.5) if single else float("nan"),
                percentile(single, 0.99) if single else float("nan"),
                step.cpu / step.requests * 1000,
            ])  # fmt: skip
        rows.append((name, [statistics.median(c[i] for c in cells) for i in range(7)]))
    cells = []
    for r in runs:
        latencies = [t for s in r.steps.values() for t in s.latencies]
        single = [t for s in r.single.values() for t in s]
        requests = len(latencies)
        cells.append([
            requests, requests / sum(s.seconds for s in r.steps.values()),
            percentile(latencies, 0.5), percentile(latencies, 0.99),
            percentile(single, 0.5), percentile(single, 0.99), r.cpu / requests * 1000,
        ])  # fmt: skip
    rows.append(("all steps", [statistics.median(c[i] for c in cells) for i in range(7)]))
    return rows


def print_table(title: str, web_runs: list[Measured], bare_runs: list[Measured]) -> None:
    print(f"\n### {title}\n")
    print("| step | requests | req/s | p50 ms | p99 ms | 1 rider p50 ms | 1 rider p99 ms "
          "| server CPU ms/request |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    rows = rows_of(web_runs, STEPS)
    bare = rows_of(bare_runs, BARE_STEPS)
    rows += [(name, cells) for name, cells in bare if name != "all steps"]
    rows += [("bare, all requests", cells) for name, cells in bare if name == "all steps"]
    for name, (requests, rate, p50, p99, s50, s99, cpu) in rows:
        print(f"| {name} | {requests:.0f} | {rate:.0f} | {p50:.2f} | {p99:.2f} | {s50:.2f} "
              f"| {s99:.2f} | {cpu:.2f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--riders", type=int, default=20, help="concurrent riders")
    parser.add_argument("--rounds", type=int, default=3, help="suggestions per rider")
    parser.add_argument("--single", type=int, default=30, help="suggestions, one rider alone")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each row (medians)")
    parser.add_argument("--db", nargs="+", default=["sqlite", "postgres"])
    parser.add_argument("--location", choices=["share", "skip"], default="share",
                        help="the location step: share a place, or type 跳过 (skip)")  # fmt: skip
    parser.add_argument("--no-telegram", action="store_true",
                        help="skip the Telegram flow (bench/bot_throughput.py)")  # fmt: skip
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return
    databases = list(args.db)
    if "postgres" in databases and not postgres_reachable():
        print(f"note: PostgreSQL at {POSTGRES} cannot be reached; measuring SQLite only")
        databases.remove("postgres")
    tg_args = argparse.Namespace(workers=args.riders, rounds=args.rounds, single=5)
    bare: list[Measured] = []
    web: dict[str, list[Measured]] = {db: [] for db in databases}
    tg: dict[str, list[dict[str, Any]]] = {db: [] for db in databases}
    began = time.monotonic()
    for i in range(args.repeat):  # interleaved, so a noisy minute hits every row alike
        print(f"run {i + 1}/{args.repeat}: bare", file=sys.stderr)
        bare.append(asyncio.run(measure_bare(args)))
        for db in databases:
            print(f"run {i + 1}/{args.repeat}: web chat, {db}", file=sys.stderr)
            web[db].append(asyncio.run(measure_web(db, args)))
            if not args.no_telegram:
                print(f"run {i + 1}/{args.repeat}: Telegram flow, {db}", file=sys.stderr)
                tg[db].append(asyncio.run(telegram.measure("full", db, tg_args)))
    print(
        f"\n{args.riders} riders at once x {args.rounds} suggestions (each step a wave of "
        f"{args.riders} concurrent requests); one rider alone x {args.single} suggestions; "
        f"location: {args.location}; median of {args.repeat} runs; "
        f"{time.monotonic() - began:.0f} s in all"
    )
    for db in databases:
        print_table(f"web chat, {db}", web[db], bare)
        all_steps = rows_of(web[db], STEPS)[-1][1]
        single_p99, cpu = all_steps[5], all_steps[6]
        line = f"\n1 rider, all steps: p50 {all_steps[4]:.2f} ms, p99 {single_p99:.2f} ms"
        line += f" (target < 20 ms: {'met' if single_p99 < 20 else 'NOT met'})."
        if tg[db]:
            tg_cpu = telegram.median_of(tg[db], "cpu")
            tg_rate = telegram.median_of(tg[db], "updates/s")
            line += (
                f" Telegram flow, same run ({args.riders} workers x {args.rounds}): "
                f"{tg_cpu:.2f} ms bot CPU per update, {tg_rate:.0f} updates/s; web chat "
                f"{cpu:.2f} ms server CPU per request (target <= Telegram: "
                f"{'met' if cpu <= tg_cpu else 'NOT met'})."
            )
        else:
            line += " Compare the CPU with the README's bot_throughput table (bot CPU ms/update)."
        print(line)


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(POSTGRES, connect_timeout=3):
            return True
    except Exception:
        return False


if __name__ == "__main__":
    main()
