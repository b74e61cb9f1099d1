"""Running the real bot in tests: start, stop and restart it against the stand-in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Concatenate, ParamSpec, TypeVar

from bot.core.clock import Clock
from bot.settings import Settings
from bot.storage import Database
from bot.telegram.app import sweep
from bot.telegram.runner import Prepared, Webhook, prepare, start_app, start_web, stop_app
from standin import BotMessage, FakeUser

P = ParamSpec("P")
R = TypeVar("R")


class RunningBot:
    """The real Application and its services; `restart()` is a stop and a fresh start."""

    def __init__(
        self, settings: Settings, webhook: Webhook | None = None, clock: Clock | None = None
    ) -> None:
        self.settings = settings
        self.webhook = webhook
        self.clock = clock
        self.prepared: Prepared | None = None
        self.web_url: str | None = None  # the web chat's address, when settings.web_port

    @property
    def db(self) -> Database:
        assert self.prepared is not None
        return self.prepared.services.db

    @property
    def app(self) -> Any:
        return self.prepared.app if self.prepared is not None else None

    def sync(self, fn: Callable[Concatenate[Any, P], R], *args: P.args, **kwargs: P.kwargs) -> R:
        """A repository call on the bot's database, from the test."""
        return self.db.run_sync(fn, *args, **kwargs)

    async def sweep(self) -> None:
        """Run the idle-conversation sweep now (the bot runs it every few seconds)."""
        assert self.prepared is not None
        await sweep(self.prepared.app)

    async def flush_outbox(self) -> int:
        """Deliver what the outbox owes now (the bot retries every few seconds by itself)."""
        assert self.prepared is not None and self.prepared.services.outbox is not None
        return await self.prepared.services.outbox.flush()

    async def start(self) -> None:
        self.prepared = prepare(self.settings, self.clock)
        await start_app(self.prepared.app, self.webhook)
        server = await start_web(self.prepared, self.settings)  # with WEB_PORT set (0: any)
        self.web_url = f"http://127.0.0.1:{server.port}" if server is not None else None

    async def stop(self) -> None:
        if self.prepared is not None:
            await stop_app(self.prepared.app)
            self.prepared = None

    async def restart(self) -> None:
        await self.stop()
        await self.start()


async def past_category(user: FakeUser, then: str, timeout: float = 5.0) -> BotMessage:
    """After a suggestion text: say yes to the bot's category guess if it asks (a confident
    guess), then return the next message containing `then`."""
    message = await user.reply(timeout=timeout)
    if "这是关于" in message.content:
        await user.press("是的")
    elif "最接近哪一类" in message.content:
        await user.press(
            "不确定",
        )
    elif then in message.content:
        return message
    return await user.expect(then, timeout=timeout)


async def walk_to_summary(
    user: FakeUser, text: str = "站长天天罚款，超时一分钟扣五十", anonymous: bool = True
) -> BotMessage:
    """Drive a worker from /suggest to the summary, skipping the place."""
    await user.send_text("/suggest")
    await user.expect("请说说")
    await user.send_text(text)
    message = await user.reply()
    if "这是关于" in message.content:
        await user.press("是的")
        message = await user.reply()
    elif "最接近哪一类" in message.content:
        await user.press("不确定")
        message = await user.reply()
    if "做什么工作" in message.content:
        await user.press("外卖骑手")
        await user.expect("在哪里")
    await user.send_text("跳过")
    await user.expect("是谁提的")
    await user.press("匿名提交" if anonymous else "显示我的名字")
    if not anonymous:
        await user.expect("电话")
        await user.send_text("不留电话")
    return await user.expect("请确认")
