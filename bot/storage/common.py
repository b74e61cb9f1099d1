"""What the repositories share: statements built once per dialect, the clock, and the
column type of everything people type."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Dialect, Text, TypeDecorator
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

T = TypeVar("T")
DIALECTS = ("sqlite", "postgresql")


def utcnow() -> datetime:
    """Naive UTC now: the database stores naive UTC timestamps on every backend."""
    return datetime.now(UTC).replace(tzinfo=None)


class UserText(TypeDecorator[str]):
    """Text a person sent (a name, a username, a message, a place, a phone number): any
    length, and without NUL characters.

    Unbounded, because Telegram's own limits are wider than any fixed width we would pick
    (a first and a last name of 64 characters each make a display name of 129) and other
    channels have their own. NUL (U+0000), which Telegram lets through in names and texts,
    means nothing to a reader, and PostgreSQL refuses it in any text value: one NUL in a
    name failed every update of that person. It is dropped here, on the way into the
    database, for every statement and on both backends (SQLite would keep it, to fail
    later in an export or a move to PostgreSQL). A lone UTF-16 surrogate (JSON can carry
    one, `"\\ud800"`) is no character either and no database driver encodes it: it becomes
    U+FFFD, the replacement character."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if not value:
            return value
        value = value.replace("\x00", "")
        if not value.isascii():
            try:
                value.encode()
            except UnicodeEncodeError:
                value = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return value


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
