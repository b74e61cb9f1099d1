"""Engine creation and Alembic migrations, the same code for SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

logger = logging.getLogger(__name__)
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Every engine keeps statement parameters out of its errors and its log: they are what people
# typed (names, phone numbers, suggestion texts), and an error travels to the log with them.
_HIDDEN = {"hide_parameters": True}
# How long a SQLite connection waits for another one's write lock before it reports
# "database is locked". `Database.run` makes its inline calls with 0 (the event loop must
# never wait) and waits in a worker thread instead; everything else waits this long.
SQLITE_PATIENCE = 5.0
# Threads `Database.run` lets wait for a SQLite lock at once: as many as updates the bot
# handles at once (bot.telegram.processing), so no call queues behind another's wait. The
# pool has a connection for each, besides its usual five.
SQLITE_WAITERS = 32
# PostgreSQL pools. The sync one (command line, exports) notices a dead connection before
# use (pre-ping). The async ones, on every conversation step, skip that round trip: the
# first call that meets a dead connection invalidates the whole pool (SQLAlchemy replaces
# every older connection at its next checkout) and `Database.run` retries an idempotent
# call once, so the bot still recovers by itself when the server is back.
_PG_POOL: dict[str, Any] = {
    **_HIDDEN,
    "pool_pre_ping": True,
    "pool_size": 5,
    "max_overflow": 5,
    "pool_timeout": 10,
    "connect_args": {"connect_timeout": 5},
}
# The bot handles up to 32 updates at once (bot.telegram.processing): enough connections
# stay open for them, so a busy minute does not open and close connections (a server
# process each) over and over.
_PG_ASYNC_POOL: dict[str, Any] = {**_PG_POOL, "pool_pre_ping": False, "pool_size": 16,
                                  "max_overflow": 16}  # fmt: skip


class DatabaseError(Exception):
    """The database cannot be used; the message says why and what to do."""


def normalize_url(url: str | URL) -> URL:
    """Use psycopg 3 for PostgreSQL URLs given without a driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def is_sqlite_file(url: str | URL) -> bool:
    """A SQLite database in a file, which other connections and processes can lock."""
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:")


def make_engine(url: str | URL, busy_timeout: float = SQLITE_PATIENCE) -> Engine:
    """An engine for `url`; SQLite files get their folder and WAL mode, and wait up to
    `busy_timeout` seconds for another connection's write lock (SQLite only)."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        pool: dict[str, Any] = {}
        if is_sqlite_file(parsed):
            Path(str(parsed.database)).parent.mkdir(parents=True, exist_ok=True)
            pool = {"max_overflow": SQLITE_WAITERS, "pool_timeout": SQLITE_PATIENCE}
        # sqlite3's `timeout` is the busy timeout, in force from the connection's first
        # statement on (the pragmas included)
        connect = {"check_same_thread": False, "timeout": busy_timeout}
        engine = create_engine(parsed, connect_args=connect, **pool, **_HIDDEN)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(parsed, **_PG_POOL)


def make_async_engine(url: str | URL, autocommit: bool = False) -> AsyncEngine:
    """An async engine for a PostgreSQL `url` (psycopg 3's async driver). `autocommit`:
    statements commit one by one and do not wait for the disk (see `common.autocommit`)."""
    if not autocommit:
        return create_async_engine(normalize_url(url), **_PG_ASYNC_POOL)
    connect = {**_PG_ASYNC_POOL["connect_args"],
               "options": _with_option(url, "synchronous_commit=off")}  # fmt: skip
    pool = {**_PG_ASYNC_POOL, "connect_args": connect}
    return create_async_engine(normalize_url(url), isolation_level="AUTOCOMMIT", **pool)


def _with_option(url: str | URL, setting: str) -> str:
    """libpq `options` for a connection: those of the URL (e.g. a search_path) plus one."""
    given = make_url(url).query.get("options", "")
    given = given if isinstance(given, str) else " ".join(given)
    return f"{given} -c {setting}".strip()


def _alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (None for an empty database)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest schema revision this version of nuanxin knows."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None, "no migrations"
    return head


def migrate(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision, refusing a newer database."""
    config = _alembic_config(engine)
    script = ScriptDirectory.from_config(config)
    try:
        revision = current_revision(engine)
    except OperationalError as exc:
        raise DatabaseError(
            f"cannot reach the database {describe(engine)} ({_first_line(exc)}): "
            "check DATABASE_URL and that the database server is running"
        ) from None
    if revision is not None and not _known(script, revision):
        raise DatabaseError(
            f"the database is at schema revision {revision}, newer than this version of "
            "nuanxin knows: upgrade nuanxin, or point DATABASE_URL at another database"
        )
    if revision != script.get_current_head():
        logger.info("migrating database %s from %s", describe(engine), revision or "empty")
        command.upgrade(config, "head")


def _known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises its own errors for unknown ids
        return False


def describe(engine: Engine) -> str:
    """The database URL without its password."""
    return engine.url.render_as_string(hide_password=True)


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", exc)) or type(exc).__name__
    return text.strip().splitlines()[0]
