"""The suggestion conversation's fixes, tried as a worker would: another command midway,
too little or too much text, the model unsure, typed answers, and a clear summary."""

from __future__ import annotations

import pytest

from bot.core.clock import ManualClock
from bot.storage import drafts, suggestions
from standin import StandIn
from tests.botkit import RunningBot
from tests.conftest import STAFF_CHAT
from tests.harness import (
    CATEGORY_QUESTION,
    at_text_step,
    code_of,
    past_category,
    said,
    to_location,
    walk_to_summary,
)

UNSURE_TEXT = "路上没有充电的地方，站长还罚款"  # the seed model is unsure of this one
SURE_TEXT = "站长天天罚款，超时一分钟扣五十，申诉也没人理"


# --- another command in the middle ---------------------------------------------------------


async def test_start_midway_asks_once_and_leaving_keeps_a_draft(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001, "小王")
    await to_location(worker)
    await worker.send_text("/start")
    await worker.expect_next(said("suggest.interrupted"))
    await worker.press(data="cv:leave")
    await worker.expect_next(said("suggest.parked"))
    await worker.expect_next(said("start"))  # what the worker asked for, after all
    # the next question is a question, not the suggestion's place
    await worker.send_text("哪里有地方喝口热水")
    answer = await worker.reply()
    assert "喝水" in answer.content or "热水" in answer.content
    stored = bot.sync(drafts.load, "suggest", 1001, 1001)
    assert stored is not None and stored.state == "parked"
    await worker.send_text("/suggest")
    await worker.expect_next(
        said("suggest.resume_or_restart", text="司机之家晚上十点就关门，夜班没地方歇")
    )
    await worker.press(data="sg:resume")
    await worker.expect_next(said("suggest.ask_location"))
    await worker.send_text("兴隆台区")
    await worker.expect_next(said("suggest.noted"))
    await worker.expect_next(said("suggest.ask_identity"))


async def test_carrying_on_shows_the_step_again(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await to_location(worker)
    await worker.send_text("/stations")
    await worker.expect_next(said("suggest.interrupted"))
    await worker.press(data="cv:stay")
    await worker.expect_next(said("suggest.ask_location"))
    await worker.send_text("跳过")
    await worker.expect_next(said("suggest.ask_identity"))


async def test_menu_button_midway_is_asked_about_too(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await to_location(worker)
    await worker.forge_callback("menu:my")
    await worker.expect_next(said("suggest.interrupted"))
    await worker.press(data="cv:leave")
    await worker.expect_next(said("suggest.parked"))
    await worker.expect_next(said("my.empty"))


async def test_restart_drops_the_saved_draft(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await to_location(worker)
    await worker.send_text("/suggest")
    await worker.expect_next(said("suggest.resume_or_restart"))
    await worker.press(data="sg:restart")
    await worker.expect_next(said("suggest.ask_text"))
    stored = bot.sync(drafts.load, "suggest", 1001, 1001)
    assert stored is not None and stored.data.get("text") is None


# --- the text ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["2", "好", "没水", "？？！！", "123456"])
async def test_too_little_text_gets_a_hint_and_keeps_the_step(
    bot: RunningBot, standin: StandIn, text: str
) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_text(text)
    hint = await worker.reply()
    assert said("suggest.too_short").search(hint.content) or said("suggest.no_words").search(
        hint.content
    ), hint
    await worker.send_text(SURE_TEXT)
    await worker.expect_next(CATEGORY_QUESTION)


async def test_a_long_text_goes_on_in_the_next_message(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    first = "站长天天罚款，" * 180  # 1,260 characters
    await worker.send_text(first)
    await worker.expect_next(said("suggest.ask_more", count=len(first)))
    await worker.send_text("还有，申诉电话从来没人接。")
    await worker.expect_next(said("suggest.ask_more"))
    await worker.press(data="sg:done")
    message = await past_category(worker)
    if said("suggest.ask_worker").search(message.content):
        await worker.press(data="sg:w:rider")
        await worker.expect_next(said("suggest.ask_location"))
    await worker.send_text("跳过")
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:anon")
    summary = await worker.expect_next(said("suggest.summary"))
    assert first.strip() in summary.content and "申诉电话从来没人接" in summary.content
    await worker.press(data="sg:confirm")
    code = code_of(await worker.expect_next(said("suggest.receipt")))
    stored = bot.sync(suggestions.get, code)
    assert stored is not None and stored.text == first + "\n还有，申诉电话从来没人接。"


async def test_a_text_over_the_total_limit_is_refused_whole(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_text("罚" * 2500)
    await worker.expect_next(said("suggest.ask_more"))
    await worker.send_text("扣" * 600)
    await worker.expect_next(said("suggest.too_long_more", count=3101, limit=3000))
    await worker.send_text("写完了")
    await worker.expect_next(CATEGORY_QUESTION)
    stored = bot.sync(drafts.load, "suggest", 1001, 1001)
    assert stored is not None and stored.data["text"] == "罚" * 2500


# --- the category ----------------------------------------------------------------------------


async def test_unsure_model_offers_its_top_categories(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_text(UNSURE_TEXT)
    question = await worker.expect_next(said("suggest.ask_category_unsure"))
    offered = [d for d in question.callback_data if d not in ("sg:c:pick", "sg:c:unsure")]
    assert 2 <= len(offered) <= 3 and offered[0] == "sg:c:labor_rights"  # the model's best
    await worker.press(data="sg:c:labor_rights")
    await worker.expect_next(said("suggest.ask_worker"))
    await worker.press(data="sg:w:rider")
    await worker.expect_next(said("suggest.ask_location"))
    await worker.send_text("跳过")
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:anon")
    await worker.expect_next(said("suggest.summary"))
    await worker.press(data="sg:confirm")
    code = code_of(await worker.expect_next(said("suggest.receipt")))
    stored = bot.sync(suggestions.get, code)
    assert stored is not None
    assert (stored.category, stored.worker_category, stored.needs_review) == (
        "labor_rights", "labor_rights", False,
    )  # fmt: skip


async def test_not_sure_leaves_it_to_staff(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_text(UNSURE_TEXT)
    await worker.expect_next(said("suggest.ask_category_unsure"))
    await worker.send_text("不确定")
    await worker.expect_next(said("suggest.ask_worker"))
    stored = bot.sync(drafts.load, "suggest", 1001, 1001)
    assert stored is not None and stored.data["category"] == {"id": None}


async def test_the_whole_list_from_an_unsure_guess(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_text(UNSURE_TEXT)
    await worker.expect_next(said("suggest.ask_category_unsure"))
    await worker.press(data="sg:c:pick")
    listing = await worker.expect_next(said("suggest.pick_category"))
    assert len([d for d in listing.callback_data if d.startswith("sg:c:")]) == 9  # 8 + not sure
    await worker.send_text("社会保障")  # a category's name, typed
    await worker.expect_next(said("suggest.ask_worker"))


# --- typed answers at button steps -------------------------------------------------------


async def test_obvious_words_answer_the_buttons(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001, "小王")
    await at_text_step(worker)
    await worker.send_text(SURE_TEXT)
    question = await worker.expect_next(CATEGORY_QUESTION)
    await worker.send_text(
        "是" if said("suggest.ask_category").search(question.content) else "不确定"
    )
    await worker.expect_next(said("suggest.ask_worker"))
    await worker.send_text("外卖骑手")
    await worker.expect_next(said("suggest.ask_location"))
    await worker.send_text("跳过")
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.send_text("可以")
    await worker.expect_next(said("suggest.ask_phone"))
    await worker.send_text("不用")
    summary = await worker.expect_next(said("suggest.summary"))
    assert said("suggest.identity_named", name="小王", phone="").search(summary.content)
    await worker.send_text("确认")
    await worker.expect_next(said("suggest.receipt"))


async def test_a_word_that_answers_nothing_still_gets_the_hint(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_text(SURE_TEXT)
    await worker.expect_next(CATEGORY_QUESTION)
    await worker.send_text("随便吧")
    await worker.expect_next(said("suggest.want_button"))
    await worker.expect_next(CATEGORY_QUESTION)


# --- the summary ------------------------------------------------------------------------------


async def test_summary_shows_named_icon_and_where_a_location_is(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001, "小王")
    await to_location(worker)
    await worker.send_location(41.119176, 122.072076)  # next to the first sample station
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:named")
    await worker.expect_next(said("suggest.ask_phone"))
    await worker.send_text("不留电话")
    summary = await worker.expect_next(said("suggest.summary"))
    assert said("suggest.identity_named", name="小王").search(summary.content)
    assert not said("suggest.identity_anonymous").search(summary.content)
    assert said("suggest.location_near", district="兴隆台区").search(summary.content)
    assert "已发送位置" not in summary.content


@pytest.mark.parametrize(("lat", "lon"), [(999.0, 122.0), (41.1, 500.0), (-91.0, 0.0)])
async def test_an_impossible_location_is_refused(
    bot: RunningBot, standin: StandIn, lat: float, lon: float
) -> None:
    worker = standin.user(1001)
    await to_location(worker)
    await worker.send_location(lat, lon)
    await worker.expect_next(said("suggest.want_location"))
    await worker.expect_next(said("suggest.ask_location"))


# --- time-outs, with the clock moved by hand ---------------------------------------------------


async def test_idle_suggestion_ends_after_the_timeout(
    clocked: tuple[RunningBot, ManualClock], standin: StandIn
) -> None:
    running, clock = clocked
    worker = standin.user(1001)
    await to_location(worker)
    clock.advance(running.settings.conversation_timeout - 5)
    await running.sweep()
    clock.advance(10)
    await running.sweep()
    await worker.expect_next(said("suggest.timeout"))
    await worker.send_text("今天股票涨了吗")
    await worker.expect_next(said("ask.unknown"))  # outside the conversation: a question


async def test_staff_answer_shows_its_state_and_ends_after_the_timeout(
    clocked: tuple[RunningBot, ManualClock], standin: StandIn
) -> None:
    running, clock = clocked
    worker = standin.user(1001)
    await walk_to_summary(worker)
    await worker.press(data="sg:confirm")
    code = code_of(await worker.expect_next(said("suggest.receipt")))
    group = standin.group(STAFF_CHAT)
    card = await group.expect(code)
    staff = standin.user(9001, "李老师").in_chat(group)
    await staff.press(data=card.callback_data[2])  # 💬 答复
    prompt = await group.expect_next(said("staff.answer_prompt", name="李老师", code=code))
    assert prompt.raw["reply_markup"]["force_reply"] is True
    clock.advance(running.settings.conversation_timeout + 1)
    await running.sweep()
    await group.expect_next(said("staff.answer_expired", code=code))
    await staff.send_text("这句话不再是答复")
    await staff.send_text("/help")
    assert said("help").search((await group.reply()).content)
    assert bot_answer_count(running, code) == 0


def bot_answer_count(running: RunningBot, code: str) -> int:
    stored = running.sync(suggestions.get, code)
    return 0 if stored is None or stored.answer is None else 1
