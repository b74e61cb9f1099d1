"""Flood control both ways, and the Bot API's faults: retried, never lost, never a crash."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from bot.limits import FloodGuard, TokenBucket
from bot.settings import Settings
from bot.standin import StandIn
from tests.botkit import RunningBot, walk_to_summary
from tests.conftest import STAFF_CHAT

CODE = re.compile(r"NX-\d{8}-\d{4,}")


def test_token_bucket_allows_a_burst_then_the_rate() -> None:
    bucket = TokenBucket(burst=3, rate=1.0)
    assert [bucket.allow(1, now=0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.allow(1, now=0.5) is False
    assert bucket.allow(1, now=1.1) is True
    assert bucket.allow(2, now=1.1) is True  # other users have their own bucket


def test_flood_guard_tells_once_per_cool_down() -> None:
    guard = FloodGuard(TokenBucket(burst=1, rate=0.0001), notice_every=10)
    results = [guard.check(7, now=t) for t in (0, 1, 2, 3, 12)]
    assert results == [(True, False), (False, True), (False, False), (False, False),
                       (False, True)]  # fmt: skip
    assert guard.dropped == 4


@pytest.fixture
async def limited(bot_settings: Settings) -> RunningBot:
    running = RunningBot(bot_settings.with_values(
        flood_burst=5.0, flood_rate=1.0, suggestions_per_day=2, outgoing_limits=True))  # fmt: skip
    await running.start()
    yield running
    await running.stop()


async def test_flood_from_one_user_gets_one_notice_and_others_are_served(
    limited: RunningBot, standin: StandIn
) -> None:
    flooder, other = standin.user(1001), standin.user(1002)
    for i in range(60):
        await flooder.send_text(f"/help {i}")
    await other.send_text("/help")
    start = time.monotonic()
    await other.expect("/suggest", timeout=10)
    assert time.monotonic() - start < 5
    await flooder.expect("发得太快", timeout=20)
    await asyncio.sleep(3)
    events = flooder.history
    assert len([e for e in events if "发得太快" in e.content]) == 1  # no reply storm
    answered = [e for e in events if "/suggest" in e.content]
    assert 5 <= len(answered) <= 5 + 3  # the burst and what refilled while it was sent


async def test_daily_cap_on_suggestions(limited: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    for _ in range(2):
        await walk_to_summary(worker)
        await worker.press("确认提交")
        await worker.expect("已收到", timeout=10)
        await asyncio.sleep(3)  # stay under the flood limit like a person would
    await worker.send_text("/suggest")
    await worker.expect("今天已经提交了 2 条", timeout=10)


async def test_outgoing_messages_keep_to_one_a_second_per_chat(
    limited: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    for _ in range(4):  # each question gets two messages: the numbers and the answer
        await worker.send_text("我中暑了头晕")
    await worker.replies(8, timeout=20)
    sends = standin.stats.sends[1001]
    assert standin.stats.max_in_window(1001, 1.0) <= 4  # a burst of 3, then 1 a second
    assert sends[-1] - sends[0] >= 4.0


@pytest.mark.parametrize("kind", ["429", "502", "500", "drop"])
async def test_faults_on_send_are_retried(limited: RunningBot, standin: StandIn, kind: str) -> None:
    worker = standin.user(1001)
    standin.faults.add("sendMessage", kind, count=1, retry_after=1)
    await worker.send_text("/help")
    await worker.expect("/suggest", timeout=10)
    assert standin.stats.calls["sendmessage"] >= 2


async def test_a_slow_answer_for_one_chat_does_not_hold_up_others(
    limited: RunningBot, standin: StandIn
) -> None:
    slow, other = standin.user(1001), standin.user(1002)
    standin.faults.add("sendMessage", "slow", count=1, delay=3.0, chat_id=1001)
    await slow.send_text("/help")
    await asyncio.sleep(0.2)
    started = time.monotonic()
    await other.send_text("/help")
    await other.expect("/suggest", timeout=10)
    assert time.monotonic() - started < 2.0  # served while the first send still hangs
    await slow.expect("/suggest", timeout=10)  # and the slow one arrives too, once
    await asyncio.sleep(1.0)
    assert not [m for m in slow.drain() if "/suggest" in m.content]


async def test_receipt_survives_a_failing_api(limited: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await walk_to_summary(worker)
    standin.faults.add("sendMessage", "500", count=6, chat_id=1001)
    await worker.press("确认提交")
    receipt = await worker.expect("已收到", timeout=30)
    code = CODE.search(receipt.content).group(0)
    assert limited.store.count_suggestions() == 1
    assert limited.store.get_suggestion(code) is not None
    await standin.group(STAFF_CHAT).expect(code, timeout=30)
    await asyncio.sleep(0.5)
    assert limited.store.pending_outbox() == 0
