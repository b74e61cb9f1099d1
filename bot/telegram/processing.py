"""Updates of one chat in order, different chats at the same time, floods dropped on arrival.

`ConversationHandler` needs each chat's updates one by one; nothing needs the whole bot to
wait for one slow chat (a flood, a chat held back by Telegram's per-chat limit, a slow
database call). Waiting for a chat's turn takes no slot of the global limit, so a queue of
one flooder's updates never holds the other chats up. The flood guard counts updates as they
arrive, before any waiting, so a slow chat cannot launder a flood through its own queue.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.telegram.limits import FloodGuard

logger = logging.getLogger(__name__)
UNLIMITED = 1_000_000  # PTB's own semaphore must never bind: ours is taken after the chat lock


class ChatOrderedProcessor(BaseUpdateProcessor):
    """A lock per chat (per user without a chat), then a global limit on running updates."""

    def __init__(
        self,
        guard: FloodGuard | None = None,
        on_flood: Callable[[Update], Coroutine[Any, Any, None]] | None = None,
        max_running: int = 32,
    ) -> None:
        super().__init__(UNLIMITED)
        self.guard = guard
        self.on_flood = on_flood
        self._running = asyncio.BoundedSemaphore(max_running)
        self._locks: dict[object, tuple[asyncio.Lock, int]] = {}
        self._notices: set[asyncio.Task[None]] = set()

    def _flooding(self, update: object) -> bool:
        """Count the update against its user; True when it must be dropped."""
        if self.guard is None or not isinstance(update, Update) or update.effective_user is None:
            return False
        allowed, tell = self.guard.check(update.effective_user.id)
        if tell:
            logger.info("user %s is flooding: dropping updates", update.effective_user.id)
        if tell and self.on_flood is not None:
            task = asyncio.create_task(self.on_flood(update))
            self._notices.add(task)
            task.add_done_callback(self._notices.discard)
        return not allowed

    @staticmethod
    def key(update: object) -> object:
        if isinstance(update, Update):
            if update.effective_chat is not None:
                return ("chat", update.effective_chat.id)
            if update.effective_user is not None:
                return ("user", update.effective_user.id)
        return ("other", None)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Drop a flood; else wait for this chat's earlier updates, then a free slot, then run."""
        if self._flooding(update):
            if inspect.iscoroutine(coroutine):
                coroutine.close()
            return
        key = self.key(update)
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock, self._running:
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
