"""The suggestion conversation end to end: real Application, stand-in over HTTP, real DB."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from bot.catalog import label, t
from bot.core.clock import ManualClock
from bot.settings import Settings
from bot.storage import drafts, suggestions
from standin import StandIn
from tests.botkit import RunningBot
from tests.conftest import STAFF_CHAT
from tests.harness import (
    PNG,
    at_text_step,
    code_of,
    past_category,
    said,
    submit,
    walk_to_summary,
)

# what the bot asks after an English text: a sure guess, or its top categories
EN_CATEGORY_QUESTION = re.compile(f"(?:{said('suggest.ask_category', 'en').pattern})|"
                                  f"(?:{said('suggest.ask_category_unsure', 'en').pattern})",
                                  re.S)  # fmt: skip


@pytest.fixture
async def clocked(bot_settings: Settings) -> AsyncIterator[tuple[RunningBot, ManualClock]]:
    """The bot on a clock the test moves (as in tests/test_conversation.py)."""
    clock = ManualClock()
    running = RunningBot(bot_settings, clock=clock)
    await running.start()
    yield running, clock
    await running.stop()


async def test_start_shows_menu_and_help_lists_commands(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001, "小王")
    await worker.send_text("/start")
    greeting = await worker.expect_next(said("start", name="小王"))
    assert greeting.callback_data[:2] == ["menu:suggest", "menu:my"]
    await worker.send_text("/help")
    help_text = (await worker.expect_next(said("help"))).content
    for command in ("/suggest", "/my", "/cancel", "/language", "/help"):
        assert command in help_text


async def test_full_suggestion_named_with_location_and_phone(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001, "小王")
    await at_text_step(worker)
    await worker.send_text("小区不让电动车进，送餐只能走进去，经常超时被罚")
    assert said("suggest.ask_worker").search((await past_category(worker)).content)
    await worker.press(data="sg:w:rider")
    prompt = await worker.expect_next(said("suggest.ask_location"))
    assert prompt.keyboard[0][0]["request_location"] is True
    await worker.send_location(41.1197, 122.0709)
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:named")
    phone_prompt = await worker.expect_next(said("suggest.ask_phone"))
    assert phone_prompt.keyboard[0][0]["request_contact"] is True
    await worker.send_contact("13800138000")
    summary = await worker.expect_next(said("suggest.summary"))
    assert "小区不让电动车进" in summary.content
    assert said("suggest.identity_named", name="小王").search(summary.content)
    assert "13800138000" in summary.content
    await worker.press(data="sg:confirm")
    code = code_of(await worker.expect_next(said("suggest.receipt")))

    stored = bot.sync(suggestions.get, code)
    assert stored is not None
    assert (stored.worker_type, stored.anonymous, stored.contact_phone) == (
        "rider", False, "13800138000",
    )  # fmt: skip
    assert stored.latitude is not None and stored.longitude is not None
    assert (round(stored.latitude, 4), round(stored.longitude, 4)) == (41.1197, 122.0709)
    notice = await standin.group(STAFF_CHAT).expect_next(said("staff.new", code=code))
    assert "小王" in notice.content and "13800138000" in notice.content


async def test_anonymous_suggestion_hides_identity_from_staff(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001, "王小明", username="wxm")
    code = await submit(worker, "平台算法派单太远，一单跑八公里")
    notice = await standin.group(STAFF_CHAT).expect_next(
        said("staff.new", code=code, who=t("staff.anonymous", "zh"))
    )
    shown = notice.content.replace(code, "")  # the code's date may contain the digits of an id
    for secret in ("王小明", "wxm", "1001"):
        assert secret not in shown


async def test_worker_type_is_asked_once(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await submit(worker)
    await at_text_step(worker)
    await worker.send_text("司机之家晚上十点就关门了")
    after = await past_category(worker)  # the kind of work was remembered: not asked again
    assert said("suggest.ask_location").search(after.content), after


async def test_my_lists_suggestions_with_status(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    code = await submit(worker, "换电柜经常没电")
    await worker.send_text("/my")
    listing = await worker.expect_next(said("my.header", total=1))
    status = label("status", "submitted", "zh")
    assert said("my.item", code=code, status=status, text="换电柜经常没电").search(listing.content)


async def test_my_pages_past_five(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    for i in range(7):
        await submit(worker, f"第{i}条建议：路口红绿灯太短")
    await worker.send_text("/my")
    first = await worker.expect_next(said("my.header", total=7))
    assert said("my.page", page=1, pages=2).search(first.content)
    assert "第6条" in first.content and "第1条" not in first.content
    await worker.press(data="my:1")
    second = await worker.expect_next(said("my.header", total=7))
    assert second.edited and second.message_id == first.message_id
    assert said("my.page", page=2, pages=2).search(second.content)
    assert "第0条" in second.content and "第1条" in second.content and "第6条" not in second.content


async def test_english_user_gets_english(bot: RunningBot, standin: StandIn) -> None:
    sam = standin.user(1002, "Sam", language_code="en")
    await sam.send_text("/suggest")
    await sam.expect_next(said("suggest.ask_text", "en"))
    await sam.send_text("The rest station closes too early")
    question = await sam.expect_next(EN_CATEGORY_QUESTION)
    await sam.press(data="sg:c:yes" if "sg:c:yes" in question.callback_data else "sg:c:unsure")
    asked = await sam.expect_next(said("suggest.ask_worker", "en"))
    assert label("worker_type", "rider", "en") in [text for row in asked.buttons for text in row]


async def test_cancel_at_a_step_drops_the_draft(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_text("充电桩太少")
    assert said("suggest.ask_worker").search((await past_category(worker)).content)
    await worker.send_text("/cancel")
    await worker.expect_next(said("suggest.cancelled"))
    await worker.expect_next(said("menu.title"))
    assert bot.sync(drafts.load, "suggest", 1001, 1001) is None
    await worker.send_text("/cancel")
    await worker.expect_next(said("suggest.nothing_to_cancel"))


async def test_cancel_button_on_summary(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await walk_to_summary(worker)
    await worker.press(data="sg:cancel")
    await worker.expect_next(said("suggest.cancelled"))
    await worker.expect_next(said("menu.title"))
    assert bot.sync(suggestions.count) == 0


async def test_edit_text_returns_to_summary(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await walk_to_summary(worker, "旧的内容")
    await worker.press(data="sg:edit")
    # the summary's buttons turn into the edit menu
    menu = await worker.expect_next(said("suggest.summary"), keyboard_edits=True)
    assert menu.method == "editMessageReplyMarkup" and "sg:e:text" in menu.callback_data
    await worker.press(data="sg:e:text")
    await worker.expect_next(said("suggest.ask_text"))
    await worker.send_text("新的内容：希望驿站加装微波炉")
    summary = await past_category(worker)  # a new text: its category asked again
    assert said("suggest.summary").search(summary.content), summary
    assert "新的内容" in summary.content and "旧的内容" not in summary.content


async def test_timeout_ends_the_conversation(
    clocked: tuple[RunningBot, ManualClock], standin: StandIn
) -> None:
    running, clock = clocked
    worker = standin.user(1001)
    await at_text_step(worker)
    clock.advance(running.settings.conversation_timeout - 1)
    await running.sweep()  # not yet: nothing is said, the draft stays
    assert running.sync(drafts.load, "suggest", 1001, 1001) is not None
    clock.advance(2)
    await running.sweep()
    await worker.expect_next(said("suggest.timeout"))
    assert running.sync(drafts.load, "suggest", 1001, 1001) is None
    await worker.send_text("今天股票涨了吗")
    await worker.expect_next(said("ask.unknown"))  # outside the conversation: a question


async def test_confident_guess_is_put_to_the_worker_and_stored(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_text("站长天天乱罚款，超时一分钟扣五十，申诉也没人理，工资越扣越少")
    guessed = label("category", "labor_rights", "zh")
    await worker.expect_next(said("suggest.ask_category", name=guessed))
    await worker.press(data="sg:c:pick")
    listing = await worker.expect_next(said("suggest.pick_category"))
    assert "sg:c:city_governance" in listing.callback_data
    await worker.press(data="sg:c:city_governance")
    await worker.expect_next(said("suggest.ask_worker"))
    await worker.press(data="sg:w:rider")
    await worker.expect_next(said("suggest.ask_location"))
    await worker.send_text("跳过")
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:anon")
    summary = await worker.expect_next(said("suggest.summary"))
    assert label("category", "city_governance", "zh") in summary.content
    await worker.press(data="sg:confirm")
    code = code_of(await worker.expect_next(said("suggest.receipt")))
    stored = bot.sync(suggestions.get, code)
    assert stored is not None
    assert (stored.predicted_category, stored.worker_category, stored.category) == (
        "labor_rights", "city_governance", "city_governance",
    )  # fmt: skip
    assert stored.confidence is not None and stored.confidence > 0.5 and not stored.needs_review


async def test_unsure_guess_left_to_staff_goes_to_review(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_text("我想问问怎么交社保，还有孩子上学的事")  # two topics at once
    question = await worker.expect_next(said("suggest.ask_category_unsure"))
    assert "sg:c:social_insurance" in question.callback_data  # the model's best, offered
    await worker.press(data="sg:c:unsure")
    await worker.expect_next(said("suggest.ask_worker"))
    await worker.press(data="sg:w:courier")
    await worker.expect_next(said("suggest.ask_location"))
    await worker.send_text("跳过")
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:anon")
    summary = await worker.expect_next(said("suggest.summary"))
    assert t("suggest.category_review", "zh") in summary.content
    await worker.press(data="sg:confirm")
    code = code_of(await worker.expect_next(said("suggest.receipt")))
    stored = bot.sync(suggestions.get, code)
    assert stored is not None and stored.needs_review
    assert (stored.predicted_category, stored.worker_category, stored.category) == (
        "social_insurance", None, None,
    )  # fmt: skip
    await standin.group(STAFF_CHAT).expect_next(
        said("staff.new", code=code, category=t("staff.review", "zh"))
    )


async def test_restart_in_the_middle_continues_at_the_step(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_text("夜里骑车回家路灯不亮")
    assert said("suggest.ask_worker").search((await past_category(worker)).content)
    await worker.press(data="sg:w:rider")
    await worker.expect_next(said("suggest.ask_location"))
    await bot.restart()
    await worker.send_location(41.12, 122.05)
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:anon")
    summary = await worker.expect_next(said("suggest.summary"))
    assert "夜里骑车回家路灯不亮" in summary.content


async def test_redelivered_confirm_creates_no_second_suggestion(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await walk_to_summary(worker)
    press = await worker.press(data="sg:confirm")
    code = code_of(await worker.expect_next(said("suggest.receipt")))
    standin.redeliver(press.update_id)
    await worker.expect_next(said("suggest.already", code=code))
    assert bot.sync(suggestions.count) == 1


async def test_user_html_is_escaped_everywhere(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001, "<b>骑手</b>")
    text = "<script>alert(1)</script> & 罚款 <b>不合理</b>"
    summary = await walk_to_summary(worker, text, anonymous=False)
    assert text in summary.content and "<b>骑手</b>" in summary.content
    assert summary.html is not None and "&lt;script&gt;" in summary.html
    await worker.press(data="sg:confirm")
    code = code_of(await worker.expect_next(said("suggest.receipt")))
    notice = await standin.group(STAFF_CHAT).expect_next(said("staff.new", code=code))
    assert text in notice.content and "<b>骑手</b>" in notice.content


async def test_staff_chat_gets_the_photo(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_photo(PNG, caption="这个井盖松了，很危险")
    assert said("suggest.ask_worker").search((await past_category(worker)).content)
    await worker.press(data="sg:w:rider")
    await worker.expect_next(said("suggest.ask_location"))
    await worker.send_text("兴隆台区石油大街")
    await worker.expect_next(said("suggest.noted"))
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:anon")
    summary = await worker.expect_next(said("suggest.summary"))
    assert said("suggest.summary_photos", count=1).search(summary.content)
    assert "石油大街" in summary.content
    await worker.press(data="sg:confirm")
    code = code_of(await worker.expect_next(said("suggest.receipt")))
    staff = standin.group(STAFF_CHAT)
    await staff.expect_next(said("staff.new", code=code))
    photo = await staff.expect_next(lambda message: message.method == "sendPhoto")
    assert photo.caption == code and photo.photo == PNG


async def test_receipt_only_after_commit(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    summary = await walk_to_summary(worker, "驿站的饮水机坏了一周了")
    await worker.press(data="sg:confirm")
    receipt = await worker.expect_next(said("suggest.receipt"))
    # the receipt replaces the summary: same message, the text quoted, the menu instead
    assert receipt.edited and receipt.message_id == summary.message_id
    assert said("suggest.receipt_quote", text="驿站的饮水机坏了一周了").search(receipt.content)
    assert "menu:suggest" in receipt.callback_data
    assert bot.sync(suggestions.get, code_of(receipt)) is not None
