"""Delivering what the bot owes people: receipts, staff announcements, answers.

Rows are committed in the same transaction as the change they announce, then sent here;
a failed send is retried with back-off (or as Telegram's `retry_after` asks) and a chat
that blocked the bot is recorded as failed, never retried forever.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.context import run_db
from bot.storage import Store
from bot.storage.views import OutboxItem, SuggestionView

logger = logging.getLogger(__name__)
Renderer = Callable[[Bot, int, SuggestionView, dict[str, Any]], Awaitable[None]]
MAX_ATTEMPTS = 12


class OutboxSender:
    """Sends due outbox rows one by one; one flush at a time."""

    def __init__(self, store: Store, renderers: dict[str, Renderer]) -> None:
        self.store = store
        self.renderers = renderers
        self._lock = asyncio.Lock()
        self._again = False
        self._task: asyncio.Task[None] | None = None

    def kick(self, bot: Bot) -> None:
        """Deliver what is due soon, in the background (handlers do not wait for it)."""
        self._again = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain(bot))

    async def close(self) -> None:
        """Let a running delivery finish (at shutdown)."""
        self._again = False
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _drain(self, bot: Bot) -> None:
        while self._again:
            self._again = False
            try:
                await self.flush(bot)
            except Exception:  # the periodic job tries again; never lose the task silently
                logger.exception("outbox flush failed")

    async def flush(self, bot: Bot) -> int:
        """Send everything due now, each chat in order and chats side by side."""
        async with self._lock:
            by_chat: dict[int, list[OutboxItem]] = {}
            for item in await run_db(self.store.due_outbox, 200):
                by_chat.setdefault(item.chat_id, []).append(item)
            counts = await asyncio.gather(*(self._chat(bot, items) for items in by_chat.values()))
            return sum(counts)

    async def _chat(self, bot: Bot, items: list[OutboxItem]) -> int:
        delivered = 0
        for item in items:
            sent = await self._deliver(bot, item)
            if not sent:
                break  # keep this chat's order: the rest waits for the next attempt
            delivered += 1
        return delivered

    async def _deliver(self, bot: Bot, item: OutboxItem) -> int:
        render = self.renderers.get(item.kind)
        if render is None or item.suggestion is None:
            await run_db(self.store.outbox_failed, item.id, f"cannot render {item.kind}", None)
            return 0
        try:
            await render(bot, item.chat_id, item.suggestion, item.payload)
        except RetryAfter as exc:
            await self._retry(item.id, f"flood control: {exc}", _seconds(exc.retry_after))
            return 0
        except (Forbidden, BadRequest) as exc:
            logger.warning("outbox %s to chat %s failed for good: %s", item.kind, item.chat_id, exc)
            await run_db(self.store.outbox_failed, item.id, str(exc), None)
            return 0
        except (TimedOut, NetworkError) as exc:
            await self._retry(item.id, f"network: {exc}", None)
            return 0
        await run_db(self.store.outbox_sent, item.id)
        return 1

    async def _retry(self, row_id: int, error: str, delay: float | None) -> None:
        attempts = await run_db(self.store.outbox_attempts, row_id)
        if attempts + 1 >= MAX_ATTEMPTS:
            await run_db(self.store.outbox_failed, row_id, error, None)
            return
        backoff = delay if delay is not None else min(300.0, 2.0 ** (attempts + 1))
        await run_db(self.store.outbox_failed, row_id, error, backoff)


def _seconds(value: object) -> float:
    total = getattr(value, "total_seconds", None)
    return float(total()) if callable(total) else float(value)  # type: ignore[arg-type]
