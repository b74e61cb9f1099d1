"""Staff review end to end: cards in the staff chat, answers back to workers, roles."""

from __future__ import annotations

import re

import pytest

from bot.messages import percent
from bot.standin import FakeUser, StandIn
from tests.botkit import RunningBot, walk_to_summary
from tests.conftest import STAFF_CHAT, STAFF_ID

CODE = re.compile(r"NX-\d{8}-\d{4,}")


async def submitted(standin: StandIn, text: str = "驿站晚上九点就关门，夜班骑手没地方歇") -> str:
    worker = standin.user(1001, "小王")
    await walk_to_summary(worker, text)
    await worker.press("确认提交")
    return CODE.search((await worker.expect("已收到")).content).group(0)


def staff_in_group(standin: StandIn, user_id: int = STAFF_ID, name: str = "李老师") -> FakeUser:
    return standin.user(user_id, name).in_chat(standin.group(STAFF_CHAT))


@pytest.mark.parametrize(
    ("probability", "shown"),
    [(0.29, "29%"), (0.5, "50%"), (0.934, "93%"), (0.9996, "99%"), (1.0, "99%"), (None, "0%")],
)
def test_card_confidence_is_rounded_down_and_never_certain(
    probability: float | None, shown: str
) -> None:
    assert percent(probability) == shown


async def test_new_suggestion_card_has_staff_buttons(bot: RunningBot, standin: StandIn) -> None:
    code = await submitted(standin)
    card = await standin.group(STAFF_CHAT).expect(code)
    labels = [label for row in card.buttons for label in row]
    assert labels == ["✅ 受理", "⏳ 办理中", "💬 答复", "🏷 改类别", "👍 采纳", "👎 不采纳"]
    assert "待受理" in card.content


async def test_accept_updates_card_tells_worker_and_logs_who(
    bot: RunningBot, standin: StandIn
) -> None:
    code = await submitted(standin)
    group = standin.group(STAFF_CHAT)
    await group.expect(code)
    staff = staff_in_group(standin)
    answer = await staff.press("✅ 受理", wait_answer=True)
    assert "已受理" in answer.text
    edited = await group.expect("已受理")
    assert edited.edited
    worker = standin.user(1001)
    await worker.expect(f"{code} 有新进展：已受理")
    stored = bot.store.get_suggestion(code, with_events=True)
    assert stored.status == "received"
    assert [(e.kind, e.actor_id) for e in stored.events][-1] == ("status_changed", STAFF_ID)


async def test_non_staff_in_staff_chat_is_refused(bot: RunningBot, standin: StandIn) -> None:
    code = await submitted(standin)
    await standin.group(STAFF_CHAT).expect(code)
    stranger = staff_in_group(standin, 5555, "路人")
    answer = await stranger.press("👍 采纳", wait_answer=True)
    assert answer.show_alert and "只有工作人员" in answer.text
    assert bot.store.get_suggestion(code).status == "submitted"


async def test_answer_in_staff_chat_reaches_worker_and_my(
    bot: RunningBot, standin: StandIn
) -> None:
    code = await submitted(standin)
    group = standin.group(STAFF_CHAT)
    await group.expect(code)
    staff = staff_in_group(standin)
    await staff.press("💬 答复")
    prompt = await group.expect("请回复这条消息")
    assert prompt.raw["reply_markup"]["force_reply"] is True
    await staff.send_text("已联系驿站，下周起延长到晚上十二点。")
    await group.expect("答复预览")
    await staff.press("📤 发送")
    await group.expect("答复已发送")
    worker = standin.user(1001)
    answer = await worker.expect("有了答复")
    assert "延长到晚上十二点" in answer.content and code in answer.content
    assert answer.buttons == [["🔁 问题还没解决"]]
    await worker.send_text("/my")
    listing = await worker.expect("我的建议")
    assert "已答复" in listing.content and "延长到晚上十二点" in listing.content


async def test_answer_command_and_blocked_worker(bot: RunningBot, standin: StandIn) -> None:
    code = await submitted(standin)
    standin.block(1001)
    staff = standin.user(STAFF_ID, "李老师")
    await staff.send_text(f"/answer {code} 已转交交通部门处理")
    await staff.expect("没能送到")
    stored = bot.store.get_suggestion(code)
    assert stored.answer == "已转交交通部门处理" and stored.status == "answered"
    await staff.send_text(f"/view {code}")
    view = await staff.expect(code)
    assert "未能送达" in view.content and "blocked" in view.content


async def test_recategorize_stores_training_example_and_tells_worker_nothing(
    bot: RunningBot, standin: StandIn
) -> None:
    code = await submitted(standin, "小区保安不让骑手进，只能把电动车停在外面")
    group = standin.group(STAFF_CHAT)
    await group.expect(code)
    staff = staff_in_group(standin)
    await staff.press("🏷 改类别")
    await group.expect(code)  # the buttons turn into categories
    answer = await staff.press("交通与通行", wait_answer=True)
    assert "交通与通行" in answer.text
    stored = bot.store.get_suggestion(code)
    assert stored.category == "traffic_access" and not stored.needs_review
    assert ("小区保安不让骑手进，只能把电动车停在外面", "traffic_access") in (
        bot.store.reviewed_examples()
    )
    worker = standin.user(1001)
    assert [m for m in worker.drain() if "类别" in m.content] == []


async def test_templates_saved_and_used(bot: RunningBot, standin: StandIn) -> None:
    staff = standin.user(STAFF_ID, "李老师")
    await staff.send_text("/template 已转交 | 您好，已转交相关部门，请耐心等待。")
    await staff.expect("已保存常用答复")
    await staff.send_text("/templates")
    await staff.expect("已转交")
    code = await submitted(standin)
    group = standin.group(STAFF_CHAT)
    await group.expect(code)
    in_group = staff_in_group(standin)
    await in_group.press("💬 答复")
    await group.expect("常用答复")
    await in_group.press("📋 已转交")
    await group.expect("请耐心等待")
    await in_group.press("📤 发送")
    await standin.user(1001).expect("请耐心等待")


async def test_follow_up_reopens_once(bot: RunningBot, standin: StandIn) -> None:
    code = await submitted(standin)
    staff = standin.user(STAFF_ID, "李老师")
    await staff.send_text(f"/answer {code} 已处理")
    worker = standin.user(1001)
    await worker.expect("有了答复")
    await worker.press("问题还没解决")
    await worker.expect("继续跟进")
    await standin.group(STAFF_CHAT).expect("还没解决")
    assert bot.store.get_suggestion(code).status == "in_progress"
    await worker.press("问题还没解决")
    await worker.expect("已经反馈过一次")


async def test_staff_commands_look_unknown_to_workers(bot: RunningBot, standin: StandIn) -> None:
    code = await submitted(standin)
    worker = standin.user(1001)
    for command in (f"/view {code}", "/inbox", f"/answer {code} hi", "/templates", "/nope"):
        await worker.send_text(command)
        assert "没有这个命令" in (await worker.reply()).content
    assert bot.store.get_suggestion(code).answer is None


async def test_inbox_pages_and_filters(bot: RunningBot, standin: StandIn) -> None:
    codes = [await submitted(standin, f"第{i}条：换电站排队太久") for i in range(6)]
    staff = standin.user(STAFF_ID, "李老师")
    await staff.send_text("/inbox")
    first = await staff.expect("待办建议")
    assert (
        "共 6 条" in first.content and codes[-1] in first.content and codes[0] not in first.content
    )
    await staff.press("下一页")
    second = await staff.expect(codes[0])
    assert second.edited
    await staff.send_text("/inbox adopted")
    await staff.expect("没有符合条件")
    await staff.send_text("/inbox 瞎写")
    await staff.expect("用法")


async def test_view_shows_history(bot: RunningBot, standin: StandIn) -> None:
    code = await submitted(standin)
    staff = standin.user(STAFF_ID, "李老师")
    await staff.send_text(f"/answer {code} 收到")
    await staff.expect("答复已发送")
    await staff.send_text(f"/view {code}")
    view = await staff.expect("记录")
    assert "created" in view.content and "answered" in view.content and "收到" in view.content


async def test_delete_me_unlinks_suggestions(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001, "小王")
    await walk_to_summary(worker, "希望多建几个司机之家", anonymous=False)
    await worker.press("确认提交")
    code = CODE.search((await worker.expect("已收到")).content).group(0)
    await worker.send_text("/delete_me")
    await worker.expect("确定要删除")
    await worker.press("确定删除")
    await worker.expect("1 条建议已和您断开关联")
    stored = bot.store.get_suggestion(code, with_events=True)
    assert (stored.user_id, stored.chat_id, stored.contact_name, stored.anonymous) == (
        None, None, None, True,
    )  # fmt: skip
    assert all(e.actor_id != 1001 for e in stored.events)
    assert bot.store.get_user(1001) is None
    await worker.send_text("/my")
    await worker.expect("还没有提过建议")


async def test_pending_answer_survives_restart(bot: RunningBot, standin: StandIn) -> None:
    code = await submitted(standin)
    group = standin.group(STAFF_CHAT)
    await group.expect(code)
    staff = staff_in_group(standin)
    await staff.press("💬 答复")
    await group.expect("请回复这条消息")
    await bot.restart()
    await staff.send_text("重启后的答复")
    await group.expect("答复预览")


async def test_staff_help_lists_staff_commands(bot: RunningBot, standin: StandIn) -> None:
    await standin.user(STAFF_ID).send_text("/help")
    assert "/inbox" in (await standin.user(STAFF_ID).reply()).content
    await standin.user(1001).send_text("/help")
    assert "/inbox" not in (await standin.user(1001).reply()).content
