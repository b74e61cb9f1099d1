"""`Database`: where a call runs (inline on SQLite, the async engine on PostgreSQL; a thread
only while another connection locks the SQLite file), one transaction per call, outages as
`DatabaseUnavailable` with recovery, and errors that name what failed without its values."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from urllib.parse import urlsplit

import greenlet
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session

from bot.storage import Database, DatabaseUnavailable, drafts, make_engine, migrate, users
from tests.netproxy import TcpProxy

UNREACHABLE = "postgresql://nobody@127.0.0.1:9/none"


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    migrate(database.engine)
    yield database
    await database.aclose()


def where_am_i(s: Session) -> tuple[int, bool]:
    """The thread, and whether this runs in a greenlet spawned for it (the async engine)."""
    s.execute(text("SELECT 1"))
    return threading.get_ident(), greenlet.getcurrent().parent is not None


async def test_run_stays_on_the_loop_thread(db: Database) -> None:
    thread, in_greenlet = await db.run(where_am_i)
    assert thread == threading.get_ident()
    # SQLite: called in place; PostgreSQL: a greenlet hands network waits to the loop
    assert db.inline is (db.dialect == "sqlite")
    assert in_greenlet is not db.inline


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_run_does_not_block_the_loop_on_postgres(db: Database) -> None:
    """While one call waits on the server, the loop keeps serving other tasks."""
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    await db.run(lambda s: s.execute(text("SELECT pg_sleep(0.2)")))
    task.cancel()
    assert ticks >= 10


def test_run_sync_runs_on_the_calling_thread_without_a_greenlet(db: Database) -> None:
    assert db.run_sync(where_am_i) == (threading.get_ident(), False)


async def test_run_commits_on_success_and_rolls_back_on_error(db: Database) -> None:
    def save_then_fail(s: Session) -> None:
        drafts.save(s, "suggest", 1, 1, "text", {})
        raise KeyError("a bug in the caller")

    await db.run(drafts.save, "suggest", 2, 2, "text", {"kept": True})
    with pytest.raises(KeyError):
        await db.run(save_then_fail)
    with pytest.raises(KeyError):
        db.run_sync(save_then_fail)
    assert await db.run(drafts.states, "suggest") == {(2, 2): "text"}
    kept = db.run_sync(drafts.load, "suggest", 2, 2)
    assert kept is not None and kept.data == {"kept": True}


async def test_errors_other_than_outages_pass_unchanged(db: Database) -> None:
    def add_twice(s: Session) -> None:
        s.execute(text("INSERT INTO users (id, role) VALUES (1, 'worker')"))
        s.execute(text("INSERT INTO users (id, role) VALUES (1, 'worker')"))

    with pytest.raises(IntegrityError):
        await db.run(add_twice)
    with pytest.raises(IntegrityError):
        db.run_sync(add_twice)
    assert await db.run(users.get, 1) is None


async def test_database_errors_name_what_failed_without_quoting_values(db: Database) -> None:
    """A refused statement reaches the log through its message: the names of what failed,
    never what people typed (bound parameters, PostgreSQL's DETAIL with the key or row)."""

    def add_without_a_time(s: Session) -> None:  # PostgreSQL: "Failing row contains (...)"
        s.execute(text("INSERT INTO users (id, role, display_name) VALUES (1, 'worker', :n)"),
                  {"n": "张三丰13800138000"})  # fmt: skip

    for call in (db.run, sync_as_async(db)):
        with pytest.raises(IntegrityError) as caught:
            await call(add_without_a_time)
        message = "".join(traceback.format_exception(caught.value))
        assert "张三丰" not in message and "13800138000" not in message
        assert "users" in message  # what failed is still named
        assert caught.value.orig is not None  # the driver's error, for code that asks


def sync_as_async(db: Database) -> Callable[..., Awaitable[object]]:
    async def call(fn: Callable[..., object], *args: object) -> object:
        return db.run_sync(fn, *args)

    return call


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_locked_sqlite_file_is_waited_for_off_the_loop(
    db: Database, database_url: str
) -> None:
    """Another connection holds the write lock for a moment: the call waits in a worker
    thread (the loop keeps serving), then writes once the lock is gone."""
    path = database_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN EXCLUSIVE")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    def release() -> None:
        time.sleep(0.5)  # real time: the lock is held this long
        other.execute("ROLLBACK")

    def save_here(s: Session) -> int:
        drafts.save(s, "suggest", 1, 1, "text", {})
        return threading.get_ident()

    task = asyncio.create_task(ticker())
    releasing = asyncio.create_task(asyncio.to_thread(release))
    await asyncio.sleep(0)
    thread = await db.run(save_here)
    task.cancel()
    await releasing
    other.close()
    assert thread != threading.get_ident()  # it waited in a thread, not on the loop
    assert ticks >= 20  # and the loop went on meanwhile (0.5 s of 5 ms ticks is 100)
    assert await db.run(drafts.states, "suggest") == {(1, 1): "text"}
    assert await db.run(where_am_i) == (threading.get_ident(), False)  # unlocked: inline


async def test_pool_timeout_is_an_outage(db: Database) -> None:
    def busy(_s: Session) -> None:
        raise PoolTimeout("QueuePool limit reached")

    with pytest.raises(DatabaseUnavailable) as caught:
        await db.run(busy)
    assert isinstance(caught.value.__cause__, PoolTimeout)
    assert str(caught.value) == ""  # message-free: callers show their own kind text


async def test_an_unreachable_server_is_unavailable() -> None:
    database = Database(UNREACHABLE)
    with pytest.raises(DatabaseUnavailable):
        await database.run(users.get, 1)
    with pytest.raises(DatabaseUnavailable):
        database.run_sync(users.get, 1)
    await database.aclose()


# --- PostgreSQL going away: the connection is cut through a TCP proxy ---------------------


@pytest.fixture
def proxied(database_url: str) -> Iterator[tuple[str, TcpProxy]]:
    """The migrated test database, reached through a proxy that can cut it off."""
    engine = make_engine(database_url)
    migrate(engine)
    engine.dispose()
    parts = urlsplit(database_url)
    with TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432) as proxy:
        netloc = f"{parts.username}@127.0.0.1:{proxy.port}"
        yield parts._replace(netloc=netloc).geturl(), proxy


@pytest.mark.parametrize("via", ["run", "run_sync"])
@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_outage_is_unavailable_and_the_next_call_recovers(
    proxied: tuple[str, TcpProxy], via: str
) -> None:
    url, proxy = proxied
    database = Database(url)

    async def call(fn: object, *args: object) -> object:
        if via == "run":
            return await database.run(fn, *args)  # type: ignore[arg-type]
        return database.run_sync(fn, *args)  # type: ignore[arg-type]

    try:
        await call(drafts.save, "suggest", 1, 1, "text", {"n": 1})  # pool warm
        proxy.cut()
        for _ in range(2):  # the pooled connection is dead, and new ones are refused
            with pytest.raises(DatabaseUnavailable):
                await call(drafts.load, "suggest", 1, 1)
        proxy.restore()
        draft = await call(drafts.load, "suggest", 1, 1)
        assert draft.data == {"n": 1}  # type: ignore[attr-defined]
    finally:
        proxy.restore()
        await database.aclose()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_cut_mid_transaction_writes_nothing_and_recovers(
    proxied: tuple[str, TcpProxy],
) -> None:
    url, proxy = proxied
    database = Database(url)

    def save_then_lose_the_server(s: Session) -> None:
        drafts.save(s, "suggest", 1, 1, "text", {"half": True})
        proxy.cut()
        time.sleep(0.2)  # the proxy drops the connection from its own thread
        drafts.save(s, "suggest", 2, 2, "text", {})

    try:
        with pytest.raises(DatabaseUnavailable):
            await database.run(save_then_lose_the_server)
        proxy.restore()
        assert await database.run(drafts.states, "suggest") == {}
        await database.run(drafts.save, "suggest", 3, 3, "text", {})
        assert database.run_sync(drafts.states, "suggest") == {(3, 3): "text"}
    finally:
        proxy.restore()
        await database.aclose()
