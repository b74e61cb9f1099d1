"""A station's poster: `/start st_<station id>` greets the worker at that station, with a
suggestion about it (stored with the case, shown to staff and in the export), the stations
around it and the question prompt; anything else after /start gets the normal greeting.
The migration that adds the case's station keeps existing cases."""

from __future__ import annotations

import csv
import functools
import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import text

from bot.catalog import t
from bot.core.buttons import Menu, MenuItem, StationNearby, StationReport, encode
from bot.core.clock import ManualClock
from bot.settings import Settings
from bot.storage import Database, migrate, suggestions, users
from bot.storage.db import MIGRATIONS, current_revision, head_revision, make_engine
from knowledge import KnowledgeBase, Station, load_knowledge, sample_dir
from standin import BotMessage, FakeUser, StandIn
from tests.botkit import RunningBot
from tests.conftest import STAFF_CHAT, STAFF_ID
from tests.harness import CATEGORY_QUESTION, code_of, past_category, said

STATION_ID = "u-xlt-02"
NOON = datetime(2026, 6, 10, 4, 0, tzinfo=UTC)  # 12:00 in Panjin
FIRST_FILE = 30.0  # seconds: the first spreadsheet of a session loads its libraries


@functools.cache
def sample() -> KnowledgeBase:
    return load_knowledge(sample_dir())


def station() -> Station:
    found = sample().station(STATION_ID)
    assert found is not None and found.name_en
    return found


async def at_station(worker: FakeUser, lang: str = "zh") -> BotMessage:
    """/start st_<id>: the greeting with the main menu, then the station's own message."""
    await worker.send_text(f"/start st_{STATION_ID}")
    greeting = await worker.expect_next(said("start", lang))
    assert greeting.callback_data == [encode(Menu(item)) for item in MenuItem]
    return await worker.expect_next(said("start.station", lang, station=station().title(lang)))


async def only_the_greeting(worker: FakeUser, payload: str) -> None:
    """The normal greeting and nothing after it (the next reply is the one to /help)."""
    await worker.send_text(f"/start {payload}")
    await worker.expect_next(said("start"))
    await worker.send_text("/help")
    await worker.expect_next(said("help"))


# --- the station's start ------------------------------------------------------------------


async def test_poster_link_greets_at_the_station_with_three_buttons(
    bot: RunningBot, standin: StandIn
) -> None:
    message = await at_station(standin.user(5001, "小王"))
    assert message.buttons == [
        [t("start.station_report", "zh")],
        [t("start.station_nearby", "zh")],
        [t("start.station_ask", "zh")],
    ]
    assert message.callback_data == [
        encode(StationReport(STATION_ID)), encode(StationNearby(STATION_ID)),
        encode(Menu(MenuItem.ASK)),
    ]  # fmt: skip


async def test_poster_link_in_english_names_the_station_in_english(
    bot: RunningBot, standin: StandIn
) -> None:
    message = await at_station(standin.user(5002, "Wang", language_code="en"), "en")
    assert station().name_en in message.content and station().name not in message.content
    assert message.buttons[0] == [t("start.station_report", "en")]


@pytest.fixture
async def noon_bot(bot_settings: Settings) -> AsyncIterator[RunningBot]:
    """The bot at noon in Panjin, when the station is open."""
    running = RunningBot(bot_settings, clock=ManualClock(NOON))
    await running.start()
    yield running
    await running.stop()


async def test_nearby_lists_the_stations_around_it(noon_bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(5003, "小王")
    await at_station(worker)
    await worker.press(data=encode(StationNearby(STATION_ID)))
    listed = await worker.expect_next(said("stations.header"))  # around a place, not a district
    shown = sorted((listed.content.find(s.name), s.id) for s in sample().stations
                   if s.name in listed.content)  # fmt: skip
    here = station()
    nearest = sample().stations.nearest(here.lat, here.lon, k=len(shown), open_at=NOON)
    assert [station_id for _, station_id in shown] == [hit.station.id for hit in nearest]
    assert shown[0][1] == STATION_ID  # open, and nearest of all: the station itself
    pin = await worker.expect_next(lambda m: m.method == "sendVenue")
    assert pin.venue is not None and pin.venue["title"] == station().name


async def test_ask_shows_the_question_prompt(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(5004, "小王")
    await at_station(worker)
    await worker.press(data=encode(Menu(MenuItem.ASK)))
    await worker.expect_next(said("ask.prompt"))


# --- a suggestion about the station ----------------------------------------------------------


async def report_here(bot: RunningBot, worker: FakeUser, words: str) -> str:
    """反映这里的问题, the text, the category and the kind of work (the place is not asked),
    anonymous, confirmed (with a restart on the way: the draft keeps its station)."""
    await at_station(worker)
    await worker.press(data=encode(StationReport(STATION_ID)))
    await worker.expect_next(said("suggest.ask_text"))
    await bot.restart()
    await worker.send_text(words)
    message = await past_category(worker)
    if said("suggest.ask_worker").search(message.content):
        await worker.press(data="sg:w:rider")
        message = await worker.reply()
    assert said("suggest.ask_identity").search(message.content), message
    await worker.press(data="sg:anon")
    summary = await worker.expect_next(said("suggest.summary"))
    assert station().name in summary.content  # the place: the station
    assert summary.content.count(station().name) == 1  # once, not again as "nearest station"
    assert f"{station().name} · {station().district}" in summary.content
    await worker.press(data="sg:confirm")
    return code_of(await worker.expect_next(said("suggest.receipt")))


async def test_report_here_stores_the_station_and_staff_see_it(
    bot: RunningBot, standin: StandIn
) -> None:
    code = await report_here(bot, standin.user(5005, "小王"), "这个驿站的饮水机坏了好几天了")
    stored = bot.sync(suggestions.get, code)
    assert stored is not None
    assert (stored.station_id, stored.latitude, stored.longitude) == (
        STATION_ID, station().lat, station().lon,
    )  # fmt: skip
    assert stored.place == station().name and stored.district == station().district
    line = said("start.station_line", station=station().name)
    card = await standin.group(STAFF_CHAT).expect_next(said("staff.new", code=code))
    assert line.search(card.content)
    member = standin.user(STAFF_ID, "李老师")
    await member.send_text(f"/view {code}")
    viewed = await member.expect_next(said("staff.new", code=code))
    assert line.search(viewed.content)


async def test_other_suggestions_show_no_station(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(5006, "小王")
    await worker.send_text("/start")
    await worker.expect_next(said("start"))
    await worker.send_text("/suggest")
    await worker.expect_next(said("suggest.ask_text"))
    await worker.send_text("站长天天罚款，超时一分钟扣五十")
    message = await past_category(worker)
    if said("suggest.ask_worker").search(message.content):
        await worker.press(data="sg:w:rider")
        message = await worker.reply()
    assert said("suggest.ask_location").search(message.content)  # asked, as always
    await worker.send_text("跳过")
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:anon")
    await worker.expect_next(said("suggest.summary"))
    await worker.press(data="sg:confirm")
    code = code_of(await worker.expect_next(said("suggest.receipt")))
    stored = bot.sync(suggestions.get, code)
    assert stored is not None and stored.station_id is None
    card = await standin.group(STAFF_CHAT).expect_next(said("staff.new", code=code))
    assert not said("start.station_line").search(card.content)


async def test_export_has_the_station_column_filled(bot: RunningBot, standin: StandIn) -> None:
    code = await report_here(bot, standin.user(5007, "小王"), "这个驿站的卫生间锁着进不去")
    staff = standin.user(STAFF_ID)
    await staff.send_text("/export csv")
    document = await staff.expect_next(said("export.caption", rows=1), timeout=FIRST_FILE)
    assert document.document is not None
    rows = list(csv.DictReader(io.StringIO(document.document.data.decode("utf-8-sig"))))
    assert [(row["编号"], row["驿站"]) for row in rows] == [(code, station().name)]


async def test_the_command_line_export_names_the_station(
    bot: RunningBot, standin: StandIn, database_url: str, tmp_path: Path
) -> None:
    code = await report_here(bot, standin.user(5010, "小王"), "这个驿站的充电插座没电")
    output = tmp_path / "cases.csv"
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("KNOWLEDGE_DIR", None)  # the sample folder, as the bot under test uses
    result = subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", "export", "--format", "csv",
         "--output", str(output)],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(output.read_text("utf-8-sig"))))
    assert [(row["编号"], row["驿站"]) for row in rows] == [(code, station().name)]


async def test_a_poster_during_a_suggestion_keeps_the_draft_and_a_restart_is_about_the_station(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(5008, "小王")
    await worker.send_text("/suggest")
    await worker.expect_next(said("suggest.ask_text"))
    await worker.send_text("站长天天罚款，超时一分钟扣五十")
    await worker.expect_next(CATEGORY_QUESTION)
    await worker.send_text(f"/start st_{STATION_ID}")  # the poster scanned mid-suggestion
    await worker.expect_next(said("suggest.interrupted"))
    await worker.press(data="cv:leave")
    await worker.expect_next(said("suggest.parked"))
    await worker.expect_next(said("start"))
    await worker.expect_next(said("start.station", station=station().name))
    await worker.press(data=encode(StationReport(STATION_ID)))
    await worker.expect_next(said("suggest.resume_or_restart"))  # the saved draft first
    await worker.press(data="sg:restart")
    await worker.expect_next(said("suggest.ask_text"))
    await worker.send_text("这个驿站的充电桩一直坏着")
    message = await past_category(worker)
    if said("suggest.ask_worker").search(message.content):
        await worker.press(data="sg:w:rider")
        message = await worker.reply()
    assert said("suggest.ask_identity").search(message.content), message  # no place asked
    await worker.press(data="sg:anon")
    await worker.expect_next(said("suggest.summary"))
    await worker.press(data="sg:confirm")
    stored = bot.sync(suggestions.get, code_of(await worker.expect_next(said("suggest.receipt"))))
    assert stored is not None and stored.station_id == STATION_ID


# --- anything else after /start --------------------------------------------------------------


@pytest.mark.parametrize(
    "payload",
    [
        "st_no-such-station",
        "st_../../x",
        "st_" + "a" * 297,  # 300 characters
        "st_",
        "st_u-xlt-01.x",  # "." cannot be in a start payload
        f"xx_{STATION_ID}",
        f"st_{STATION_ID} st_{STATION_ID}",
        "st_<b>u-xlt-01</b>",
    ],
    ids=["unknown", "path", "300-chars", "empty-id", "dot", "prefix", "two", "html"],
)
async def test_anything_else_gets_the_normal_greeting(
    bot: RunningBot, standin: StandIn, payload: str
) -> None:
    await only_the_greeting(standin.user(5010, "小王"), payload)


async def test_a_forged_station_button_of_no_station_asks_for_a_place(
    bot: RunningBot, standin: StandIn
) -> None:
    """A station removed from the file after its poster was scanned: the list asks where."""
    worker = standin.user(5011, "小王")
    await worker.forge_callback(encode(StationNearby("gone-station")))
    await worker.expect_next(said("stations.ask"))
    await worker.forge_callback(encode(StationReport("gone-station")))
    await worker.expect_next(said("suggest.ask_text"))  # a suggestion about no station


# --- the migration ----------------------------------------------------------------------------


def _upgrade(engine: object, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    command.upgrade(config, revision)


async def test_migration_adds_the_station_to_an_existing_database(database_url: str) -> None:
    engine = make_engine(database_url)
    _upgrade(engine, "0005")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO suggestions (code, language, text, attachments, anonymous, "
            "needs_review, status, followed_up, created_at, updated_at, kind, extended, "
            "reopened, rating_reminded) VALUES ('NX-20261128-0001', 'zh', '站长乱罚款', "
            "'[]', true, false, 'submitted', false, '2026-11-28 02:00:00', "
            "'2026-11-28 02:00:00', 'suggestion', false, 0, false)"
        ))  # fmt: skip
    migrate(engine)
    assert current_revision(engine) == head_revision()
    db = Database(engine)
    old = await db.run(suggestions.get, "NX-20261128-0001")
    assert old is not None and (old.text, old.station_id) == ("站长乱罚款", None)
    await db.run(users.touch, 7, "zh", "小王", None)
    new, _ = await db.run(
        suggestions.submit, user_id=7, chat_id=7, update_id=1, local_day=date(2026, 12, 5),
        fields={"text": "饮水机坏了", "station_id": STATION_ID}, announce_to=None,
        draft_name=None,
    )  # fmt: skip
    stored = await db.run(suggestions.by_id, new.id)
    assert stored is not None and stored.station_id == STATION_ID
    await db.aclose()
