"""The bot's answers from the knowledge files, end to end through the stand-in."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.catalog import label, t
from bot.core.clock import ManualClock
from bot.core.features.policies import policy_labels
from bot.settings import Settings
from bot.storage.models import Suggestion
from knowledge import KnowledgeBase, emergency_kind, load_knowledge, sample_dir
from standin import BotMessage, StandIn
from tests.botkit import RunningBot
from tests.conftest import ADMIN_ID, STAFF_CHAT
from tests.harness import code_of, said

PANJIN = (41.1197, 122.0709)
BEIJING = (39.9042, 116.4074)
NOON = datetime(2026, 6, 10, 4, 0, tzinfo=UTC)  # 12:00 in Panjin: the sample stations are open
NEW_ANSWER = "可以，驿站前台可免费寄存包裹一天。"
NEW_ENTRY = f"""
  - id: test-new-entry
    question: 驿站可以寄存快递包裹吗？
    alternatives:
      - 包裹能放驿站吗
      - 驿站能存东西吗
    answer: {NEW_ANSWER}
    tags: [驿站]
"""


@functools.cache
def sample() -> KnowledgeBase:
    """The sample knowledge the bot answers from (what its answers are checked against)."""
    return load_knowledge(sample_dir())


def faq_answer(entry_id: str) -> str:
    entry = sample().faq_entry(entry_id)
    assert entry is not None, entry_id
    return entry.answer


def is_venue(message: BotMessage) -> bool:
    return message.method == "sendVenue"


def asked_questions(s: Session) -> list[str]:
    """The questions passed on to staff, oldest first."""
    query = select(Suggestion.text).where(Suggestion.kind == "question")
    return list(s.scalars(query.order_by(Suggestion.id)))


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(sample_dir(), target)
    return target


@pytest.fixture
async def noon_bot(bot_settings: Settings) -> AsyncIterator[RunningBot]:
    """The bot at a fixed midday: which stations are open now does not depend on the hour
    the tests run."""
    running = RunningBot(bot_settings, clock=ManualClock(NOON))
    await running.start()
    yield running
    await running.stop()


async def test_free_text_gets_a_direct_answer(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("渴了去哪喝水")
    await worker.expect_next(faq_answer("water"))


async def test_middling_question_offers_three_choices(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("没电了")
    choices = await worker.expect_next(said("ask.choices"))
    assert len(choices.buttons) == 4
    assert choices.buttons[-1] == [t("ask.none_of_these", "zh")]
    assert choices.callback_data[-1] == "faq:-staff"
    first = choices.callback_data[0]
    await worker.press(data=first)
    await worker.expect_next(faq_answer(first.removeprefix("faq:")))  # the chosen entry's


async def test_unknown_question_passed_to_staff(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("今天股票涨了吗")
    offer = await worker.expect_next(said("ask.unknown"))
    assert offer.callback_data == ["faq:-staff", "faq:-no"]
    await worker.press(data="faq:-staff")
    code = code_of(await worker.expect_next(said("ask.passed")))
    await standin.group(STAFF_CHAT).expect_next(said("staff.new", code=code, text="今天股票涨了吗"))
    assert bot.sync(asked_questions) == ["今天股票涨了吗"]


async def test_emergency_numbers_come_first(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    text = "我出车祸了腿在流血怎么办"
    await worker.send_text(text)
    first = await worker.expect_next(
        said("ask.emergency", what=label("emergency", emergency_kind(text), "zh"))
    )
    assert "122" in first.content and "120" in first.content and "110" in first.content
    assert first.content.index("122") < first.content.index("120")
    # then the FAQ: its accident entry, as the answer or as the first choice
    entry = sample().faq_entry("traffic-accident")
    assert entry is not None
    await worker.expect_next(
        lambda m: (
            m.content == entry.answer or (bool(m.buttons) and m.buttons[0] == [entry.question])
        )
    )


async def test_stations_by_location_with_filters_and_venue(
    noon_bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await worker.send_text("/stations")
    prompt = await worker.expect_next(said("stations.ask"))
    assert prompt.keyboard[0][0]["request_location"] is True
    assert prompt.keyboard[0][0]["text"] == t("stations.share", "zh")
    districts = [b["text"] for row in prompt.keyboard[1:] for b in row]
    assert districts == sample().stations.districts
    await worker.send_location(*PANJIN)
    listing = await worker.expect_next(said("stations.header", filter=""))
    assert said("unit.metres").search(listing.content) or said("unit.km").search(listing.content)
    assert t("stations.f_water", "zh") in [text for row in listing.buttons for text in row]
    venue = await worker.expect_next(is_venue)
    assert venue.venue is not None and venue.venue["title"] in listing.content
    toilet = t("stations.filter", "zh", name=t("stations.f_toilet", "zh"))
    await worker.press(data="stn:f:toilet")
    assert (await worker.expect_next(said("stations.header", filter=toilet))).edited
    # filters combine; the pin stays (the nearest open station has a toilet)
    both = f"{t('stations.f_toilet', 'zh')}、{t('stations.f_open', 'zh')}"
    await worker.press(data="stn:f:open")
    filtered = await worker.expect_next(
        said("stations.header", filter=t("stations.filter", "zh", name=both))
    )
    assert filtered.edited and not said("stations.none").search(filtered.content)
    await worker.send_text("/help")
    await worker.expect_next(lambda m: not is_venue(m) and not m.edited)  # no pin piled up


async def test_location_outside_the_city(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_location(*BEIJING)
    await worker.expect_next(said("stations.outside"))


async def test_district_instead_of_location(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("大洼区")
    listing = await worker.expect_next(said("stations.district_header", district="大洼区"))
    venue = await worker.expect_next(is_venue)
    assert venue.venue is not None and venue.venue["title"] in listing.content


async def test_policies_browse_one_screen_each(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("/policies")
    listing = await worker.expect_next(said("policies.list"))
    policies = sample().policies
    assert listing.callback_data == [f"pol:l:{p.id}" for p in policies]
    await worker.press(data=f"pol:l:{policies[1].id}")
    screen = await worker.expect_next(policies[1].title)
    assert screen.edited and screen.content == policies[1].text("zh", policy_labels).strip()
    assert len(screen.content) <= 1200
    assert screen.callback_data == ["pol:-list"]
    await worker.press(data="pol:-list")
    assert (await worker.expect_next(said("policies.list"))).edited


async def test_reload_keeps_old_knowledge_on_a_bad_edit(
    kb_bot: RunningBot, standin: StandIn, kb_dir: Path
) -> None:
    admin = standin.user(ADMIN_ID, "管理员")
    faq = kb_dir / "faq.yaml"
    good = faq.read_text(encoding="utf-8")
    faq.write_text(good.replace("  - id: toilet", "  - id: water"), encoding="utf-8")
    await admin.send_text("/reload")
    report = await admin.expect_next(said("admin.reload_failed"))
    assert "faq.yaml:" in report.content and "id" in report.content
    worker = standin.user(1001)
    await worker.send_text("想上厕所去哪")
    await worker.expect_next(faq_answer("toilet"))  # the previous knowledge still answers
    faq.write_text(good + NEW_ENTRY, encoding="utf-8")
    await admin.send_text("/reload")
    await admin.expect_next(said("admin.reloaded"))
    await worker.send_text("包裹能放驿站吗")
    await worker.expect_next(NEW_ANSWER)


async def test_gbk_stations_file_is_explained(
    kb_bot: RunningBot, standin: StandIn, kb_dir: Path
) -> None:
    stations = kb_dir / "stations.csv"
    text = stations.read_text(encoding="utf-8-sig")
    stations.write_bytes(text.encode("gbk", errors="replace"))
    admin = standin.user(ADMIN_ID)
    await admin.send_text("/reload")
    report = await admin.expect_next(said("admin.reload_failed"))
    assert "stations.csv" in report.content and "UTF-8" in report.content


async def test_reload_is_for_admins_only(kb_bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("/reload")
    await worker.expect_next(said("unknown_command"))


# --- real time: the file watch and the signal from `nuanxin kb reload` ----------------------


@pytest.mark.slow
async def test_file_watch_reloads_by_itself(
    bot_settings: Settings, standin: StandIn, kb_dir: Path
) -> None:
    running = RunningBot(bot_settings.with_values(knowledge_dir=kb_dir, knowledge_watch=True))
    await running.start()
    try:
        faq = kb_dir / "faq.yaml"
        faq.write_text(faq.read_text(encoding="utf-8") + NEW_ENTRY, encoding="utf-8")
        worker = standin.user(1001)
        # real time is what this is about: the watch job notices the edit on its own
        # schedule, so ask once a second, for at most 15 s
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            await worker.send_text("包裹能放驿站吗")
            if NEW_ANSWER in (await worker.reply()).content:  # one answer per question
                break
            await asyncio.sleep(1)
        else:
            pytest.fail("the edited FAQ was not picked up by the file watch")
    finally:
        await running.stop()


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_kb_reload_command_reaches_a_running_bot(
    standin: StandIn, kb_dir: Path, tmp_path: Path, database_url: str, model_dir: Path
) -> None:
    env = {
        **os.environ,
        "BOT_TOKEN": standin.token,
        "TELEGRAM_API_URL": standin.url,
        "DATABASE_URL": database_url,
        "KNOWLEDGE_DIR": str(kb_dir),
        "MODEL_DIR": str(model_dir),  # the session's trained model: no training at start-up
        "LOG_LEVEL": "WARNING",
    }
    cli = [sys.executable, "-c", "from bot.cli import main; main()"]
    bot = subprocess.Popen([*cli, "run"], env=env, cwd=tmp_path)
    try:
        # real time: a separate process starts up; wait (at most 60 s) until it polls
        deadline = time.monotonic() + 60
        while not (tmp_path / "var/nuanxin.pid").exists() or standin.stats.calls["getupdates"] == 0:
            assert bot.poll() is None and time.monotonic() < deadline
            await asyncio.sleep(0.1)
        faq = kb_dir / "faq.yaml"
        faq.write_text(faq.read_text(encoding="utf-8") + NEW_ENTRY, encoding="utf-8")
        result = await asyncio.to_thread(
            subprocess.run, [*cli, "kb", "reload"], env=env, cwd=tmp_path, capture_output=True,
            text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith("reloaded")
        worker = standin.user(1001)
        await worker.send_text("包裹能放驿站吗")
        await worker.expect_next(NEW_ANSWER, timeout=10)
    finally:
        bot.terminate()
        # wait off the event loop: the stand-in on this loop must keep answering the bot's
        # last requests while it stops (a blocking wait here cost 10 s of HTTP time-out)
        await asyncio.to_thread(bot.wait, 30)
