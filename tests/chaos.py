"""Scripted workers against a bot process that is killed with SIGKILL and started again.

Shared by `bench/crash.py` (the full run) and `tests/test_crash.py` (a short one). Workers
react to whatever the bot last said, as a person would: they answer its question, press its
buttons, send their last message again when the bot is silent, and start over when told to.
They recognise what the bot says by its catalog key (`tests.harness.said`), not by its words.
Everything here runs in real time: the bot is a child process, killed and started again.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from bot.catalog import t
from bot.storage.db import normalize_url
from standin import BotMessage, FakeUser, StandIn
from tests.harness import CODE, said

TAG = re.compile(r"【(w\d+-\d+)】")
TOPICS = [
    "站长天天罚款，超时一分钟扣五十", "小区不让电动车进，只能走进去送", "司机之家晚上十点就关门",
    "换电柜经常没电排队半小时", "驿站没有热水也没有微波炉", "平台派单太远一单跑八公里",
    "路上没有充电的地方，站长还罚款",  # the seed model is unsure of this one: the other question
]  # fmt: skip
MAX_SILENCES = 20  # in a row, for one suggestion: more means the bot is stuck, not restarting
# What the bot says when the suggestion is over without a receipt: the worker starts again.
RESTART_KEYS = (
    "suggest.stale", "suggest.restart_needed", "suggest.timeout", "suggest.cancelled",
    "suggest.parked", "suggest.nothing_to_cancel", "error", "menu.title", "unknown_command",
    "ask.unknown", "ask.choices",  # the text went to the FAQ: no suggestion was going on
)  # fmt: skip
RESTART_WORDS: dict[str, re.Pattern[str]] = {key: said(key) for key in RESTART_KEYS}
RECEIPT, ALREADY = said("suggest.receipt"), said("suggest.already")
UNRECOGNISED = "(an answer that is no step of a suggestion)"


@dataclass
class Ledger:
    """What the workers saw: receipts by code, and how conversations went."""

    target: int
    receipts: dict[str, str] = field(default_factory=dict)  # code -> tag
    restarts_told: int = 0  # the bot said plainly to start again
    told: Counter[str] = field(default_factory=Counter)  # ... by which catalog key
    resent: int = 0  # the worker sent its last input again after silence
    attempts: int = 0

    @property
    def done(self) -> bool:
        return len(self.receipts) >= self.target

    def receipt(self, content: str) -> bool:
        code = CODE.search(content)
        if code is None:
            return False
        tag = TAG.search(content)
        self.receipts.setdefault(code.group(0), tag.group(1) if tag else "")
        return True


class BotProcess:
    """`nuanxin run` in a child process that can be killed and started again."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.env, self.cwd = env, cwd
        self.proc: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def start(self) -> None:
        args = [sys.executable, "-c", "from bot.cli import main; main()", "run"]
        self.proc = subprocess.Popen(args, env=self.env, cwd=self.cwd)

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.kills += 1

    async def ready(self, standin: StandIn, timeout: float = 120) -> None:
        """Wait until the new process polls for updates."""
        before = standin.stats.calls["getupdates"]
        deadline = time.monotonic() + timeout
        while standin.stats.calls["getupdates"] <= before:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"the bot exited with {self.proc.returncode}")
            if time.monotonic() > deadline:
                raise TimeoutError("the bot did not start polling")
            await asyncio.sleep(0.05)

    async def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        for _ in range(600):
            if self.proc.poll() is not None:
                return
            await asyncio.sleep(0.05)
        self.proc.kill()


# What the bot asked (a catalog key) -> what the worker does next: ("text", what to type;
# "body" is the suggestion's text), ("press", a button's data), or ("again", "") to send the
# last input again. Restarts (RESTART_KEYS) come first: they answer with /suggest.
SKIP = t("suggest.skip", "zh")
REACTIONS: list[tuple[str, str, str]] = [
    *((key, "text", "/suggest") for key in RESTART_KEYS),
    ("suggest.ask_text", "text", "body"),
    ("suggest.want_text", "text", "body"),
    ("suggest.too_short", "text", "body"),
    ("suggest.no_words", "text", "body"),
    ("suggest.ask_more", "press", "sg:done"),  # the topics are short; never more to add
    ("suggest.ask_category", "press", "sg:c:yes"),  # a sure guess: yes
    ("suggest.ask_category_unsure", "press", "sg:c:unsure"),  # unsure: leave it to staff
    ("suggest.pick_category", "press", "sg:c:unsure"),
    ("suggest.ask_worker", "press", "sg:w:rider"),
    ("suggest.ask_location", "text", SKIP),
    ("suggest.want_location", "text", SKIP),
    ("suggest.ask_identity", "press", "sg:anon"),
    ("suggest.ask_phone", "text", t("suggest.no_phone", "zh")),
    ("suggest.own_contact", "text", t("suggest.no_phone", "zh")),
    ("suggest.summary", "press", "sg:confirm"),
    ("suggest.interrupted", "press", "cv:stay"),  # carry on with the suggestion
    ("suggest.resume_or_restart", "press", "sg:resume"),  # carry on with the kept draft
    ("db_unavailable", "again", ""),
]
_PATTERNS = [(key, said(key), kind, value) for key, kind, value in REACTIONS]
# Said before the step's question comes again: nothing to do but read on.
HINTS = [said(key) for key in ("suggest.want_button", "suggest.noted")]


def reaction(content: str, has_buttons: bool) -> tuple[str, str, str] | None:
    """(catalog key, kind, value) for what the bot said; None for anything else (a hint
    before the question again, a question whose buttons are gone, something unknown)."""
    for key, pattern, kind, value in _PATTERNS:
        if pattern.search(content) and (kind != "press" or has_buttons):
            return key, kind, value
    return None


def is_known(content: str) -> bool:
    """Whether the bot said something of a suggestion at all (a step, a hint, a restart)."""
    return any(p.search(content) for p in HINTS) or any(
        p.search(content) for _, p, _, _ in _PATTERNS
    )


def stuck_report(user: FakeUser, silences: int, answers: list[Any], last: object) -> str:
    """Everything needed to understand a worker the bot stopped answering."""
    lines = [f"worker {user.id} got no answer {silences} times; last action {last}"]
    lines += [f"  callback answer: {f.result() if f.done() else 'pending'}" for f in answers[-4:]]
    lines += [str(m) for m in user.history[-8:]]
    chat = user.chat
    for mid in sorted(chat.messages)[-6:]:
        lines.append(f"  stored #{mid}: {str(chat.messages[mid])[:300]}")
    lines.append(f"  updates not confirmed by the bot: {user.state.pending()}")
    return "\n".join(lines)


def is_receipt(message: BotMessage) -> bool:
    return bool(RECEIPT.search(message.content) or ALREADY.search(message.content))


async def conversation(user: FakeUser, ledger: Ledger, tag: str, patience: float) -> None:
    """One suggestion, from /suggest to its receipt, whatever happens to the bot meanwhile."""
    ledger.attempts += 1
    body = f"【{tag}】{random.choice(TOPICS)}"
    last: tuple[str, str] = ("text", "/suggest")
    silences = 0
    answers: list[Any] = []
    puzzled = False  # the bot answered something that is no part of a suggestion
    while True:
        kind, value = last
        if kind == "press":
            try:
                pressed = await user.press(data=value)
                answers.append(pressed.future)
            except LookupError:  # the message changed under the finger (a late receipt)
                last = ("text", "/suggest")
                continue
        else:
            await user.send_text(body if value == "body" else value)
        while True:
            try:
                message = await user.reply(timeout=patience)
            except TimeoutError:
                if puzzled:  # the bot is up but answered something else: start over
                    ledger.told[UNRECOGNISED] += 1
                    _debug(ledger, user)
                    last, puzzled = ("text", "/suggest"), False
                    break
                ledger.resent += 1  # silence: the bot is down or lost it; say it again
                silences += 1
                if silences > MAX_SILENCES:
                    raise RuntimeError(stuck_report(user, silences, answers, last)) from None
                break
            silences = 0
            content = message.content
            if is_receipt(message):
                ledger.receipt(content)
                if tag in content or ALREADY.search(content):
                    return
                continue  # an earlier attempt's receipt, delivered late
            if user.chat.cursor < len(user.chat.events):
                continue  # a person answers the newest message, not one scrolled past
            react = reaction(content, bool(message.callback_data))
            if react is None:  # read on; silence after something unknown: start over
                edit = message.method == "editMessageReplyMarkup"
                puzzled = puzzled or not (edit or is_known(content))
                continue
            puzzled = False
            key, kind, value = react
            if key in RESTART_WORDS:
                ledger.restarts_told += 1
                ledger.told[key] += 1
                _debug(ledger, user)
            if kind != "again":
                last = (kind, value)
            break


def _debug(ledger: Ledger, user: FakeUser) -> None:
    """With CHAOS_DEBUG set: the first few chats that had to start again, on stderr."""
    if sum(ledger.told.values()) <= 5 and os.environ.get("CHAOS_DEBUG"):
        print("\n".join(str(m) for m in user.history[-7:]), file=sys.stderr)


async def worker(standin: StandIn, user_id: int, ledger: Ledger, patience: float) -> None:
    user = standin.user(user_id, f"骑手{user_id}")
    n = 0
    while not ledger.done:
        n += 1
        await conversation(user, ledger, f"w{user_id}-{n}", patience)


async def killer(bot: BotProcess, standin: StandIn, ledger: Ledger, kills: int) -> None:
    """SIGKILL the bot at evenly spread points of the run (with some jitter), restart it."""
    for i in range(kills):
        mark = ledger.target * (i + 1) / (kills + 1)
        while len(ledger.receipts) < mark:
            await asyncio.sleep(0.02)
        await asyncio.sleep(random.random() * 0.5)
        bot.kill()
        await asyncio.sleep(random.random() * 0.5)
        bot.start()
        await bot.ready(standin)


@dataclass
class Verdict:
    acknowledged: int
    stored: int
    lost: int
    duplicated: int
    unacknowledged: int
    kills: int
    restarts_told: int
    resent: int
    seconds: float
    told: dict[str, int] = field(default_factory=dict)


def verdict(database_url: str, ledger: Ledger, kills: int, seconds: float) -> Verdict:
    """Compare what workers were told with what the database holds."""
    engine = create_engine(normalize_url(database_url))
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT code, text FROM suggestions")).all()
    engine.dispose()
    stored = {code: body for code, body in rows}
    tags = Counter(m.group(1) for body in stored.values() if (m := TAG.search(body)))
    lost = sum(1 for code, tag in ledger.receipts.items()
               if code not in stored or (tag and tag not in stored[code]))  # fmt: skip
    return Verdict(
        acknowledged=len(ledger.receipts), stored=len(stored), lost=lost,
        duplicated=sum(n - 1 for n in tags.values() if n > 1),
        unacknowledged=len(set(stored) - set(ledger.receipts)), kills=kills,
        restarts_told=ledger.restarts_told, resent=ledger.resent, seconds=seconds,
        told=dict(ledger.told),
    )  # fmt: skip


async def drain(standin: StandIn, ledger: Ledger, users: list[int], seconds: float) -> None:
    """After the run: collect receipts the outbox still delivers (late edits)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for uid in users:
            for message in standin.user(uid).drain():
                if RECEIPT.search(message.content):
                    ledger.receipt(message.content)
        await asyncio.sleep(0.5)


async def report(ledger: Ledger, bot: BotProcess) -> None:
    """A progress line every 10 s on stderr (the full run takes minutes)."""
    while True:
        await asyncio.sleep(10)
        print(f"{time.strftime('%X')} receipts {len(ledger.receipts)}/{ledger.target} "
              f"kills {bot.kills} resent {ledger.resent}", file=sys.stderr, flush=True)  # fmt: skip


async def run_chaos(
    standin: StandIn, env: dict[str, str], cwd: Path, database_url: str, *,
    target: int, kills: int, workers: int, patience: float = 3.0, drain_seconds: float = 12.0,
    progress: bool = False,
) -> Verdict:  # fmt: skip
    """Drive `workers` scripted workers to `target` receipts while killing the bot `kills` times."""
    ledger = Ledger(target)
    bot = BotProcess(env, cwd)
    bot.start()
    await bot.ready(standin)
    started = time.monotonic()
    users = [700_000 + i for i in range(workers)]
    try:
        tasks = [asyncio.create_task(worker(standin, u, ledger, patience)) for u in users]
        tasks.append(asyncio.create_task(killer(bot, standin, ledger, kills)))
        reporter = asyncio.create_task(report(ledger, bot)) if progress else None
        await asyncio.gather(*tasks)
        if reporter is not None:
            reporter.cancel()
        await drain(standin, ledger, users, drain_seconds)
    finally:
        await bot.stop()
    return verdict(database_url, ledger, bot.kills, time.monotonic() - started)
