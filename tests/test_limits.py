"""Flood control both ways, and the Bot API's faults: retried, never lost, never a crash.

The flood guard and the daily cap read the bot's clock: those tests move a `ManualClock` by
hand. Telegram's limits on what the bot sends (python-telegram-bot's rate limiter, a bucket
per private chat, 429 retry-after, retries of passing faults) wait in real time by nature:
those tests measure real time, bounded, and are marked slow where it adds up.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from bot.core.clock import ManualClock
from bot.settings import Settings
from bot.storage import drafts, outbox, suggestions
from bot.telegram.limits import FloodGuard, TokenBucket
from standin import StandIn
from tests.botkit import RunningBot
from tests.conftest import STAFF_CHAT
from tests.harness import at_text_step, code_of, said, submit, walk_to_summary


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


def test_flood_guard_reads_the_injected_clock() -> None:
    clock = ManualClock()
    guard = FloodGuard(TokenBucket(burst=2, rate=1.0), notice_every=10, clock=clock.monotonic)
    assert [guard.check(7) for _ in range(3)] == [(True, False), (True, False), (False, True)]
    clock.advance(1.0)  # one token back
    assert [guard.check(7) for _ in range(2)] == [(True, False), (False, False)]
    clock.advance(10.0)  # full again, and the cool-down is over
    assert [guard.check(7) for _ in range(3)] == [(True, False), (True, False), (False, True)]


# --- the flood guard and the daily cap, on the injected clock --------------------------------


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def guarded(bot_settings: Settings, clock: ManualClock) -> AsyncIterator[RunningBot]:
    """A burst of 5 updates per user, then 1 a second of the (manual) clock."""
    running = RunningBot(bot_settings.with_values(flood_burst=5.0, flood_rate=1.0), clock=clock)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def capped(bot_settings: Settings, clock: ManualClock) -> AsyncIterator[RunningBot]:
    """Two suggestions a day (local day of the manual clock)."""
    running = RunningBot(bot_settings.with_values(suggestions_per_day=2), clock=clock)
    await running.start()
    yield running
    await running.stop()


def flood_guard(running: RunningBot) -> FloodGuard:
    guard = running.app.update_processor.guard
    assert isinstance(guard, FloodGuard)
    return guard


async def test_flood_from_one_user_gets_one_notice_and_others_are_served(
    guarded: RunningBot, clock: ManualClock, standin: StandIn
) -> None:
    flooder, other = standin.user(1001), standin.user(1002)
    for i in range(60):
        await flooder.send_text(f"/help {i}")
    await other.send_text("/help")
    await other.expect_next(said("help"))  # another user's bucket is untouched
    # The clock stands still: the burst of 5 is answered, the other 55 are dropped, with one
    # notice. The notice goes out as the flood is seen, so it may come among the answers.
    replies = await flooder.replies(6)
    notices = [m for m in replies if said("flood").search(m.content)]
    assert len(notices) == 1, replies
    assert all(said("help").search(m.content) for m in replies if m not in notices), replies
    assert flood_guard(guarded).dropped == 55
    clock.advance(1.0)  # one token back: the next update is served, and nothing came between
    await flooder.send_text("/my")
    await flooder.expect_next(said("my.empty"))
    clock.advance(10.0)  # the bucket is full again and the cool-down over: a new flood is
    for i in range(10):  # told once more
        await flooder.send_text(f"/help {i}")
    replies = await flooder.replies(6)
    assert len([m for m in replies if said("flood").search(m.content)]) == 1, replies
    assert flood_guard(guarded).dropped == 60


async def test_daily_cap_on_suggestions_lifts_the_next_day(
    capped: RunningBot, clock: ManualClock, standin: StandIn
) -> None:
    worker = standin.user(1001)
    for _ in range(2):
        await submit(worker)
    await worker.send_text("/suggest")
    await worker.expect_next(said("suggest.daily_cap", limit=2))
    assert capped.sync(drafts.load, "suggest", 1001, 1001) is None  # no draft was started
    clock.advance(24 * 3600)  # the next (local) day
    await at_text_step(worker)


# --- what the bot sends: Telegram's limits, in real time -------------------------------------


@pytest.fixture
async def limited(bot_settings: Settings) -> AsyncIterator[RunningBot]:
    """The outgoing limits on (a burst of 3 then 1 a second per private chat); no flood guard."""
    running = RunningBot(bot_settings.with_values(outgoing_limits=True))
    await running.start()
    yield running
    await running.stop()


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for something the bot does in real time (a send held by the stand-in, a row
    written after a send); only for the tests about real time."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout}s"
        await asyncio.sleep(0.02)


@pytest.mark.slow
async def test_outgoing_messages_keep_to_one_a_second_per_chat(
    limited: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    for _ in range(4):  # each question gets two messages: the numbers and the answer
        await worker.send_text("我中暑了头晕")
    for _ in range(4):
        await worker.expect_next(said("ask.emergency"), timeout=10)
        await worker.expect_next(lambda m: not said("ask.emergency").search(m.content))  # FAQ
    sends = standin.stats.sends[1001]
    assert len(sends) == 8
    assert standin.stats.max_in_window(1001, 1.0) <= 4  # a burst of 3, then 1 a second
    assert sends[-1] - sends[0] >= 4.0  # real time: 5 sends past the burst, 1 a second


@pytest.mark.slow
async def test_a_chat_held_back_by_its_limit_does_not_hold_up_others(
    limited: RunningBot, standin: StandIn
) -> None:
    busy, other = standin.user(1001), standin.user(1002)
    for i in range(6):  # 3 at once, then 1 a second
        await busy.send_text(f"/help {i}")
    await other.send_text("/help")
    await other.expect_next(said("help"))
    assert len(busy.history) < 6  # the other chat was served while this one still waited
    for _ in range(6):
        await busy.expect_next(said("help"), timeout=10)


@pytest.mark.parametrize("kind", ["429", "502", "500", "drop"])
async def test_faults_on_send_are_retried(limited: RunningBot, standin: StandIn, kind: str) -> None:
    worker = standin.user(1001)
    standin.faults.add("sendMessage", kind, count=1, retry_after=1)
    await worker.send_text("/help")
    await worker.expect_next(said("help"), timeout=10)  # once: the failed try showed nothing
    assert standin.stats.calls["sendmessage"] >= 2
    await worker.send_text("/my")  # and nothing more of it comes later
    await worker.expect_next(said("my.empty"))


async def test_a_slow_answer_for_one_chat_does_not_hold_up_others(
    limited: RunningBot, standin: StandIn
) -> None:
    slow, other = standin.user(1001), standin.user(1002)
    held = standin.faults.add("sendMessage", "slow", count=1, delay=2.0, chat_id=1001)
    await slow.send_text("/help")
    await until(lambda: held.hits == 1)  # the stand-in holds the slow chat's answer
    await other.send_text("/help")
    await other.expect_next(said("help"))
    assert slow.history == []  # served while the slow chat's send still hung
    await slow.expect_next(said("help"), timeout=10)  # and the slow one arrives too,
    await slow.send_text("/my")  # once: the next answer is the next message
    await slow.expect_next(said("my.empty"))


@pytest.mark.slow
async def test_receipt_survives_a_failing_api(limited: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await walk_to_summary(worker)
    # every call to the worker's chat fails 6 times: the send's own retries (4 tries) give
    # up, the outbox tries again after its back-off and gets through
    failing = standin.faults.add("*", "500", count=6, chat_id=1001)
    await worker.press(data="sg:confirm")
    code = code_of(await worker.expect_next(said("suggest.receipt"), timeout=30))
    assert failing.hits == 6
    stored = limited.sync(suggestions.get, code)
    assert stored is not None and limited.sync(suggestions.count) == 1
    await standin.group(STAFF_CHAT).expect_next(said("staff.new", code=code), timeout=30)
    await until(lambda: limited.sync(outbox.pending) == 0)  # marked sent after the send
