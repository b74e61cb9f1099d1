"""Services reach handlers through a custom CallbackContext, never module globals."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from telegram.ext import Application, CallbackContext, ExtBot

from bot.settings import Settings
from bot.storage import Store

if TYPE_CHECKING:
    from bot.outbox import OutboxSender
    from classifier import Classifier
    from knowledge import KnowledgeHolder

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


class UserFacingError(Exception):
    """A known failure: its `key` names the text shown to the user."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class DatabaseUnavailable(UserFacingError):
    """The database did not answer; the user is asked to try again, nothing is lost."""

    def __init__(self) -> None:
        super().__init__("db_unavailable")


@dataclass
class Services:
    """Everything handlers need, built once at start-up."""

    settings: Settings
    store: Store
    tz: ZoneInfo
    outbox: OutboxSender | None = None
    knowledge: KnowledgeHolder | None = None
    classifier: Classifier | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def is_staff(self, user_id: int) -> bool:
        s = self.settings
        return user_id in s.staff_ids or user_id in s.admin_ids


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with typed access to our services."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        return self.application.bot_data["services"]  # type: ignore[no-any-return]

    @property
    def store(self) -> Store:
        return self.services.store

    async def db(self, fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run a blocking repository call off the event loop; map outages to a kind answer."""
        return await run_db(fn, *args, **kwargs)


async def run_db(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    """`fn(*args)`; a lost database becomes `DatabaseUnavailable`.

    A server database is called from a worker thread, so the event loop never waits on the
    network. SQLite (a local file, one writer: this process) is called inline: its calls
    take well under a millisecond, and a thread hop would cost more than the call.
    """
    try:
        if getattr(getattr(fn, "__self__", None), "inline", False):
            return fn(*args, **kwargs)
        return await asyncio.to_thread(fn, *args, **kwargs)
    except (OperationalError, PoolTimeout) as exc:
        logger.warning("database unavailable: %s", type(exc).__name__)
        raise DatabaseUnavailable() from exc
    except DBAPIError as exc:
        if exc.connection_invalidated:
            logger.warning("database connection lost")
            raise DatabaseUnavailable() from exc
        raise
