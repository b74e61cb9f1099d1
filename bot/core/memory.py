"""What this process remembers of each person between their events.

Only a cache: whatever must survive a restart is in the database.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from bot.catalog import Lang
from bot.core.events import Who

MEMORY_SIZE = 100_000  # people remembered in this process (the database has the rest)


@dataclass
class Memory:
    lang: Lang | None = None
    seen: bool = False  # stored in the users table during this process's life
    question: str | None = None  # their last question the FAQ could not answer
    stations_at: tuple[float, float] | str | None = None  # location or district of /stations
    drafts: dict[tuple[str, int], tuple[str, dict[str, Any]]] = field(default_factory=dict)
    awaiting_reason: Any = None  # a 不满意 waiting for its reason (features.rating.Awaited)


class Memories:
    """Memory per (channel, user), the least recently seen forgotten first."""

    def __init__(self, size: int = MEMORY_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, int], Memory] = OrderedDict()
        self._channels: set[str] = set()

    def of(self, who: Who) -> Memory:
        key = (who.channel, who.user_id)
        memory = self._items.get(key)
        if memory is None:
            memory = self._items[key] = Memory()
            self._channels.add(who.channel)
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        else:
            self._items.move_to_end(key)
        return memory

    def forget(self, who: Who) -> None:
        self._items.pop((who.channel, who.user_id), None)

    def all_of(self, user_id: int) -> list[Memory]:
        """What is remembered of a user id, on any channel (without refreshing it)."""
        found = (self._items.get((channel, user_id)) for channel in self._channels)
        return [memory for memory in found if memory is not None]
