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
class StationSearch:
    """The station list a person looks at: the place, the filters switched on, the first
    item shown, and the map pin sent with it (so a filter press replaces it, not adds one)."""

    where: tuple[float, float] | str  # a shared location, or a district's name
    filters: frozenset[str] = frozenset()  # values of buttons.StationFilterKey switched on
    start: int = 0  # index of the first station shown (pages of features.stations.SHOWN)
    pinned: str | None = None  # id of the station the pin shows (None: no pin)
    pin: tuple[int, int] | None = None  # (chat, message id) of the pin, once the channel says


@dataclass
class Memory:
    lang: Lang | None = None
    seen: bool = False  # stored in the users table during this process's life
    question: str | None = None  # their last question the FAQ could not answer
    case_text: str | None = None  # what came with a typed "我想投诉 …", until its button
    stations: StationSearch | None = None  # the latest station list (/stations, a place)
    drafts: dict[tuple[str, int], tuple[str, dict[str, Any]]] = field(default_factory=dict)
    awaiting_reason: Any = None  # a 不满意 waiting for its reason (features.rating.Awaited)
    # a station's "反映这里的问题" pressed while a saved draft was offered: a new draft
    # (restart) is about this station; carrying on with the saved one forgets it
    station_report: str | None = None


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
