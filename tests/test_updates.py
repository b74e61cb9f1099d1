"""Updates python-telegram-bot cannot read (the shapes of a Bot API server newer or older than
the library): each is skipped and logged once, by its id and the error, never its content;
every other update is served, by long polling and by webhook."""

from __future__ import annotations

import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.settings import Settings
from bot.telegram.runner import Webhook
from bot.telegram.updates import SECRET_HEADER, screened
from standin import FakeUser, StandIn
from tests.botkit import RunningBot
from tests.harness import said

PHONE = "13912345678"  # personal data inside the unreadable updates: it must reach no log
SENT_AT = 1_700_000_000
SECRET = "s3cret-token_for-tests"


def without_date(worker: FakeUser) -> dict[str, Any]:
    """A message without `date`, which PTB requires."""
    return {"message_id": 900, "from": worker.user, "chat": worker.chat.info,
            "text": f"我的电话 {PHONE}"}  # fmt: skip


def poll_answer_of_another_api(worker: FakeUser) -> dict[str, Any]:
    """A poll answer without `option_persistent_ids` (required by PTB since Bot API 9.6)."""
    user = {**worker.user, "last_name": PHONE}
    return {"poll_id": "p-1", "user": user, "option_ids": [0]}


def skipped(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.telegram.updates"]


def assert_no_content_logged(caplog: pytest.LogCaptureFixture) -> None:
    for record in caplog.records:
        assert PHONE not in record.getMessage(), record.getMessage()
        assert PHONE not in (record.exc_text or "")
        assert record.levelno < logging.ERROR, record.getMessage()


async def test_an_unreadable_update_is_skipped_and_the_batch_served(
    bot: RunningBot, standin: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # PTB's own debug lines too: they print whole batches
    first, second = standin.user(1001, "小王"), standin.user(1002, "小李")
    # nothing is awaited in between, so the bot's next getUpdates takes all four at once;
    # the last of the batch is a bad one: the offset must still pass it
    good = [await first.send_text("/start")]
    bad = [standin.state.push_update("message", without_date(first))]
    good.append(await second.send_text("/help"))
    bad.append(standin.state.push_update("poll_answer", poll_answer_of_another_api(second)))
    await first.expect_next(said("start", name="小王"))
    await second.expect_next(said("help"))
    batch = sorted(good + bad)
    assert any(r.getMessage() == f"Getting updates: {batch}" for r in caplog.records)
    # one more round trip: the getUpdates that brought it confirmed everything before it
    await first.send_text("/help")
    await first.expect_next(said("help"))
    assert not {u["update_id"] for u in standin.state.queue} & set(bad)
    lines = [r.getMessage() for r in skipped(caplog)]
    assert len(lines) == 2, lines  # once each: never fetched again
    assert lines[0].startswith(f"update {bad[0]} skipped") and "KeyError" in lines[0]
    assert lines[1].startswith(f"update {bad[1]} skipped") and "TypeError" in lines[1]
    assert_no_content_logged(caplog)


def test_screening_keeps_every_id_and_nothing_else_of_a_bad_update() -> None:
    worker = {"id": 1001, "is_bot": False, "first_name": "小王"}
    chat = {"id": 1001, "type": "private"}
    good = {"update_id": 7, "message": {"message_id": 1, "from": worker, "chat": chat,
                                        "date": SENT_AT, "text": "hi"}}  # fmt: skip
    bad = {"update_id": 8, "message": {"message_id": 2, "chat": chat, "text": PHONE}}
    no_id = {"message": good["message"]}  # Telegram never sends one; it cannot be confirmed
    assert screened([good, bad, no_id, "junk"]) == [good, {"update_id": 8}]


@pytest.fixture
async def webhook_bot(bot_settings: Settings) -> AsyncIterator[RunningBot]:
    """The real bot in webhook mode (the stand-in posts updates to it, with the secret)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    hook = Webhook(f"http://127.0.0.1:{port}/telegram", "127.0.0.1", port, SECRET)
    running = RunningBot(bot_settings, webhook=hook)
    await running.start()
    yield running
    await running.stop()


async def test_an_unreadable_update_by_webhook_is_taken_and_skipped(
    webhook_bot: RunningBot, standin: StandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    worker = standin.user(1001, "小王")
    bad = standin.state.push_update("message", without_date(worker))
    await worker.send_text("/start")
    await worker.expect_next(said("start", name="小王"))  # delivered after the bad one
    assert "last_error_message" not in standin.webhook  # answered 2xx: Telegram moves on
    async with aiohttp.ClientSession() as session:  # not JSON at all: taken, skipped, logged
        headers = {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
        async with session.post(standin.webhook["url"], data=b"{not json", headers=headers) as r:
            assert r.status == 200
    await worker.send_text("/help")
    await worker.expect_next(said("help"))
    lines = [r.getMessage() for r in skipped(caplog)]
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"update {bad} skipped") and "KeyError" in lines[0]
    assert "not JSON" in lines[1]
    assert_no_content_logged(caplog)
