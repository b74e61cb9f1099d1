"""Routing (派单): which desk, a staff team's chat, handles a case, and the time limits.

The model and the lookup only; ``knowledge.load_routing`` reads ``routing.yaml`` into it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.districts import district_key, fold

# ``chat: staff`` in the file: "the bot's STAFF_CHAT_ID setting". Telegram never uses 0 as a
# chat id, so it is free to mean this; the bot resolves it when it sends.
SETTINGS_CHAT = 0

KINDS = ("suggestion", "complaint", "question")  # bot.domain.Kind's values
# bot.domain.WorkerType's values (knowledge may not import bot; a test keeps them equal)
WORKER_TYPES = ("rider", "courier", "truck", "ride_hailing", "other")
# Working days per kind when the file says nothing: modelled on 12345 hotline practice
# (enquiries 1 working day, requests and suggestions 5, complaints 10); a city sets its own.
DEFAULT_LIMITS: dict[str, int] = {"question": 1, "suggestion": 5, "complaint": 10}


@dataclass(frozen=True)
class Desk:
    """A staff team: a Telegram chat and, in a forum group, optionally one topic."""

    id: str
    name: str
    chat_id: int  # SETTINGS_CHAT means the bot's STAFF_CHAT_ID
    thread_id: int | None = None  # the forum topic (message_thread_id)
    supervisor_chat_id: int | None = None  # who hears about overdue cases (督办)


@dataclass(frozen=True)
class Rule:
    """Cases that go to ``desk``; an empty set matches anything."""

    desk: str
    categories: frozenset[str] = frozenset()
    districts: frozenset[str] = frozenset()
    worker_types: frozenset[str] = frozenset()
    kinds: frozenset[str] = frozenset()
    district_keys: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # compared by short form, so a caller's "大洼" matches a rule's 大洼区
        object.__setattr__(self, "district_keys", frozenset(map(district_key, self.districts)))

    @property
    def conditions(self) -> int:
        """How many of the four conditions the rule sets (0: it matches every case)."""
        return sum(1 for s in (self.categories, self.districts, self.worker_types, self.kinds) if s)

    def matches(
        self, category: str | None, district: str | None, worker_type: str | None, kind: str
    ) -> bool:
        """Every condition the rule sets holds; an unknown value fails a set condition."""
        return (
            _allows(self.categories, category)
            and _allows(self.district_keys, None if district is None else district_key(district))
            and _allows(self.worker_types, worker_type)
            and _allows(self.kinds, kind)
        )


def _allows(allowed: frozenset[str], value: str | None) -> bool:
    return not allowed or value in allowed


@dataclass(frozen=True)
class Routing:
    """Desks, rules in file order, the default desk and the time limits per kind."""

    desks: tuple[Desk, ...] = ()
    rules: tuple[Rule, ...] = ()
    default: str | None = None  # the desk id for cases no rule matches
    # working days per kind, every kind present; not hashed (a dict), so a KnowledgeBase
    # holding this stays hashable
    limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS), hash=False)

    @classmethod
    def empty(cls) -> Routing:
        """No routing file: no desks, every case stays with the staff chat."""
        return cls()

    def desk(self, desk_id: str) -> Desk | None:
        return next((d for d in self.desks if d.id == desk_id), None)

    def route(
        self, category: str | None, district: str | None, worker_type: str | None, kind: str
    ) -> Desk | None:
        """The desk for a case: the first rule that matches in file order (admins list the
        more specific rules first), else the default desk; None without a routing file."""
        for rule in self.rules:
            if rule.matches(category, district, worker_type, kind):
                return self.desk(rule.desk)
        return None if self.default is None else self.desk(self.default)

    def find_desk(self, name_or_id: str) -> Desk | None:
        """The desk a staff member typed (``/reassign CODE 交通组``): its id or its name,
        ignoring case and spaces; ids first, so a name cannot hide an id."""
        wanted = fold(name_or_id)
        if not wanted:
            return None
        by_id = next((d for d in self.desks if fold(d.id) == wanted), None)
        return by_id or next((d for d in self.desks if fold(d.name) == wanted), None)
