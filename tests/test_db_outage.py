"""PostgreSQL going away under the bot: a short "try again", the draft kept, recovery alone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from bot.settings import Settings
from bot.standin import StandIn
from tests.botkit import RunningBot, past_category
from tests.netproxy import TcpProxy

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("database_url", ["postgres"], indirect=True),
]
CODE = re.compile(r"NX-\d{8}-\d{4,}")


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
        await worker.send_text("/suggest")
        await worker.expect("请说说")
        proxy.cut()
        await worker.send_text("路口的红绿灯坏了三天了")
        await worker.expect("系统有点忙", timeout=15)
        proxy.restore()
        await worker.send_text("路口的红绿灯坏了三天了")
        await past_category(worker, "做什么工作", timeout=15)
        await worker.press("外卖骑手")
        await worker.expect("在哪里")
        await worker.send_text("跳过")
        await worker.expect("是谁提的")
        await worker.press("匿名提交")
        await worker.expect("请确认")
        await worker.press("确认提交")
        code = CODE.search((await worker.expect("已收到")).content).group(0)
        assert running.store.get_suggestion(code).text == "路口的红绿灯坏了三天了"
    finally:
        proxy.restore()
        await running.stop()
