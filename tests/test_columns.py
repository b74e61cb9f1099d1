"""Text columns take whatever Telegram can send: the longest names and texts, NUL
characters, right-to-left marks, emoji and SQL-looking text, on SQLite and PostgreSQL,
through the repository functions; the migration that widened the old columns; and a user
with the longest name and a NUL in it, end to end.

Limits from the Bot API (core.telegram.org/bots/api): first_name 1-64 and last_name 0-64
characters (the display name, first + space + last, 129), username 5-32, message text
1-4096, caption 0-1024. Venue titles, contact phone numbers and file ids have no documented
limit: they are tried as long as the longest message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text

from bot.storage import Database, drafts, migrate, staff, suggestions, users
from bot.storage.db import MIGRATIONS, current_revision, head_revision, make_engine
from bot.storage.models import Base, Event, LabelledExample, Outbox, User
from standin import StandIn
from tests.botkit import RunningBot
from tests.conftest import STAFF_CHAT
from tests.harness import code_of, said, to_location

FIRST_NAME = LAST_NAME = 64
DISPLAY_NAME = FIRST_NAME + 1 + LAST_NAME
USERNAME = 32
MESSAGE = 4096
CAPTION = 1024
UNDOCUMENTED = MESSAGE
TEMPLATE_NAME = 64  # the bot's own limit (bot.core.features.answer)
RTL = "\u202e\u200f"  # right-to-left override and mark
DAY = date(2026, 11, 30)
SQL = "'; DROP TABLE users; --"


def hostile(length: int) -> list[tuple[str, str]]:
    """(what is sent, what is stored) for a field of at most `length` characters: the
    longest (in Han, and in emoji of 4 bytes each in UTF-8), NUL characters (dropped), RTL
    marks, emoji sequences and SQL (kept as they are), a lone surrogate (replaced)."""
    return [
        ("名" * length, "名" * length),
        ("🚴" * length, "🚴" * length),
        ("\x00" + "名" * (length - 1), "名" * (length - 1)),
        ("王\x00小\x00明", "王小明"),
        (f"{RTL}王小明{RTL}"[:length], f"{RTL}王小明{RTL}"[:length]),
        ("👩‍👩‍👧🇨🇳"[:length], "👩‍👩‍👧🇨🇳"[:length]),
        (SQL[:length], SQL[:length]),
        ("王\ud800明", "王\ufffd明"),  # a lone surrogate (JSON can carry one): no character
    ]


IDS = [
    "longest", "longest-emoji", "nul-first", "nul-inside", "rtl", "emoji-zwj", "sql",
    "lone-surrogate",
]  # fmt: skip


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated database, called as the bot calls it (`Database.run`)."""
    database = Database(database_url)
    migrate(database.engine)
    yield database
    await database.aclose()


async def submit(db: Database, update_id: int, **fields: Any) -> int:
    await db.run(users.touch, 7, "zh", "小王", None)
    view, _ = await db.run(
        suggestions.submit, user_id=7, chat_id=7, update_id=update_id,
        local_day=date(2026, 11, 30), fields={"text": "站长乱罚款", **fields},
        announce_to=STAFF_CHAT, draft_name="suggest",
    )  # fmt: skip
    return view.id


# --- each field, through its repository function ----------------------------------------


@pytest.mark.parametrize(("sent", "stored"), hostile(DISPLAY_NAME), ids=IDS)
async def test_display_name(db: Database, sent: str, stored: str) -> None:
    await db.run(users.touch, 7, "zh", sent, None)
    await db.run(users.touch, 7, "zh", sent, None)  # the next update from the same person
    view = await db.run(users.get, 7)
    assert view is not None and view.display_name == stored


@pytest.mark.parametrize(("sent", "stored"), hostile(USERNAME), ids=IDS)
async def test_username(db: Database, sent: str, stored: str) -> None:
    await db.run(users.touch, 7, "zh", "小王", sent)
    with db.session() as s:
        assert s.scalar(select(User.username)) == stored


@pytest.mark.parametrize(("sent", "stored"), hostile(MESSAGE), ids=IDS)
async def test_suggestion_text_and_typed_place(db: Database, sent: str, stored: str) -> None:
    sid = await submit(db, 1, text=sent, place=sent)
    view = await db.run(suggestions.by_id, sid)
    assert view is not None and (view.text, view.place) == (stored, stored)


@pytest.mark.parametrize(("sent", "stored"), hostile(CAPTION), ids=IDS)
async def test_photo_caption_as_text(db: Database, sent: str, stored: str) -> None:
    sid = await submit(db, 1, text=sent, attachments=["AgACAgIAAxkBAAIB" + "x" * 200])
    view = await db.run(suggestions.by_id, sid)
    assert view is not None and view.text == stored


@pytest.mark.parametrize(("sent", "stored"), hostile(UNDOCUMENTED), ids=IDS)
async def test_venue_phone_and_file_id(db: Database, sent: str, stored: str) -> None:
    sid = await submit(db, 1, place=sent, contact_phone=sent, attachments=[sent])
    view = await db.run(suggestions.by_id, sid)
    assert view is not None and (view.place, view.contact_phone) == (stored, stored)
    assert view.attachments == [sent]  # JSON keeps even a NUL (escaped), on both databases


@pytest.mark.parametrize(("sent", "stored"), hostile(DISPLAY_NAME), ids=IDS)
async def test_contact_name(db: Database, sent: str, stored: str) -> None:
    sid = await submit(db, 1, anonymous=False, contact_name=sent)
    view = await db.run(suggestions.by_id, sid)
    assert view is not None and view.contact_name == stored


@pytest.mark.parametrize(("sent", "stored"), hostile(MESSAGE), ids=IDS)
async def test_staff_answer_and_training_copy(db: Database, sent: str, stored: str) -> None:
    sid = await submit(db, 1, text=sent)
    await db.run(suggestions.answer, sid, sent, 9001)
    await db.run(suggestions.recategorize, sid, "labor_rights", 9001)
    view = await db.run(suggestions.by_id, sid)
    assert view is not None and view.answer == stored
    with db.session() as s:
        assert s.scalar(select(LabelledExample.text)) == stored
        logged = s.scalars(select(Event.data).where(Event.kind == "answered")).one()
    assert logged == {"text": sent}


@pytest.mark.parametrize(("sent", "stored"), hostile(MESSAGE), ids=IDS)
async def test_question(db: Database, sent: str, stored: str) -> None:
    await db.run(users.touch, 7, "zh", "小王", None)
    fields = {"text": sent, "kind": "question"}
    await db.run(suggestions.submit, user_id=7, chat_id=7, update_id=1, local_day=DAY,
                 fields=fields, announce_to=None, draft_name=None)  # fmt: skip
    with db.session() as s:
        assert s.scalar(text("SELECT text FROM suggestions WHERE kind = 'question'")) == stored


@pytest.mark.parametrize(("sent", "stored"), hostile(TEMPLATE_NAME), ids=IDS)
async def test_template_name(db: Database, sent: str, stored: str) -> None:
    tid = await db.run(staff.add, sent, "谢谢反馈", 9001)
    assert await db.run(staff.add, sent, "感谢您的反馈", 9001) == tid  # found again by name
    assert await db.run(staff.list) == [(tid, stored, "感谢您的反馈")]


@pytest.mark.parametrize(("sent", "stored"), hostile(MESSAGE), ids=IDS)
async def test_template_text(db: Database, sent: str, stored: str) -> None:
    tid = await db.run(staff.add, "thanks", sent, 9001)
    assert await db.run(staff.text, tid) == stored


@pytest.mark.parametrize(("sent", "stored"), hostile(MESSAGE), ids=IDS)
async def test_draft_keeps_what_was_typed(db: Database, sent: str, stored: str) -> None:
    await db.run(drafts.save, "suggest", 7, 7, "location", {"text": sent, "name": sent})
    draft = await db.run(drafts.load, "suggest", 7, 7)
    assert draft is not None and draft.data == {"text": sent, "name": sent}


# --- the migration ----------------------------------------------------------------------


def _upgrade(engine: Engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    command.upgrade(config, revision)


_AT_0003 = [
    "INSERT INTO users (id, role, display_name, username, created_at, updated_at) VALUES "
    "(7, 'worker', '王小明', 'wxm', '2026-11-28 02:00:00', '2026-11-28 02:00:00')",
    "INSERT INTO suggestions (id, code, user_id, chat_id, language, text, attachments, place, "
    "anonymous, contact_name, contact_phone, needs_review, status, followed_up, created_at, "
    "updated_at) VALUES (1, 'NX-20261128-0001', 7, 7, 'zh', '站长乱罚款', '[]', '兴隆台区', "
    "false, '王小明', '13912345678', false, 'submitted', false, '2026-11-28 02:00:00', "
    "'2026-11-28 02:00:00')",
    "INSERT INTO suggestion_events (suggestion_id, kind, actor_id, data, created_at) "
    "VALUES (1, 'created', 7, '{}', '2026-11-28 02:00:00')",
    "INSERT INTO outbox (chat_id, kind, suggestion_id, payload, created_at, next_attempt_at, "
    "attempts) VALUES (7, 'receipt', 1, '{}', '2026-11-28 02:00:00', '2026-11-28 02:00:00', 0)",
    "INSERT INTO reply_templates (name, text, created_at) VALUES ('thanks', '谢谢', "
    "'2026-11-28 02:00:00')",
    "INSERT INTO questions (user_id, chat_id, language, text, created_at) VALUES "
    "(7, 7, 'zh', '工伤怎么认定', '2026-11-28 02:00:00')",
]


async def test_upgrade_from_0003_keeps_the_data_and_takes_long_names(database_url: str) -> None:
    engine = make_engine(database_url)
    _upgrade(engine, "0003")
    with engine.begin() as conn:
        for statement in _AT_0003:
            conn.execute(text(statement))
    migrate(engine)
    assert current_revision(engine) == head_revision()
    db = Database(engine)
    view = await db.run(suggestions.by_id, 1)
    assert view is not None
    assert (view.user_id, view.contact_name, view.contact_phone, view.place) == (
        7, "王小明", "13912345678", "兴隆台区",
    )  # fmt: skip
    with db.session() as s:  # nothing cascaded away
        assert s.scalar(select(Event.actor_id)) == 7 and s.scalar(select(Outbox.chat_id)) == 7
    question = await db.run(suggestions.get, "NQ-20261128-Q1")  # 0005: questions are cases
    assert question is not None and (question.kind, question.text, question.user_id) == (
        "question", "工伤怎么认定", 7)  # fmt: skip
    long_name = "名" * FIRST_NAME + " " + "\x00" + "姓" * (LAST_NAME - 1)
    await db.run(users.touch, 7, "zh", long_name, "u" * USERNAME)
    stored = await db.run(users.get, 7)
    assert stored is not None and stored.display_name == long_name.replace("\x00", "")
    await db.aclose()


def test_models_and_migrations_agree(database_url: str) -> None:
    """What the migrations build is what the models say; on SQLite, except the declared
    widths 0004 leaves alone there (SQLite never enforced them; see that migration)."""
    engine = make_engine(database_url)
    migrate(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        changes = compare_metadata(context, Base.metadata)
        declared = {c["name"]: str(c["type"]) for c in inspect(conn).get_columns("users")}
    engine.dispose()
    widths = {(op[0][2], op[0][3]) for op in changes if op[0][0] == "modify_type"}
    if engine.dialect.name == "sqlite":
        assert widths == {
            ("users", "display_name"), ("users", "username"), ("suggestions", "place"),
            ("suggestions", "contact_name"), ("suggestions", "contact_phone"),
            ("reply_templates", "name"),
        }  # fmt: skip
        assert len(changes) == len(widths)
    else:
        assert changes == []
        assert declared["display_name"] == "TEXT"


# --- end to end ---------------------------------------------------------------------------


async def test_longest_name_with_a_nul_makes_a_named_suggestion(
    bot: RunningBot, standin: StandIn
) -> None:
    first = "王" + "\x00" + "名" * (FIRST_NAME - 2)
    last = "\u202e" + "姓" * (LAST_NAME - 1)
    full = f"{first} {last}"
    assert len(full) == DISPLAY_NAME
    worker = standin.user(5550123456, first, username="w" * USERNAME, last_name=last)
    await to_location(worker)
    await worker.send_text("跳过")
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:named")
    await worker.expect_next(said("suggest.ask_phone"))
    await worker.send_contact("+8613912345678")
    await worker.expect_next(said("suggest.summary"))
    await worker.press(data="sg:confirm")
    code = code_of(await worker.expect_next(said("suggest.receipt")))
    stored = bot.sync(suggestions.get, code)
    assert stored is not None
    assert (stored.contact_name, stored.anonymous) == (full.replace("\x00", ""), False)
    known = bot.sync(users.get, worker.id)
    assert known is not None and known.display_name == full.replace("\x00", "")
