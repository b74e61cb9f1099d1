"""What the repositories share: statements built once per dialect, and the clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.storage.models import utcnow

T = TypeVar("T")
DIALECTS = ("sqlite", "postgresql")


def insert_for(dialect: str) -> Callable[..., Any]:
    """INSERT with ON CONFLICT support for the backend in use."""
    return pg_insert if dialect == "postgresql" else sqlite_insert


def per_dialect(build: Callable[[str], T]) -> dict[str, T]:
    """`build(dialect)` for every supported backend, done once at import.

    A statement object that is reused keeps its cache key, which SQLAlchemy otherwise
    recomputes on every call; the hot paths look theirs up by `connection.dialect.name`.
    """
    return {dialect: build(dialect) for dialect in DIALECTS}


F = TypeVar("F", bound=Callable[..., Any])


def autocommit(fn: F) -> F:
    """Mark a repository function that needs no transaction: it reads, or writes with one
    idempotent statement whose loss in a crash of the database server itself costs no more
    than a conversation step asked again (a draft, a "sent" mark). On PostgreSQL,
    `Database.run` runs these without BEGIN/COMMIT and without waiting for the commit to
    reach disk, like SQLite's WAL mode with synchronous=NORMAL; every other function runs
    in a transaction whose commit is on disk before the bot replies."""
    fn.autocommit = True  # type: ignore[attr-defined]  # a marker read by Database.run
    return fn


def stamp(now: datetime | None) -> datetime:
    """The time to record: the caller's clock when given, naive UTC now otherwise."""
    return utcnow() if now is None else now
