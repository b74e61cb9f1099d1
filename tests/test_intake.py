"""The suggestion conversation end to end: real Application, stand-in over HTTP, real DB."""

from __future__ import annotations

import asyncio
import re

from bot.standin import StandIn
from tests.botkit import RunningBot, past_category, walk_to_summary
from tests.conftest import STAFF_CHAT

CODE = re.compile(r"NX-\d{8}-\d{4,}")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


async def test_start_shows_menu_and_help_lists_commands(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001, "小王")
    await worker.send_text("/start")
    greeting = await worker.expect("暖新")
    assert "小王" in greeting.content
    assert greeting.callback_data[:2] == ["menu:suggest", "menu:my"]
    await worker.send_text("/help")
    help_text = (await worker.reply()).content
    for command in ("/suggest", "/my", "/cancel", "/language", "/help"):
        assert command in help_text


async def test_full_suggestion_named_with_location_and_phone(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001, "小王")
    await worker.send_text("/suggest")
    await worker.expect("请说说")
    await worker.send_text("小区不让电动车进，送餐只能走进去，经常超时被罚")
    await past_category(worker, "做什么工作")
    await worker.press("外卖骑手")
    prompt = await worker.expect("在哪里")
    assert prompt.keyboard[0][0]["request_location"] is True
    await worker.send_location(41.1197, 122.0709)
    await worker.expect("是谁提的")
    await worker.press("显示我的名字")
    phone_prompt = await worker.expect("电话")
    assert phone_prompt.keyboard[0][0]["request_contact"] is True
    await worker.send_contact("13800138000")
    summary = await worker.expect("请确认")
    assert "小区不让电动车进" in summary.content and "13800138000" in summary.content
    await worker.press("确认提交")
    receipt = await worker.expect("已收到")
    code = CODE.search(receipt.content).group(0)

    stored = bot.store.get_suggestion(code)
    assert stored is not None
    assert (stored.worker_type, stored.anonymous, stored.contact_phone) == (
        "rider", False, "13800138000",
    )  # fmt: skip
    assert (round(stored.latitude, 4), round(stored.longitude, 4)) == (41.1197, 122.0709)
    staff = standin.group(STAFF_CHAT)
    notice = await staff.expect(code)
    assert "小王" in notice.content and "13800138000" in notice.content


async def test_anonymous_suggestion_hides_identity_from_staff(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001, "王小明", username="wxm")
    await walk_to_summary(worker, "平台算法派单太远，一单跑八公里")
    await worker.press("确认提交")
    code = CODE.search((await worker.expect("已收到")).content).group(0)
    notice = await standin.group(STAFF_CHAT).expect(code)
    assert "匿名" in notice.content
    for secret in ("王小明", "wxm", "1001"):
        assert secret not in notice.content


async def test_worker_type_is_asked_once(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await walk_to_summary(worker)
    await worker.press("确认提交")
    await worker.expect("已收到")
    await worker.send_text("/suggest")
    await worker.expect("请说说")
    await worker.send_text("司机之家晚上十点就关门了")
    await past_category(worker, "在哪里")  # the kind of work was remembered


async def test_my_lists_suggestions_with_status(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await walk_to_summary(worker, "换电柜经常没电")
    await worker.press("确认提交")
    code = CODE.search((await worker.expect("已收到")).content).group(0)
    await worker.send_text("/my")
    listing = await worker.expect("我的建议")
    assert code in listing.content and "受理" in listing.content and "换电柜" in listing.content


async def test_my_pages_past_five(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    for i in range(7):
        await walk_to_summary(worker, f"第{i}条建议：路口红绿灯太短")
        await worker.press("确认提交")
        await worker.expect("已收到")
    await worker.send_text("/my")
    first = await worker.expect("我的建议")
    assert "共 7 条" in first.content and "第6条" in first.content and "第1条" not in first.content
    await worker.press("下一页")
    second = await worker.expect("第1条")
    assert second.edited and "第0条" in second.content and "第6条" not in second.content


async def test_english_user_gets_english(bot: RunningBot, standin: StandIn) -> None:
    sam = standin.user(1002, "Sam", language_code="en")
    await sam.send_text("/suggest")
    await sam.expect("Tell us your suggestion")
    await sam.send_text("The rest station closes too early")
    await sam.expect("What kind of work")


async def test_cancel_at_a_step_drops_the_draft(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("/suggest")
    await worker.expect("请说说")
    await worker.send_text("充电桩太少")
    await past_category(worker, "做什么工作")
    await worker.send_text("/cancel")
    await worker.expect("已取消")
    assert bot.store.load_draft("suggest", 1001, 1001) is None
    await worker.send_text("/cancel")
    await worker.expect("没有进行中")


async def test_cancel_button_on_summary(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await walk_to_summary(worker)
    await worker.press("取消")
    await worker.expect("已取消")
    assert bot.store.count_suggestions() == 0


async def test_edit_text_returns_to_summary(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await walk_to_summary(worker, "旧的内容")
    await worker.press("修改")
    await worker.expect("请确认")  # the summary's buttons turn into the edit menu
    await worker.press("建议内容")
    await worker.expect("请说说")
    await worker.send_text("新的内容：希望驿站加装微波炉")
    summary = await past_category(worker, "请确认")  # a new text: its category asked again
    assert "新的内容" in summary.content and "旧的内容" not in summary.content


async def test_timeout_ends_the_conversation(bot_settings, standin: StandIn) -> None:
    running = RunningBot(bot_settings.with_values(conversation_timeout=1.0))
    await running.start()
    try:
        worker = standin.user(1001)
        await worker.send_text("/suggest")
        await worker.expect("请说说")
        await worker.expect("15 分钟没有操作", timeout=6)
        assert running.store.load_draft("suggest", 1001, 1001) is None
        await worker.send_text("今天股票涨了吗")
        await worker.expect("答不上来")  # outside the conversation: a question for the FAQ
    finally:
        await running.stop()


async def test_confident_guess_is_put_to_the_worker_and_stored(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await worker.send_text("/suggest")
    await worker.expect("请说说")
    await worker.send_text("站长天天乱罚款，超时一分钟扣五十，申诉也没人理，工资越扣越少")
    question = await worker.expect("这是关于")
    assert "劳动权益保障" in question.content
    await worker.press("不是，我来选")
    await worker.expect("这是关于")  # the same message, now with every category
    await worker.press("城市治理")
    await worker.expect("做什么工作")
    await worker.press("外卖骑手")
    await worker.expect("在哪里")
    await worker.send_text("跳过")
    await worker.expect("是谁提的")
    await worker.press("匿名提交")
    summary = await worker.expect("请确认")
    assert "城市治理" in summary.content
    await worker.press("确认提交")
    code = CODE.search((await worker.expect("已收到")).content).group(0)
    stored = bot.store.get_suggestion(code)
    assert (stored.predicted_category, stored.worker_category, stored.category) == (
        "labor_rights", "city_governance", "city_governance",
    )  # fmt: skip
    assert stored.confidence > 0.5 and not stored.needs_review


async def test_unsure_guess_skips_the_question_and_goes_to_review(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await worker.send_text("/suggest")
    await worker.expect("请说说")
    await worker.send_text("我想问问怎么交社保，还有孩子上学的事")  # two topics at once
    await worker.expect("做什么工作")  # no category question for a guess this unsure
    draft = bot.store.load_draft("suggest", 1001, 1001).data
    assert draft["needs_review"] is True and draft["worker_category"] is None


async def test_restart_in_the_middle_continues_at_the_step(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await worker.send_text("/suggest")
    await worker.expect("请说说")
    await worker.send_text("夜里骑车回家路灯不亮")
    await past_category(worker, "做什么工作")
    await worker.press("外卖骑手")
    await worker.expect("在哪里")
    await bot.restart()
    await worker.send_location(41.12, 122.05)
    await worker.expect("是谁提的")
    await worker.press("匿名提交")
    summary = await worker.expect("请确认")
    assert "夜里骑车回家路灯不亮" in summary.content


async def test_redelivered_confirm_creates_no_second_suggestion(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await walk_to_summary(worker)
    press = await worker.press("确认提交")
    code = CODE.search((await worker.expect("已收到")).content).group(0)
    standin.redeliver(press.update_id)
    again = await worker.expect("已经提交过")
    assert code in again.content
    assert bot.store.count_suggestions() == 1


async def test_user_html_is_escaped_everywhere(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001, "<b>骑手</b>")
    text = "<script>alert(1)</script> & 罚款 <b>不合理</b>"
    summary = await walk_to_summary(worker, text, anonymous=False)
    assert text in summary.content and "<b>骑手</b>" in summary.content
    assert "&lt;script&gt;" in summary.html
    await worker.press("确认提交")
    code = CODE.search((await worker.expect("已收到")).content).group(0)
    notice = await standin.group(STAFF_CHAT).expect(code)
    assert text in notice.content and "<b>骑手</b>" in notice.content


async def test_staff_chat_gets_the_photo(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("/suggest")
    await worker.expect("请说说")
    await worker.send_photo(PNG, caption="这个井盖松了，很危险")
    await past_category(worker, "做什么工作")
    await worker.press("外卖骑手")
    await worker.expect("在哪里")
    await worker.send_text("兴隆台区石油大街")
    await worker.expect("记下了")
    await worker.expect("是谁提的")
    await worker.press("匿名提交")
    summary = await worker.expect("请确认")
    assert "照片：1 张" in summary.content and "石油大街" in summary.content
    await worker.press("确认提交")
    code = CODE.search((await worker.expect("已收到")).content).group(0)
    staff = standin.group(STAFF_CHAT)
    await staff.expect(code)
    photo = await staff.reply()
    assert photo.method == "sendPhoto" and photo.caption == code


async def test_receipt_only_after_commit(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    summary = await walk_to_summary(worker, "驿站的饮水机坏了一周了")
    await worker.press("确认提交")
    receipt = await worker.expect("已收到")
    # the receipt replaces the summary: same message, the text quoted, the menu instead
    assert receipt.edited and receipt.message_id == summary.message_id
    assert "驿站的饮水机坏了一周了" in receipt.content and "menu:suggest" in receipt.callback_data
    code = CODE.search(receipt.content).group(0)
    assert bot.store.get_suggestion(code) is not None
    await asyncio.sleep(0)
