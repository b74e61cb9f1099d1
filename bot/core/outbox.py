"""Delivering what the bot owes people: receipts, staff cards, status changes, answers.

Rows are committed in the same transaction as the change they announce, then sent here;
a failed send is retried with back-off (or as the channel's `retry_after` asks) and a chat
that blocked the bot is recorded as failed, never retried forever.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from bot.core.clock import Clock, naive_utc
from bot.core.notices import RENDERERS
from bot.core.ports import Channel, DeliveryError, Failure
from bot.storage import Database, outbox
from bot.storage.views import OutboxItem

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 12
BATCH = 200


class Outbox:
    """Sends due outbox rows one by one through the channel; one flush at a time."""

    def __init__(self, db: Database, channel: Channel, clock: Clock) -> None:
        self.db = db
        self.channel = channel
        self.clock = clock
        self._lock = asyncio.Lock()
        self._again = False
        self._task: asyncio.Task[None] | None = None

    def kick(self) -> None:
        """Deliver what is due soon, in the background (handlers do not wait for it)."""
        self._again = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())

    async def close(self) -> None:
        """Let a running delivery finish (at shutdown)."""
        self._again = False
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    async def _drain(self) -> None:
        while self._again:
            self._again = False
            try:
                await self.flush()
            except Exception:  # the periodic job tries again; never lose the task silently
                logger.exception("outbox flush failed")

    async def flush(self) -> int:
        """Send everything due now, each chat in order and chats side by side."""
        async with self._lock:
            by_chat: dict[int, list[OutboxItem]] = {}
            for item in await self.db.run(outbox.due, BATCH, now=self._now()):
                by_chat.setdefault(item.chat_id, []).append(item)
            counts = await asyncio.gather(*(self._chat(items) for items in by_chat.values()))
            return sum(counts)

    async def _chat(self, items: list[OutboxItem]) -> int:
        delivered = 0
        for item in items:
            if not await self._deliver(item):
                break  # keep this chat's order: the rest waits for the next attempt
            delivered += 1
        return delivered

    async def _deliver(self, item: OutboxItem) -> bool:
        render = RENDERERS.get(item.kind)
        if render is None or item.suggestion is None:
            await self.db.run(outbox.failed, item.id, f"cannot render {item.kind}", None,
                              now=self._now())  # fmt: skip
            return False
        try:
            await self.channel.perform(item.chat_id, render(item.suggestion, item.payload))
        except DeliveryError as exc:
            await self._failed(item, exc)
            return False
        await self.db.run(outbox.sent, item.id, now=self._now())
        return True

    def _now(self) -> datetime:
        return naive_utc(self.clock.now())

    async def _failed(self, item: OutboxItem, exc: DeliveryError) -> None:
        if exc.failure in (Failure.GONE, Failure.REJECTED):
            logger.warning("outbox %s to chat %s failed for good: %s", item.kind, item.chat_id,
                           exc.detail)  # fmt: skip
            await self.db.run(outbox.failed, item.id, exc.detail, None, now=self._now())
            return
        attempts = await self.db.run(outbox.attempts, item.id)
        if attempts + 1 >= MAX_ATTEMPTS:
            await self.db.run(outbox.failed, item.id, str(exc), None, now=self._now())
            return
        backoff = (
            exc.retry_after if exc.retry_after is not None else min(300.0, 2.0 ** (attempts + 1))
        )
        await self.db.run(outbox.failed, item.id, str(exc), backoff, now=self._now())
