"""Where a repository call runs, decided in one place.

    db = Database("postgresql://...")
    draft = await db.run(drafts.load, "suggest", chat_id, user_id)

Every repository function takes a sync `Session` first; `Database` gives it one in a
transaction (committed on success, rolled back on error):

- SQLite: inline, on the calling thread (the event loop). A local file answers in well
  under a millisecond; a thread hop would cost more than the call. But another process can
  hold the file's write lock (a backup, `sqlite3` in a terminal, a second bot started by
  mistake), and a call waiting for it on the loop stalls every chat: with a 5 s busy
  timeout an unrelated /help once waited 10 s behind two such writes. So the inline call
  does not wait at all (busy timeout 0). When it meets "database is locked" its transaction
  has been rolled back, nothing written, so running it again is safe: the same call runs
  again in a worker thread that waits up to 5 s for the lock. Only the chat that needs the
  database waits, and past 5 s it is told to try again, as in any outage.
- PostgreSQL: through an async engine (psycopg 3's async driver) with
  `AsyncSession.run_sync`: the function runs in a greenlet that hands every network wait
  back to the event loop, so the loop never blocks and no thread is involved. A function
  marked `@autocommit` (reads; one idempotent statement whose loss in a crash of the server
  costs a repeated question at most) runs on a second engine without BEGIN/COMMIT and
  without waiting for the disk: two round trips fewer, and the commit's disk flush (the
  largest part of PostgreSQL's tail latency here) only where durability matters.

`run_sync` does the same on the sync engine, for the CLI, tests and worker threads.

Errors leave `Database` named, not quoted: the engines hide statement parameters, and a
driver message that can quote what people typed (PostgreSQL's DETAIL shows the key of a
unique violation and the whole row of a failed check) is cut down to the SQLSTATE and the
names of the table, column and constraint. They end up in the log, which carries ids only.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import sqlite3
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.db import SQLITE_WAITERS, is_sqlite_file, make_async_engine, make_engine

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")
E = TypeVar("E", bound=BaseException)


class DatabaseUnavailable(Exception):
    """The database did not answer (down, unreachable, no free connection).

    The transaction was rolled back, nothing half-written; the caller shows a kind
    "try again". The next call reconnects by itself once the server is back.
    """


@contextmanager
def unavailable_as_error() -> Iterator[None]:
    """Connection failures become `DatabaseUnavailable`; every other error passes as is."""
    try:
        yield
    except (OperationalError, PoolTimeout) as exc:
        logger.warning("database unavailable: %s", type(exc).__name__)
        raise DatabaseUnavailable from named(exc)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise named(exc) from None
        logger.warning("database connection lost: %s", type(exc).__name__)
        raise DatabaseUnavailable from named(exc)


def named(exc: E) -> E:
    """`exc` (a SQLAlchemy error) as the same type with a message that names what failed
    without quoting a value; other errors as they are. The traceback stays; `orig` (the
    driver's own error) stays for code that asks for its fields, unprinted."""
    if not isinstance(exc, DBAPIError) or exc.orig is None:
        return exc
    copy = type(exc)(exc.statement, None, exc.orig, hide_parameters=True,
                     connection_invalidated=exc.connection_invalidated)  # fmt: skip
    driver = exc.orig
    copy.args = (f"({type(driver).__module__}.{type(driver).__name__}) {_what(driver)}",)
    return copy.with_traceback(exc.__traceback__)


def _what(driver: BaseException) -> str:
    """The driver's error in names only."""
    diag = getattr(driver, "diag", None)
    if diag is not None and diag.sqlstate:  # the server's: its message may quote a value
        names = (("table", diag.table_name), ("column", diag.column_name),
                 ("constraint", diag.constraint_name))  # fmt: skip
        return ", ".join([f"SQLSTATE {diag.sqlstate}"] + [f"{k} {v}" for k, v in names if v])
    # sqlite3 names tables, columns and constraints, never the values bound to a statement;
    # psycopg without a SQLSTATE is libpq failing to connect: host, port, user, no password
    lines = str(driver).strip().splitlines()
    return lines[0] if lines else ""


def locked(exc: OperationalError) -> bool:
    """SQLite's "database is locked": another connection holds the write lock."""
    code = getattr(exc.orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY


class _Stale(Exception):
    """A call failed on a connection that died before the call committed anything."""


class Database:
    """The engines of one database, and the one place that decides where a call runs.

    Built from a URL (`Database(url)`), or around an existing sync engine
    (`Database(engine)`, which then shares that engine's pool; a SQLite file gets a second
    engine for the inline calls, which never wait for a lock). `run` is for one event
    loop: the async engine's connections belong to the loop that opened them.
    """

    def __init__(self, url: str | URL | Engine) -> None:
        self.engine: Engine = url if isinstance(url, Engine) else make_engine(url)
        self.dialect: str = self.engine.dialect.name
        # SQLite is a local file: call it in place
        self.inline: bool = self.dialect == "sqlite"
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._quick, self._quick_engine = self._sessions, None
        if is_sqlite_file(self.engine.url):  # (a private :memory: database is never locked)
            self._quick_engine = make_engine(self.engine.url, busy_timeout=0)
            self._quick = sessionmaker(self._quick_engine, expire_on_commit=False)
        self._waiters: ThreadPoolExecutor | None = None
        self._async: tuple[AsyncEngine, ...] = ()
        self._transactions: async_sessionmaker[AsyncSession] | None = None
        self._statements: async_sessionmaker[AsyncSession] | None = None
        if not self.inline:
            durable = make_async_engine(self.engine.url)
            light = make_async_engine(self.engine.url, autocommit=True)
            self._async = (durable, light)
            self._transactions = async_sessionmaker(durable, expire_on_commit=False)
            self._statements = async_sessionmaker(light, expire_on_commit=False)

    async def run(
        self, fn: Callable[Concatenate[Session, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """`fn(session, *args, **kwargs)` in one transaction, without blocking the loop
        on the network or on a lock; a lost database raises `DatabaseUnavailable`."""
        with unavailable_as_error():
            if self._transactions is None or self._statements is None:
                return await self._run_sqlite(fn, *args, **kwargs)
            light = getattr(fn, "autocommit", False)
            sessions = self._statements if light else self._transactions
            try:
                return await self._call(sessions, fn, *args, **kwargs)
            except _Stale:
                # a connection from before the server went away: the pool is renewed now,
                # and the call had no effect (nothing committed) or is idempotent: again
                logger.info("database connection renewed; calling %s again", fn.__name__)
            try:
                return await self._call(sessions, fn, *args, **kwargs)
            except _Stale as exc:
                raise DatabaseUnavailable from named(exc.__cause__ or exc)

    async def _run_sqlite(
        self, fn: Callable[Concatenate[Session, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """Inline, giving up at once on a locked file; then in a thread that waits for it."""
        try:
            return self._transaction(self._quick, fn, *args, **kwargs)
        except OperationalError as exc:
            if not locked(exc):
                raise
        # rolled back, nothing written: the same call again, where waiting stalls no one else
        logger.debug("database file locked; %s waits in a thread", fn.__name__)
        if self._waiters is None:  # threads of its own: the loop's default executor (6 on
            # 2 cores) is for chart rendering, exports and knowledge reloads meanwhile
            self._waiters = ThreadPoolExecutor(SQLITE_WAITERS, thread_name_prefix="sqlite-wait")
        call = functools.partial(self._transaction, self._sessions, fn, *args, **kwargs)
        return await asyncio.get_running_loop().run_in_executor(self._waiters, call)

    @staticmethod
    async def _call(
        sessions: async_sessionmaker[AsyncSession],
        fn: Callable[Concatenate[Session, P], R],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        # (on the autocommit engine BEGIN and COMMIT are no-ops)
        async with sessions.begin() as session:
            try:
                return await session.run_sync(fn, *args, **kwargs)
            except DBAPIError as exc:
                if exc.connection_invalidated:  # before the commit: nothing was written
                    raise _Stale from exc
                raise

    def run_sync(
        self, fn: Callable[Concatenate[Session, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """`run` on the sync engine, blocking: for the CLI, tests and worker threads (on
        SQLite it waits up to 5 s for another connection's lock)."""
        with unavailable_as_error():
            return self._transaction(self._sessions, fn, *args, **kwargs)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A sync session in a transaction, for scripts and tests that need one directly."""
        with self._sessions.begin() as session:
            yield session

    @staticmethod
    def _transaction(
        sessions: sessionmaker[Session],
        fn: Callable[Concatenate[Session, P], R],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> R:
        with sessions.begin() as session:
            return fn(session, *args, **kwargs)

    def dispose(self) -> None:
        """Close the sync engines' connections (the async engine's need `aclose`)."""
        if self._waiters is not None:  # calls not started yet end here; a waiting one in 5 s
            self._waiters.shutdown(wait=False, cancel_futures=True)
            self._waiters = None
        if self._quick_engine is not None:
            self._quick_engine.dispose()
        self.engine.dispose()

    async def aclose(self) -> None:
        """Close every connection, async and sync; call it on the loop that used `run`."""
        for engine in self._async:
            await engine.dispose()
        self.dispose()
