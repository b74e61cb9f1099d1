"""Where a repository call runs, decided in one place.

    db = Database("postgresql://...")
    draft = await db.run(drafts.load, "suggest", chat_id, user_id)

Every repository function takes a sync `Session` first; `Database` gives it one in a
transaction (committed on success, rolled back on error):

- SQLite: inline, on the calling thread (the event loop). A local file answers in well
  under a millisecond; a thread hop would cost more than the call.
- PostgreSQL: through an async engine (psycopg 3's async driver) with
  `AsyncSession.run_sync`: the function runs in a greenlet that hands every network wait
  back to the event loop, so the loop never blocks and no thread is involved. A function
  marked `@autocommit` (reads; one idempotent statement whose loss in a crash of the server
  costs a repeated question at most) runs on a second engine without BEGIN/COMMIT and
  without waiting for the disk: two round trips fewer, and the commit's disk flush (the
  largest part of PostgreSQL's tail latency here) only where durability matters.

`run_sync` does the same on the sync engine, for the CLI, tests and worker threads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Concatenate, ParamSpec, TypeVar

from sqlalchemy import Engine
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.db import make_async_engine, make_engine

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


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
        raise DatabaseUnavailable from exc
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
        logger.warning("database connection lost: %s", type(exc).__name__)
        raise DatabaseUnavailable from exc


class _Stale(Exception):
    """A call failed on a connection that died before the call committed anything."""


class Database:
    """The engines of one database, and the one place that decides where a call runs.

    Built from a URL (`Database(url)`), or around an existing sync engine
    (`Database(engine)`, which then shares that engine's pool). `run` is for one event
    loop: the async engine's connections belong to the loop that opened them.
    """

    def __init__(self, url: str | URL | Engine) -> None:
        self.engine: Engine = url if isinstance(url, Engine) else make_engine(url)
        self.dialect: str = self.engine.dialect.name
        # SQLite is a local file with one writer (this process): call it in place
        self.inline: bool = self.dialect == "sqlite"
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
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
        on the network; a lost database raises `DatabaseUnavailable`."""
        with unavailable_as_error():
            if self._transactions is None or self._statements is None:
                return self._transaction(fn, *args, **kwargs)
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
                raise DatabaseUnavailable from exc.__cause__

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
        """`run` on the sync engine, blocking: for the CLI, tests and worker threads."""
        with unavailable_as_error():
            return self._transaction(fn, *args, **kwargs)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A sync session in a transaction, for scripts and tests that need one directly."""
        with self._sessions.begin() as session:
            yield session

    def _transaction(
        self, fn: Callable[Concatenate[Session, P], R], *args: P.args, **kwargs: P.kwargs
    ) -> R:
        with self._sessions.begin() as session:
            return fn(session, *args, **kwargs)

    def dispose(self) -> None:
        """Close the sync engine's connections (the async engine's need `aclose`)."""
        self.engine.dispose()

    async def aclose(self) -> None:
        """Close every connection, async and sync; call it on the loop that used `run`."""
        for engine in self._async:
            await engine.dispose()
        self.engine.dispose()
