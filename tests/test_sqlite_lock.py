"""Another process holds the SQLite file's write lock: only the chats that need to write
wait; everyone else is answered as usual, and nothing is lost."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.core.clock import ManualClock
from bot.settings import Settings
from bot.storage.models import Suggestion
from knowledge import load_knowledge, sample_dir
from standin import BotMessage, FakeUser, StandIn
from tests.botkit import RunningBot
from tests.harness import at_text_step, code_of, past_text, said

HELD = 10.0  # seconds the other connection keeps the lock
QUICK = 0.1  # what "answered as usual" means here, stand-in round trip included
TEXT = "驿站晚上九点就关门，夜班骑手没地方歇"


@contextmanager
def write_lock(path: Path, seconds: float) -> Iterator[threading.Thread]:
    """A second connection, in a thread of its own as another process would be, takes
    `BEGIN EXCLUSIVE` on the file and holds it for `seconds`."""
    taken = threading.Event()

    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None, timeout=10)
        try:
            conn.execute("BEGIN EXCLUSIVE")
            taken.set()
            time.sleep(seconds)  # the lock is held in real time: that is what is tested
            conn.execute("ROLLBACK")
        finally:
            conn.close()

    thread = threading.Thread(target=hold, name="other-process")
    thread.start()
    try:
        assert taken.wait(10), "the other connection did not get the lock"
        yield thread
    finally:
        thread.join()


async def round_trip(person: FakeUser, text: str, expected: object) -> float:
    """Seconds from sending `text` to the bot's expected answer."""
    start = time.perf_counter()
    await person.send_text(text)
    await person.expect_next(expected)  # type: ignore[arg-type]
    return time.perf_counter() - start


def faq_answer(entry_id: str) -> str:
    entry = load_knowledge(sample_dir()).faq_entry(entry_id)
    assert entry is not None, entry_id
    return entry.answer


def is_venue(message: BotMessage) -> bool:
    return message.method == "sendVenue"


@pytest.fixture
async def lock_bot(bot_settings: Settings) -> AsyncIterator[RunningBot]:
    running = RunningBot(bot_settings, clock=ManualClock())
    await running.start()
    yield running
    await running.stop()


@pytest.mark.slow  # real time: another connection holds the lock for 10 s
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_locked_sqlite_file_stalls_only_the_chat_that_writes(
    lock_bot: RunningBot, standin: StandIn, database_url: str
) -> None:
    writer, asker, reader, seeker = (standin.user(i) for i in (1001, 1002, 1003, 1004))
    for person in (asker, reader, seeker):  # known to the bot: what they ask next needs no write
        await person.send_text("/start")
        await person.expect_next(said("start"))
    await at_text_step(writer)
    path = Path(database_url.removeprefix("sqlite:///"))
    with write_lock(path, HELD) as other:
        await writer.send_text(TEXT)  # its step saves the draft: a write, which must wait
        await asyncio.sleep(0.3)  # (real time) the writer's call is waiting for the lock now
        took = {
            "/help": await round_trip(asker, "/help", said("help")),
            "faq": await round_trip(reader, "渴了去哪喝水", faq_answer("water")),
            "district": await round_trip(
                seeker, "大洼区", said("stations.district_header", district="大洼区")
            ),
        }
        await seeker.expect_next(is_venue)
        assert max(took.values()) < QUICK, took
        # past the busy timeout (5 s) the writer is asked to try again; the lock is still held
        await writer.expect_next(said("db_unavailable"), timeout=HELD)
        assert other.is_alive()
        await asyncio.to_thread(other.join)
    # the lock is gone: the writer says it again and carries on where it was
    await writer.send_text(TEXT)
    await past_text(writer)
    await writer.send_text("跳过")
    await writer.expect_next(said("suggest.ask_identity"))
    await writer.press(data="sg:anon")
    await writer.expect_next(said("suggest.summary", text=TEXT))
    await writer.press(data="sg:confirm")
    code = code_of(await writer.expect_next(said("suggest.receipt")))
    stored = lock_bot.sync(
        lambda s: s.scalars(select(Suggestion.code).where(Suggestion.text == TEXT)).all()
    )
    assert stored == [code]
    assert lock_bot.sync(lambda s: s.scalar(select(func.count()).select_from(Suggestion))) == 1
