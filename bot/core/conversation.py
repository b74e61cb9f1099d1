"""Which guided conversations are going on, and their drafts.

A conversation's draft and step are written to the database before the bot replies, so a
restart resumes every conversation at its step; this process keeps the steps of all of
them (for every event's first look) and caches the drafts it has seen. A conversation
left idle past its timeout is ended by `expire`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any, Concatenate, ParamSpec, TypeVar

from bot.core.clock import Clock, naive_utc
from bot.core.errors import DatabaseDown
from bot.core.events import Who
from bot.core.memory import Memories, Memory
from bot.storage import Database, DatabaseUnavailable, drafts

P = ParamSpec("P")
R = TypeVar("R")
Key = tuple[str, int, int]  # (conversation name, chat id, user id)


class Conversations:
    def __init__(self, db: Database, clock: Clock, memories: Memories) -> None:
        self.db = db
        self.clock = clock
        self.memories = memories
        self._states: dict[Key, str] = {}

    async def start(self, names: Iterable[str]) -> None:
        """Read every conversation's step back (after a restart)."""
        for name in names:
            states = await self.db.run(drafts.states, name)
            self._states.update({(name, chat, user): s for (chat, user), s in states.items()})

    def state(self, name: str, who: Who) -> str | None:
        """The step `who` is at in conversation `name` (None: not in it)."""
        return self._states.get((name, who.chat_id, who.user_id))

    async def load(self, memory: Memory, who: Who, name: str) -> tuple[str, dict[str, Any]] | None:
        """The step and stored draft (this process's copy first, then the database)."""
        cached = memory.drafts.get((name, who.chat_id))
        if cached is not None:
            return cached[0], dict(cached[1])
        if (name, who.chat_id, who.user_id) not in self._states:
            return None  # every draft's step is known here: no need to ask the database
        row = await self._run(drafts.load, name, who.chat_id, who.user_id)
        if row is None:
            return None
        memory.drafts[(name, who.chat_id)] = (row.state, dict(row.data))
        return row.state, dict(row.data)

    async def save(
        self, memory: Memory, who: Who, name: str, state: str, data: dict[str, Any]
    ) -> None:
        """Write the draft at `state` (the database first: the reply comes after)."""
        now = naive_utc(self.clock.now())
        await self._run(drafts.save, name, who.chat_id, who.user_id, state, data, now=now)
        memory.drafts[(name, who.chat_id)] = (state, dict(data))
        self._states[(name, who.chat_id, who.user_id)] = state

    async def drop(self, memory: Memory, who: Who, name: str) -> None:
        """End the conversation: its draft is deleted."""
        self.forget(memory, who, name)
        await self._run(drafts.delete, name, who.chat_id, who.user_id)

    def forget(self, memory: Memory, who: Who, name: str) -> None:
        """Forget it in this process only (the database row is gone already)."""
        memory.drafts.pop((name, who.chat_id), None)
        self._states.pop((name, who.chat_id, who.user_id), None)

    async def expire(
        self, name: str, idle: timedelta, states: frozenset[str] | None = None
    ) -> list[drafts.DraftView]:
        """End the conversations of `name` idle for longer than `idle` (in `states`)."""
        before = naive_utc(self.clock.now() - idle)
        gone = await self.db.run(drafts.pop_expired, name, before, states=states)
        for row in gone:
            self._states.pop((name, row.chat_id, row.user_id), None)
            for memory in self.memories.all_of(row.user_id):
                memory.drafts.pop((name, row.chat_id), None)
        return gone

    async def _run(
        self, fn: Callable[Concatenate[Any, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        try:
            return await self.db.run(fn, *args, **kwargs)
        except DatabaseUnavailable:
            raise DatabaseDown() from None
