"""PostgreSQL going away under the bot: a short "try again", the draft kept, recovery alone."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from bot.settings import Settings
from bot.storage import drafts, suggestions
from standin import StandIn
from tests.botkit import RunningBot
from tests.harness import at_text_step, code_of, past_text, said
from tests.netproxy import TcpProxy

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]
TEXT = "路口的红绿灯坏了三天了"
OUTAGE = 15.0  # seconds the bot may take to notice the database is gone (connect time-out)


@pytest.fixture
def proxied_url(database_url: str) -> Iterator[tuple[str, TcpProxy]]:
    parts = urlsplit(database_url)
    with TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432) as proxy:
        netloc = f"{parts.username}@127.0.0.1:{proxy.port}"
        yield parts._replace(netloc=netloc).geturl(), proxy


async def test_database_outage_keeps_the_draft_and_recovers(
    bot_settings: Settings, standin: StandIn, proxied_url: tuple[str, TcpProxy]
) -> None:
    url, proxy = proxied_url
    running = RunningBot(bot_settings.with_values(database_url=url))
    await running.start()
    try:
        worker = standin.user(1001)
        await at_text_step(worker)
        proxy.cut()  # the text cannot be saved: "try again", and the step stays
        await worker.send_text(TEXT)
        await worker.expect_next(said("db_unavailable"), timeout=OUTAGE)
        proxy.restore()
        await worker.send_text(TEXT)
        await past_text(worker)
        await worker.send_text("跳过")
        await worker.expect_next(said("suggest.ask_identity"))
        proxy.cut()  # a later answer lost to the outage: what came before is kept
        await worker.press(data="sg:anon")
        await worker.expect_next(said("db_unavailable"), timeout=OUTAGE)
        proxy.restore()
        kept = running.sync(drafts.load, "suggest", 1001, 1001)
        assert kept is not None and (kept.state, kept.data["text"]) == ("identity", TEXT)
        await worker.press(data="sg:anon")
        summary = await worker.expect_next(said("suggest.summary", text=TEXT))
        assert said("suggest.identity_anonymous").search(summary.content)
        await worker.press(data="sg:confirm")
        code = code_of(await worker.expect_next(said("suggest.receipt")))
        stored = running.sync(suggestions.get, code)
        assert stored is not None and stored.text == TEXT
    finally:
        proxy.restore()
        await running.stop()
