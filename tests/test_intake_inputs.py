"""Bad and unexpected input at each step: a specific answer, the step kept, nothing lost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.runner import open_store
from bot.standin import FakeUser, StandIn
from tests.botkit import RunningBot, past_category

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


async def at_text_step(standin: StandIn) -> FakeUser:
    worker = standin.user(1001)
    await worker.send_text("/suggest")
    await worker.expect("请说说")
    return worker


async def still_at_text_step(worker: FakeUser) -> None:
    await worker.send_text("路边没有厕所，憋得难受")
    await past_category(worker, "做什么工作")


async def test_over_long_text_is_refused_whole(bot: RunningBot, standin: StandIn) -> None:
    worker = await at_text_step(standin)
    await worker.send_text("罚" * 1001)
    answer = await worker.expect("超过了 1000 字")
    assert "1001" in answer.content
    draft = bot.store.load_draft("suggest", 1001, 1001)
    assert draft is not None and "text" not in draft.data
    await worker.send_text("罚" * 1000)
    await past_category(worker, "做什么工作")
    assert len(bot.store.load_draft("suggest", 1001, 1001).data["text"]) == 1000


@pytest.mark.parametrize(
    ("sent", "answer"),
    [
        ("😭😭😭", "只看到表情"),
        ("！？。。。", "只看到表情"),
        ("\u200b\u200b\u200e", "内容是空的"),
    ],
)
async def test_text_without_words_is_refused(
    bot: RunningBot, standin: StandIn, sent: str, answer: str
) -> None:
    worker = await at_text_step(standin)
    await worker.send_text(sent)
    await worker.expect(answer)
    await still_at_text_step(worker)


async def test_invisible_and_control_characters_are_removed(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = await at_text_step(standin)
    await worker.send_text("驿站\u200b没有\u202e热水\x07")
    await past_category(worker, "做什么工作")
    assert bot.store.load_draft("suggest", 1001, 1001).data["text"] == "驿站没有热水"


@pytest.mark.parametrize("kind", ["sticker", "voice", "location", "contact"])
async def test_non_text_at_text_step_gets_a_hint(
    bot: RunningBot, standin: StandIn, kind: str
) -> None:
    worker = await at_text_step(standin)
    sends = {
        "sticker": worker.send_sticker,
        "voice": worker.send_voice,
        "location": lambda: worker.send_location(41.1, 122.0),
        "contact": lambda: worker.send_contact("13800138000"),
    }
    await sends[kind]()
    await worker.expect("这一步需要文字")
    await still_at_text_step(worker)


async def test_photo_without_caption_is_kept_until_text(bot: RunningBot, standin: StandIn) -> None:
    worker = await at_text_step(standin)
    await worker.send_photo(PNG)
    await worker.expect("照片收到了")
    await still_at_text_step(worker)
    assert len(bot.store.load_draft("suggest", 1001, 1001).data["photos"]) == 1


async def test_non_image_document_is_refused(bot: RunningBot, standin: StandIn) -> None:
    worker = await at_text_step(standin)
    await worker.send_document(b"%PDF-1.4", "合同.pdf", "application/pdf")
    await worker.expect("不能作为照片")
    await still_at_text_step(worker)


async def test_other_command_keeps_the_step(bot: RunningBot, standin: StandIn) -> None:
    worker = await at_text_step(standin)
    await worker.send_text("/my")
    await worker.expect("正在提建议")
    await worker.send_text("/help")
    await worker.expect("/suggest")
    await still_at_text_step(worker)


async def test_typing_where_a_button_is_expected(bot: RunningBot, standin: StandIn) -> None:
    worker = await at_text_step(standin)
    await still_at_text_step(worker)
    await worker.send_text("骑手")
    await worker.expect("请点上面的按钮")
    again = await worker.reply()  # the question comes again, with its buttons
    assert "做什么工作" in again.content and "🛵 外卖骑手" in again.buttons[0]
    await worker.press("外卖骑手")
    await worker.expect("在哪里")


async def test_someone_elses_contact_is_refused(bot: RunningBot, standin: StandIn) -> None:
    worker = await at_text_step(standin)
    await still_at_text_step(worker)
    await worker.press("外卖骑手")
    await worker.expect("在哪里")
    await worker.send_text("跳过")
    await worker.expect("是谁提的")
    await worker.press("显示我的名字")
    await worker.expect("电话")
    await worker.send_contact("13900000000", own=False, first_name="站长")
    await worker.expect("发送您自己的号码")
    await worker.send_contact("13800138000")
    summary = await worker.expect("请确认")
    assert "13800138000" in summary.content and "13900000000" not in summary.content


async def test_place_too_long(bot: RunningBot, standin: StandIn) -> None:
    worker = await at_text_step(standin)
    await still_at_text_step(worker)
    await worker.press("外卖骑手")
    await worker.expect("在哪里")
    await worker.send_text("路" * 101)
    await worker.expect("地点写得太长")
    await worker.send_text("双台子区红旗大街")
    noted = await worker.expect("记下了")
    assert noted.remove_keyboard  # typed, so the location keyboard is taken away
    await worker.expect("是谁提的")


async def test_menu_button_during_conversation_is_refused_politely(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await worker.send_text("/start")
    await worker.expect("暖新")
    await worker.send_text("/suggest")
    await worker.expect("请说说")
    answer = await worker.press("我的建议", wait_answer=True)
    assert answer.show_alert and "正在提建议" in answer.text


async def test_stale_summary_button_after_cancel(bot: RunningBot, standin: StandIn) -> None:
    worker = await at_text_step(standin)
    await still_at_text_step(worker)
    await worker.send_text("/cancel")
    await worker.expect("已取消")
    await worker.press("外卖骑手")
    await worker.expect("按钮已失效")


async def test_lost_draft_asks_to_start_again(bot: RunningBot, standin: StandIn) -> None:
    worker = await at_text_step(standin)
    await still_at_text_step(worker)
    await bot.restart()
    bot.store.delete_draft("suggest", 1001, 1001)  # e.g. swept after the restart
    await worker.press("外卖骑手")
    await worker.expect("重新发 /suggest")


async def test_drafts_expired_while_down_are_closed_at_start(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = await at_text_step(standin)
    await bot.stop()
    store = open_store(bot.settings)
    with store.session() as s:
        s.execute(text("UPDATE drafts SET updated_at = :t"), {"t": "2000-01-01 00:00:00"})
    assert store.conversation_states("suggest", max_idle=timedelta(minutes=15)) == {}
    store.engine.dispose()
    await bot.start()
    await worker.expect("15 分钟没有操作")
    await worker.send_text("今天股票涨了吗")
    await worker.expect("答不上来")  # outside the conversation: a question for the FAQ


async def test_a_button_of_an_earlier_step_shows_the_current_question(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = await at_text_step(standin)
    await still_at_text_step(worker)
    await worker.press("外卖骑手")
    await worker.expect("在哪里")
    await worker.send_text("跳过")
    await worker.expect("是谁提的")
    await worker.press("外卖骑手")  # an old button: the bot is past that step
    again = await worker.expect("是谁提的")  # the current question again, with its buttons
    assert "🙈 匿名提交（推荐）" in again.buttons[0]
