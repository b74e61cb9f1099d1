"""Delivering what the bot owes people: receipts, staff cards, status changes, answers.

Rows are committed in the same transaction as the change they announce, then sent here;
a failed send is retried with back-off (or as the channel's `retry_after` asks) and a chat
that blocked the bot is recorded as failed, never retried forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from datetime import datetime

from bot.catalog import t
from bot.core import images
from bot.core.actions import Action, Document, Message, Picture, Posted
from bot.core.clock import Clock, naive_utc
from bot.core.events import Attachment
from bot.core.notices import PLAIN, RENDERERS, STAFF_LANG, Look
from bot.core.ports import Channel, DeliveryError, Failure
from bot.storage import Database, cards, outbox, suggestions
from bot.storage.views import OutboxItem

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 12
BATCH = 200


class Outbox:
    """Sends due outbox rows one by one through the channel; one flush at a time."""

    def __init__(self, db: Database, channel: Channel, clock: Clock, look: Look = PLAIN) -> None:
        self.db = db
        self.channel = channel
        self.clock = clock
        self.look = look
        self.started = naive_utc(clock.now())  # rows older than this were owed across a restart
        self._lock = asyncio.Lock()
        self._again = False
        self._task: asyncio.Task[None] | None = None
        self.kicks = 0  # how often something was queued: a channel can tell it was now

    def kick(self) -> None:
        """Deliver what is due soon, in the background (handlers do not wait for it)."""
        self.kicks += 1
        self._again = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._drain())

    async def settle(self, timeout: float) -> None:
        """Wait (at most `timeout` seconds) for the delivery running now to finish: a channel
        whose answer can carry what was just queued (the web chat's receipt) waits here."""
        task = self._task
        if task is not None and not task.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), timeout)

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
            actions = await self._pixels_only(render(item.suggestion, item.payload, self.look))
            posted = await self.channel.perform(item.chat_id, actions)
        except DeliveryError as exc:
            await self._failed(item, exc)
            return False
        await self.db.run(outbox.sent, item.id, now=self._now())
        if posted:
            await self._remember(item, posted)
        await self._report_late_answer(item)
        return True

    async def _remember(self, item: OutboxItem, posted: list[Posted]) -> None:
        """Keep the cards just posted; a case that changed while its card was on its way
        (the change found no card to edit yet) gets its cards edited now."""
        await self.db.run(cards.add, [(p.card, p.chat, p.message_id) for p in posted],
                          now=self._now())  # fmt: skip
        if item.suggestion is None:
            return
        now = await self.db.run(suggestions.by_id, item.suggestion.id)
        if now is not None and replace(now, language=item.suggestion.language) != item.suggestion:
            await self.db.run(suggestions.refresh_cards, now.id, now=self._now())
            self.kick()

    async def _report_late_answer(self, item: OutboxItem) -> None:
        """An answer that reached the worker only now (after failed attempts, or owed from
        before a restart): the staff chat that sent it hears so; a first-try delivery was
        reported to them when they sent it."""
        staff_chat = item.payload.get("report_to")
        late = item.attempts > 0 or (item.created_at is not None and item.created_at < self.started)
        if item.kind != "answer" or item.suggestion is None or not late or staff_chat is None:
            return
        text = t("staff.answer_delivered_late", STAFF_LANG, code=item.suggestion.code)
        try:
            await self.channel.perform(int(staff_chat), [Message(text)])
        except DeliveryError as exc:  # the answer is delivered; this note is a courtesy
            logger.warning("could not tell staff chat %s about %s: %s", staff_chat,
                           item.suggestion.code, exc.detail)  # fmt: skip

    async def _pixels_only(self, actions: list[Action]) -> list[Action]:
        """A picture a worker sent as a file is relayed as its pixels only: re-encoded
        without the metadata (GPS position, camera) that could tell who took it."""
        relayed: list[Action] = []
        for action in actions:
            sent_as_file = isinstance(action, Document) and isinstance(
                action.document, Attachment) and action.document.as_document  # fmt: skip
            relayed.append(await self._cleaned(action) if sent_as_file else action)
        return relayed

    async def _cleaned(self, action: Action) -> Picture:
        assert isinstance(action, Document) and isinstance(action.document, Attachment)
        data = await self.channel.fetch(action.document, images.MAX_BYTES)
        try:
            clean = await asyncio.to_thread(images.without_metadata, data)
        except images.NotAnImage as exc:
            raise DeliveryError(Failure.REJECTED, f"not a picture: {exc}") from exc
        return Picture(clean, caption=action.caption, chat=action.chat)

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
