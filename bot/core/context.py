"""What a handler of the core gets: the services, the event, the person's memory, and a
list it fills with actions (the channel carries them out after the handler returns)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from bot.catalog import Lang, lang_of, t
from bot.core import buttons
from bot.core.actions import Action, Buttons, Edit, Markup, Message, Toast
from bot.core.clock import Clock, naive_utc
from bot.core.conversation import Conversations
from bot.core.errors import DatabaseDown
from bot.core.events import Body, Event, Press, Who
from bot.core.memory import Memories, Memory
from bot.core.ports import Deliveries, Files, Transcriber
from bot.domain import Role
from bot.settings import Settings
from bot.storage import Database, DatabaseUnavailable, users

if TYPE_CHECKING:
    from classifier import Classifier
    from knowledge import KnowledgeBase, KnowledgeHolder

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class Services:
    """Everything the core needs, built once at start-up."""

    settings: Settings
    db: Database
    clock: Clock
    tz: ZoneInfo
    knowledge: KnowledgeHolder | None = None
    classifier: Classifier | None = None
    outbox: Deliveries | None = None
    files: Files | None = None  # the bytes of files people send (checked before use)
    transcriber: Transcriber | None = None  # voice notes to text: none wired (see ports)
    memories: Memories = field(default_factory=Memories)
    talks: Conversations = field(init=False)

    def __post_init__(self) -> None:
        self.talks = Conversations(self.db, self.clock, self.memories)

    @property
    def kb(self) -> KnowledgeBase | None:
        """The knowledge base in use now (it is swapped whole on reload)."""
        return self.knowledge.current if self.knowledge is not None else None


@dataclass
class Ctx:
    """One event being handled."""

    services: Services
    event: Event
    memory: Memory
    out: list[Action] = field(default_factory=list)
    then: Body | None = None  # handle this next, as if the person had sent it
    _button: buttons.ButtonData | None = None

    @property
    def who(self) -> Who:
        return self.event.who

    @property
    def lang(self) -> Lang:
        """The person's language: their stored choice, else their client's."""
        return self.memory.lang or lang_of(self.who.lang_hint)

    @property
    def button(self) -> buttons.ButtonData | None:
        """The pressed button, decoded once (None: not a press, or its data is out of date)."""
        if self._button is None and isinstance(self.event.body, Press):
            self._button = buttons.decode(self.event.body.data)
        return self._button

    def now(self) -> datetime:
        """The injected clock's time, as the database keeps times (naive UTC)."""
        return naive_utc(self.services.clock.now())

    def t(self, key: str, **values: Any) -> str:
        """A catalog text in the person's language."""
        return t(key, self.lang, **values)

    def say(self, text: str, markup: Markup | None = None) -> None:
        self.out.append(Message(text, markup))

    def toast(self, text: str, alert: bool = False) -> None:
        self.out.append(Toast(text, alert))

    def edit(self, text: str | None, markup: Buttons | None = None) -> None:
        """Change the message whose button was pressed (text None: only its buttons)."""
        self.out.append(Edit(text, markup))

    async def db(
        self, fn: Callable[Concatenate[Any, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """A repository call; a lost database becomes a kind "try again" for the person."""
        try:
            return await self.services.db.run(fn, *args, **kwargs)
        except DatabaseUnavailable:
            raise DatabaseDown() from None

    # conversations of this person in this chat

    def state(self, name: str) -> str | None:
        return self.services.talks.state(name, self.who)

    async def load(self, name: str) -> tuple[str, dict[str, Any]] | None:
        return await self.services.talks.load(self.memory, self.who, name)

    async def save(self, name: str, state: str, data: dict[str, Any]) -> None:
        await self.services.talks.save(self.memory, self.who, name, state, data)

    async def drop(self, name: str) -> None:
        await self.services.talks.drop(self.memory, self.who, name)

    def forget(self, name: str) -> None:
        self.services.talks.forget(self.memory, self.who, name)

    # roles, checked on every call

    async def role(self) -> Role:
        """The person's role: the settings first, then the database."""
        settings, user_id = self.services.settings, self.who.user_id
        if user_id in settings.admin_ids:
            return Role.ADMIN
        if user_id in settings.staff_ids:
            return Role.STAFF
        stored = await self.db(users.role_of, user_id)
        return Role(stored) if stored else Role.WORKER

    async def is_staff(self) -> bool:
        return await self.role() in (Role.STAFF, Role.ADMIN)

    async def is_admin(self) -> bool:
        return await self.role() is Role.ADMIN
