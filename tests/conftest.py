"""Shared fixtures: a real database per test (SQLite file, and PostgreSQL when reachable)."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import psycopg
import pytest

from bot.core.clock import ManualClock
from bot.settings import Settings
from bot.storage import Database, migrate
from standin import StandIn
from tests.botkit import RunningBot

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@functools.cache
def postgres_error() -> str | None:
    """Why PostgreSQL cannot be used for tests (None when it can)."""
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]


def _postgres_schema_url() -> Iterator[str]:
    error = postgres_error()
    if error is not None:
        reason = f"PostgreSQL not reachable at {POSTGRES_URL} ({error})"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason}; REQUIRE_POSTGRES=1 makes this an error")
        pytest.skip(f"{reason}; set REQUIRE_POSTGRES=1 to make this an error")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh, empty database: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db')}/nuanxin.db"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A migrated database."""
    database = Database(database_url)
    migrate(database.engine)
    yield database
    database.dispose()


# --- the real bot against the Bot API stand-in ------------------------------------------

STAFF_CHAT = -100500
STAFF_ID = 9001
ADMIN_ID = 9002


@pytest.fixture
async def standin() -> AsyncIterator[StandIn]:
    """A Bot API stand-in on a free port."""
    async with StandIn() as server:
        server.group(STAFF_CHAT, "暖新工作人员")
        yield server


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default classifier model, trained from the seed data once per test session."""
    from classifier import ensure_default_model

    return ensure_default_model(tmp_path_factory.mktemp("model"))


@pytest.fixture
def bot_settings(database_url: str, standin: StandIn, model_dir: Path) -> Settings:
    """Settings pointing the bot at the stand-in and the test database."""
    return Settings.load(
        environ={
            "BOT_TOKEN": standin.token,
            "TELEGRAM_API_URL": standin.url,
            "DATABASE_URL": database_url,
            "STAFF_CHAT_ID": str(STAFF_CHAT),
            "STAFF_IDS": str(STAFF_ID),
            "ADMIN_IDS": str(ADMIN_ID),
            "MODEL_DIR": str(model_dir),
            # scripted users are much faster than people: the limits have their own tests
            "FLOOD_BURST": "100000",
            "OUTGOING_LIMITS": "0",
        },
        env_file=None,
    )


@pytest.fixture
async def clocked(bot_settings: Settings) -> AsyncIterator[tuple[RunningBot, ManualClock]]:
    """The bot on a clock the test moves (time-outs, hourly limits: no sleeps)."""
    clock = ManualClock()
    running = RunningBot(bot_settings, clock=clock)
    await running.start()
    yield running, clock
    await running.stop()


@pytest.fixture
async def bot(bot_settings: Settings) -> AsyncIterator[RunningBot]:
    """The real Application, polling the stand-in."""
    running = RunningBot(bot_settings)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def kb_bot(bot_settings: Settings, kb_dir: Path) -> AsyncIterator[RunningBot]:
    """The bot on a knowledge folder of the test module's own (its `kb_dir` fixture)."""
    running = RunningBot(bot_settings.with_values(knowledge_dir=kb_dir))
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def web(bot_settings: Settings) -> AsyncIterator[RunningBot]:
    """The bot with its web chat on a free port (`web.web_url`)."""
    running = RunningBot(bot_settings.with_values(web_port=0))
    await running.start()
    yield running
    await running.stop()
