"""The bot's answers from the knowledge files, end to end through the stand-in."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.settings import Settings
from bot.standin import StandIn
from knowledge import sample_dir
from tests.botkit import RunningBot
from tests.conftest import ADMIN_ID, STAFF_CHAT

PANJIN = (41.1197, 122.0709)
BEIJING = (39.9042, 116.4074)
NEW_ENTRY = """
  - id: test-new-entry
    question: 驿站可以寄存快递包裹吗？
    alternatives:
      - 包裹能放驿站吗
      - 驿站能存东西吗
    answer: 可以，驿站前台可免费寄存包裹一天。
    tags: [驿站]
"""


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(sample_dir(), target)
    return target


@pytest.fixture
async def kb_bot(bot_settings: Settings, kb_dir: Path) -> RunningBot:
    running = RunningBot(bot_settings.with_values(knowledge_dir=kb_dir))
    await running.start()
    yield running
    await running.stop()


async def test_free_text_gets_a_direct_answer(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("渴了去哪喝水")
    answer = await worker.reply()
    assert "免费喝水" in answer.content


async def test_middling_question_offers_three_choices(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("没电了")
    choices = await worker.expect("您是想问")
    assert len(choices.buttons) == 4 and choices.buttons[-1] == ["都不是，转给工作人员"]
    first = choices.buttons[0][0]
    await worker.press(first)
    assert (await worker.reply()).content  # the chosen entry's answer


async def test_unknown_question_passed_to_staff(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("今天股票涨了吗")
    await worker.expect("答不上来")
    await worker.press("转给工作人员")
    await worker.expect("已转给工作人员")
    notice = await standin.group(STAFF_CHAT).expect("有人问")
    assert "今天股票涨了吗" in notice.content
    with bot.store.session() as s:
        from bot.storage.models import Question

        assert [q.text for q in s.query(Question)] == ["今天股票涨了吗"]


async def test_emergency_numbers_come_first(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("我出车祸了腿在流血怎么办")
    first = await worker.reply()
    assert "122" in first.content and "120" in first.content and "110" in first.content
    assert first.content.index("122") < first.content.index("120")


async def test_stations_by_location_with_filters_and_venue(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await worker.send_text("/stations")
    prompt = await worker.expect("发个位置")
    assert prompt.keyboard[0][0]["request_location"] is True
    assert ["兴隆台区", "双台子区"] in [[b["text"] for b in row] for row in prompt.keyboard]
    await worker.send_location(*PANJIN)
    listing = await worker.expect("离您最近的驿站")
    assert "米" in listing.content or "公里" in listing.content
    assert "💧 喝水" in [label for row in listing.buttons for label in row]
    venue = await worker.reply()
    assert venue.method == "sendVenue" and venue.venue["title"] in listing.content
    await worker.press("🚻 厕所")
    filtered = await worker.expect("厕所")
    assert filtered.edited
    await worker.press("🟢 现在开着")
    assert (await worker.expect("现在开着")).edited


async def test_location_outside_the_city(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_location(*BEIJING)
    answer = await worker.expect("不在盘锦市区")
    assert "公里" in answer.content


async def test_district_instead_of_location(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("大洼区")
    listing = await worker.expect("大洼区的驿站")
    assert "大洼" in listing.content


async def test_policies_browse_one_screen_each(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("/policies")
    listing = await worker.expect("政策与热线")
    assert len(listing.buttons) == 5
    await worker.press(listing.buttons[1][0])
    screen = await worker.expect("适用对象")
    assert screen.edited and len(screen.content) <= 1200
    await worker.press("↩️ 返回列表")
    assert (await worker.expect("政策与热线")).edited


async def test_reload_keeps_old_knowledge_on_a_bad_edit(
    kb_bot: RunningBot, standin: StandIn, kb_dir: Path
) -> None:
    admin = standin.user(ADMIN_ID, "管理员")
    faq = kb_dir / "faq.yaml"
    good = faq.read_text(encoding="utf-8")
    faq.write_text(good.replace("  - id: toilet", "  - id: water"), encoding="utf-8")
    await admin.send_text("/reload")
    report = await admin.expect("没有重新加载")
    assert "faq.yaml:" in report.content and "id" in report.content
    worker = standin.user(1001)
    await worker.send_text("想上厕所去哪")
    assert "厕所" in (await worker.reply()).content  # the previous knowledge still answers
    faq.write_text(good + NEW_ENTRY, encoding="utf-8")
    await admin.send_text("/reload")
    await admin.expect("已重新加载")
    await worker.send_text("包裹能放驿站吗")
    assert "寄存包裹" in (await worker.reply()).content


async def test_gbk_stations_file_is_explained(
    kb_bot: RunningBot, standin: StandIn, kb_dir: Path
) -> None:
    stations = kb_dir / "stations.csv"
    text = stations.read_text(encoding="utf-8-sig")
    stations.write_bytes(text.encode("gbk", errors="replace"))
    admin = standin.user(ADMIN_ID)
    await admin.send_text("/reload")
    report = await admin.expect("没有重新加载")
    assert "stations.csv" in report.content and "UTF-8" in report.content


async def test_reload_is_for_admins_only(kb_bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("/reload")
    await worker.expect("没有这个命令")


async def test_file_watch_reloads_by_itself(
    bot_settings: Settings, standin: StandIn, kb_dir: Path
) -> None:
    running = RunningBot(bot_settings.with_values(knowledge_dir=kb_dir, knowledge_watch=True))
    await running.start()
    try:
        faq = kb_dir / "faq.yaml"
        faq.write_text(faq.read_text(encoding="utf-8") + NEW_ENTRY, encoding="utf-8")
        worker = standin.user(1001)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            await worker.send_text("包裹能放驿站吗")
            if "寄存包裹" in (await worker.reply()).content:
                break
            worker.drain()
            await asyncio.sleep(1)
        else:
            pytest.fail("the edited FAQ was not picked up by the file watch")
    finally:
        await running.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_kb_reload_command_reaches_a_running_bot(
    standin: StandIn, kb_dir: Path, tmp_path: Path, database_url: str
) -> None:
    env = {
        **os.environ,
        "BOT_TOKEN": standin.token,
        "TELEGRAM_API_URL": standin.url,
        "DATABASE_URL": database_url,
        "KNOWLEDGE_DIR": str(kb_dir),
        "LOG_LEVEL": "WARNING",
    }
    cli = [sys.executable, "-c", "from bot.cli import main; main()"]
    bot = subprocess.Popen([*cli, "run"], env=env, cwd=tmp_path)
    try:
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
        assert "寄存包裹" in (await worker.reply(timeout=10)).content
    finally:
        bot.terminate()
        bot.wait(timeout=30)
