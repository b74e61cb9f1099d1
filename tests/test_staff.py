"""Staff review end to end: cards in the staff chat, answers back to workers, roles."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.catalog import label, t
from bot.core.notices import percent
from bot.domain import Rating, Status
from bot.storage import drafts, staff, suggestions, training, users
from bot.storage.models import Outbox
from standin import BotMessage, FakeGroup, FakeUser, StandIn
from tests.botkit import RunningBot
from tests.conftest import STAFF_CHAT, STAFF_ID
from tests.harness import said, submit

WORKER_ID = 1001
STAFF_BUTTONS = ("accept", "progress", "answer", "category", "adopt", "reject")


def staff_group(standin: StandIn) -> FakeGroup:
    return standin.group(STAFF_CHAT)


def staff_in_group(standin: StandIn, user_id: int = STAFF_ID, name: str = "李老师") -> FakeUser:
    return standin.user(user_id, name).in_chat(staff_group(standin))


def worker_of(standin: StandIn) -> FakeUser:
    return standin.user(WORKER_ID, "小王")


def status_label(status: Status) -> str:
    return label("status", status, "zh")


def suggestion_id(bot: RunningBot, code: str) -> int:
    stored = bot.sync(suggestions.get, code)
    assert stored is not None
    return stored.id


def owed_to(s: Session, chat_id: int) -> list[str]:
    """The kinds of message the bot queued for a chat (sent or not), oldest first."""
    query = select(Outbox.kind).where(Outbox.chat_id == chat_id).order_by(Outbox.id)
    return list(s.scalars(query))


async def submitted(
    standin: StandIn, text: str = "驿站晚上九点就关门，夜班骑手没地方歇"
) -> tuple[str, BotMessage]:
    """A worker's suggestion, confirmed: its code and its card in the staff chat (the
    group's next message)."""
    code = await submit(worker_of(standin), text)
    card = await staff_group(standin).expect_next(said("staff.new", code=code))
    return code, card


async def start_answer(standin: StandIn, sid: int, code: str) -> FakeUser:
    """A staff member presses 💬 答复 on the card and gets the prompt."""
    member = staff_in_group(standin)
    await member.press(data=f"st:ans:{sid}")
    prompt = await staff_group(standin).expect_next(
        said("staff.answer_prompt", name="李老师", code=code)
    )
    assert prompt.raw["reply_markup"]["force_reply"] is True
    return member


async def answer_by_command(member: FakeUser, code: str, text: str) -> None:
    """/answer CODE text, its preview, and 📤 发送 on it (what comes next is the report)."""
    await member.send_text(f"/answer {code} {text}")
    await member.expect_next(said("staff.answer_preview", code=code, text=text))
    await member.press(t("staff.btn_send", "zh"))


@pytest.mark.parametrize(
    ("probability", "shown"),
    [(0.29, "29%"), (0.5, "50%"), (0.934, "93%"), (0.9996, "99%"), (1.0, "99%"), (None, "0%")],
)
def test_card_confidence_is_rounded_down_and_never_certain(
    probability: float | None, shown: str
) -> None:
    assert percent(probability) == shown


async def test_new_suggestion_card_has_staff_buttons(bot: RunningBot, standin: StandIn) -> None:
    code, card = await submitted(standin)
    sid = suggestion_id(bot, code)
    shown = [text for row in card.buttons for text in row]
    assert shown == [t(f"staff.btn_{name}", "zh") for name in STAFF_BUTTONS]
    assert card.callback_data == [
        f"st:acc:{sid}", f"st:prog:{sid}", f"st:ans:{sid}",
        f"st:cat:{sid}", f"st:ado:{sid}", f"st:rej:{sid}",
    ]  # fmt: skip
    assert said("staff.card", status=status_label(Status.SUBMITTED)).search(card.content)


async def test_anonymous_card_masks_a_phone_and_plate_in_the_text_named_shows_them(
    bot: RunningBot, standin: StandIn
) -> None:
    typed = "站长乱罚款，我电话139 1234 5678，车牌辽L·D12345，有事找我"
    masked = "站长乱罚款，我电话139****5678，车牌辽L·***45，有事找我"
    code, card = await submitted(standin, typed)  # anonymous, as by default
    assert said("staff.new", code=code, text=masked).search(card.content), card.content
    member = standin.user(STAFF_ID, "李老师")
    await member.send_text(f"/view {code}")
    view = await member.expect_next(said("staff.new", code=code, text=masked))
    assert "1234" not in view.content and "D12345" not in view.content
    await member.send_text("/inbox")  # the preview is masked before it is cut
    inbox = await member.expect_next(said("staff.inbox_header"))
    assert "139****5678" in inbox.content and "1234" not in inbox.content

    named = await submit(worker_of(standin), typed, anonymous=False)
    card = await staff_group(standin).expect_next(said("staff.new", code=named, text=typed))
    assert said("staff.anonymous").search(card.content) is None


async def test_accept_updates_card_tells_worker_and_logs_who(
    bot: RunningBot, standin: StandIn
) -> None:
    code, _ = await submitted(standin)
    received = status_label(Status.RECEIVED)
    answer = await staff_in_group(standin).press(
        data=f"st:acc:{suggestion_id(bot, code)}", wait_answer=True
    )
    assert answer.text is not None and said("staff.updated", status=received).search(answer.text)
    edited = await staff_group(standin).expect_next(said("staff.card", status=received))
    assert edited.edited and code in edited.content
    await worker_of(standin).expect_next(said("worker.status", code=code, status=received))
    stored = bot.sync(suggestions.get, code, with_events=True)
    assert stored is not None and stored.status == Status.RECEIVED
    assert [(e.kind, e.actor_id) for e in stored.events][-1] == ("status_changed", STAFF_ID)


async def test_non_staff_in_staff_chat_is_refused(bot: RunningBot, standin: StandIn) -> None:
    code, _ = await submitted(standin)
    sid = suggestion_id(bot, code)
    stranger = staff_in_group(standin, 5555, "路人")
    answer = await stranger.press(data=f"st:ado:{sid}", wait_answer=True)
    assert answer.show_alert and answer.text is not None
    assert said("staff.refused").search(answer.text)
    stored = bot.sync(suggestions.get, code)
    assert stored is not None and stored.status == Status.SUBMITTED
    # the card did not move: the next thing in the staff chat is a real staff member's change
    await staff_in_group(standin).press(data=f"st:prog:{sid}")
    await staff_group(standin).expect_next(
        said("staff.card", status=status_label(Status.IN_PROGRESS))
    )


async def test_answer_in_staff_chat_reaches_worker_and_my(
    bot: RunningBot, standin: StandIn
) -> None:
    code, _ = await submitted(standin)
    sid = suggestion_id(bot, code)
    group = staff_group(standin)
    member = await start_answer(standin, sid, code)
    reply = "已联系驿站，下周起延长到晚上十二点。"
    await member.send_text(reply)
    preview = await group.expect_next(said("staff.answer_preview", code=code, text=reply))
    assert preview.callback_data == [f"sa:send:{sid}", f"sa:x:{sid}"]
    await member.press(data=f"sa:send:{sid}")
    await group.expect_next(said("staff.card", status=status_label(Status.ANSWERED)))
    await group.expect_next(said("staff.answer_sent", code=code))
    worker = worker_of(standin)
    answered = status_label(Status.ANSWERED)
    answer = await worker.expect_next(
        said("worker.answer", code=code, answer=reply, status=answered)
    )
    assert answer.buttons == [[label("rating", r, "zh") for r in Rating]]  # 回访评价
    assert answer.callback_data == [f"rt:{sid}:{r}" for r in Rating]
    await worker.send_text("/my")
    listing = await worker.expect_next(said("my.header", total=1))
    assert said("my.item", code=code, status=answered).search(listing.content)
    assert said("my.answer", answer=reply).search(listing.content)


async def test_inbox_meanwhile_keeps_the_answer_going(bot: RunningBot, standin: StandIn) -> None:
    """The answer conversation takes only what it needs: /inbox in the middle is answered
    as usual, and the next plain text is still the answer."""
    code, _ = await submitted(standin)
    sid = suggestion_id(bot, code)
    group = staff_group(standin)
    member = await start_answer(standin, sid, code)
    await member.send_text("/inbox")
    inbox = await group.expect_next(said("staff.inbox_header", total=1))
    assert code in inbox.content
    assert bot.sync(drafts.load, "answer", STAFF_CHAT, STAFF_ID) is not None
    reply = "已转交城管部门，本周内答复。"
    await member.send_text(reply)
    await group.expect_next(said("staff.answer_preview", code=code, text=reply))
    await member.press(data=f"sa:send:{sid}")
    await group.expect_next(said("staff.card", status=status_label(Status.ANSWERED)))
    await group.expect_next(said("staff.answer_sent", code=code))
    await worker_of(standin).expect_next(said("worker.answer", code=code, answer=reply))
    stored = bot.sync(suggestions.get, code)
    assert stored is not None and stored.answer == reply


async def test_answer_command_replaces_the_answer_being_written(
    bot: RunningBot, standin: StandIn
) -> None:
    """/answer CODE text for the suggestion being answered replaces that draft with its
    preview: one answer, sent once, and the conversation is over."""
    code, _ = await submitted(standin)
    sid = suggestion_id(bot, code)
    group = staff_group(standin)
    member = await start_answer(standin, sid, code)
    await member.send_text(f"/answer {code} 直接答复：已处理")
    await group.expect_next(said("staff.answer_preview", code=code, text="直接答复：已处理"))
    await member.press(data=f"sa:send:{sid}")
    await group.expect_next(said("staff.card", status=status_label(Status.ANSWERED)))
    await group.expect_next(said("staff.answer_sent", code=code))
    assert bot.sync(drafts.load, "answer", STAFF_CHAT, STAFF_ID) is None
    await member.send_text("大家辛苦了")  # ordinary chat again, not an answer
    await member.send_text("/help")
    await group.expect_next(said("help"))
    worker = worker_of(standin)
    await worker.expect_next(said("worker.answer", code=code, answer="直接答复：已处理"))


async def test_answer_command_previews_and_sends_nothing_before_send(
    bot: RunningBot, standin: StandIn
) -> None:
    code, _ = await submitted(standin)
    sid = suggestion_id(bot, code)
    member = standin.user(STAFF_ID, "李老师")
    reply = "已联系驿站，下周起延长开放时间。"
    await member.send_text(f"/answer {code} {reply}")
    preview = await member.expect_next(said("staff.answer_preview", code=code, text=reply))
    assert preview.callback_data == [f"sa:send:{sid}", f"sa:x:{sid}"]  # the button path's
    stored = bot.sync(suggestions.get, code)
    assert stored is not None and (stored.answer, stored.status) == (None, Status.SUBMITTED)
    assert bot.sync(owed_to, WORKER_ID) == ["receipt"]  # nothing for the worker yet
    await member.press(data=f"sa:send:{sid}")
    await member.expect_next(said("staff.answer_sent", code=code))
    await worker_of(standin).expect_next(said("worker.answer", code=code, answer=reply))
    assert bot.sync(drafts.load, "answer", STAFF_ID, STAFF_ID) is None


async def test_answer_command_preview_cancelled_sends_nothing(
    bot: RunningBot, standin: StandIn
) -> None:
    code, _ = await submitted(standin)
    member = standin.user(STAFF_ID, "李老师")
    await member.send_text(f"/answer {code} 写错了")
    await member.expect_next(said("staff.answer_preview", code=code, text="写错了"))
    await member.press(t("staff.btn_cancel", "zh"))
    await member.expect_next(said("staff.answer_cancelled"))
    stored = bot.sync(suggestions.get, code)
    assert stored is not None and stored.answer is None
    assert bot.sync(owed_to, WORKER_ID) == ["receipt"]


async def test_answer_command_without_text_starts_the_draft(
    bot: RunningBot, standin: StandIn
) -> None:
    code, _ = await submitted(standin)
    member = standin.user(STAFF_ID, "李老师")
    await member.send_text(f"/answer {code}")
    prompt = await member.expect_next(said("staff.answer_prompt", name="李老师", code=code))
    assert prompt.raw["reply_markup"]["force_reply"] is True
    await member.send_text("已转交城管部门")
    await member.expect_next(said("staff.answer_preview", code=code, text="已转交城管部门"))
    await member.send_text("/answer")
    await member.expect_next(said("staff.answer_usage"))


async def test_template_edited_before_sending_sends_the_edited_text(
    bot: RunningBot, standin: StandIn
) -> None:
    member = standin.user(STAFF_ID, "李老师")
    saved = "您好，已转交相关部门，请耐心等待。"
    await member.send_text(f"/template 已转交 | {saved}")
    await member.expect_next(said("staff.template_saved"))
    [(tid, _, _)] = bot.sync(staff.list)
    code, _ = await submitted(standin)
    sid = suggestion_id(bot, code)
    await member.send_text(f"/answer {code}")
    await member.expect_next(said("staff.answer_prompt", code=code))
    await member.expect_next(said("staff.answer_templates"))
    await member.press(data=f"sa:tpl:{sid}:{tid}")
    draft = await member.expect_next(said("staff.answer_preview", code=code, text=saved))
    assert draft.callback_data == [f"sa:send:{sid}", f"sa:x:{sid}"]
    edited = "您好，已转交交通组，三个工作日内答复。"
    await member.send_text(edited)
    await member.expect_next(said("staff.answer_preview", code=code, text=edited))
    await member.press(data=f"sa:send:{sid}")
    await member.expect_next(said("staff.answer_sent", code=code))
    await worker_of(standin).expect_next(said("worker.answer", code=code, answer=edited))
    stored = bot.sync(suggestions.get, code)
    assert stored is not None and stored.answer == edited


async def test_answer_command_and_blocked_worker(bot: RunningBot, standin: StandIn) -> None:
    code, _ = await submitted(standin)
    standin.block(WORKER_ID)
    member = standin.user(STAFF_ID, "李老师")
    await answer_by_command(member, code, "已转交交通部门处理")
    await member.expect_next(said("staff.answer_undelivered", code=code))
    stored = bot.sync(suggestions.get, code)
    assert stored is not None
    assert (stored.answer, stored.status) == ("已转交交通部门处理", Status.ANSWERED)
    await member.send_text(f"/view {code}")
    view = await member.expect_next(said("staff.new", code=code))
    assert said("staff.undelivered").search(view.content) and "blocked" in view.content


async def test_recategorize_stores_training_example_and_tells_worker_nothing(
    bot: RunningBot, standin: StandIn
) -> None:
    text = "小区保安不让骑手进，只能把电动车停在外面"
    code, _ = await submitted(standin, text)
    sid = suggestion_id(bot, code)
    group = staff_group(standin)
    member = staff_in_group(standin)
    await member.press(data=f"st:cat:{sid}")
    listing = await group.expect_next(code, keyboard_edits=True)  # the buttons: categories
    assert listing.method == "editMessageReplyMarkup"
    assert f"st:set:{sid}:traffic_access" in listing.callback_data
    assert listing.callback_data[-1] == f"st:back:{sid}"
    traffic = label("category", "traffic_access", "zh")
    answer = await member.press(traffic, wait_answer=True)
    assert answer.text is not None and said("staff.recategorized", name=traffic).search(answer.text)
    card = await group.expect_next(said("staff.category", name=traffic))
    assert card.edited and card.callback_data[0] == f"st:acc:{sid}"  # the card's own buttons
    stored = bot.sync(suggestions.get, code)
    assert stored is not None
    assert stored.category == "traffic_access" and not stored.needs_review
    assert (text, "traffic_access") in bot.sync(training.reviewed_examples)
    # the worker heard nothing and is owed nothing: the next thing in their chat is /my's
    assert bot.sync(owed_to, WORKER_ID) == ["receipt"]
    worker = worker_of(standin)
    await worker.send_text("/my")
    await worker.expect_next(said("my.header", total=1))


async def test_templates_saved_and_used(bot: RunningBot, standin: StandIn) -> None:
    member = standin.user(STAFF_ID, "李老师")
    saved = "您好，已转交相关部门，请耐心等待。"
    await member.send_text(f"/template 已转交 | {saved}")
    confirmation = await member.expect_next(said("staff.template_saved"))
    [(tid, name, text)] = bot.sync(staff.list)
    assert (name, text) == ("已转交", saved)
    assert said("staff.template_saved", id=tid).search(confirmation.content)
    await member.send_text("/templates")
    listing = await member.expect_next(said("staff.templates_list"))
    assert "已转交" in listing.content and saved in listing.content
    code, _ = await submitted(standin)
    sid = suggestion_id(bot, code)
    group = staff_group(standin)
    in_group = await start_answer(standin, sid, code)
    offer = await group.expect_next(said("staff.answer_templates"))
    assert offer.callback_data == [f"sa:tpl:{sid}:{tid}"]
    await in_group.press(data=f"sa:tpl:{sid}:{tid}")
    await group.expect_next(said("staff.answer_preview", code=code, text=saved))
    await in_group.press(data=f"sa:send:{sid}")
    await group.expect_next(said("staff.card", status=status_label(Status.ANSWERED)))
    await group.expect_next(said("staff.answer_sent", code=code))
    await worker_of(standin).expect_next(said("worker.answer", code=code, answer=saved))


async def test_follow_up_reopens_once(bot: RunningBot, standin: StandIn) -> None:
    code, _ = await submitted(standin)
    sid = suggestion_id(bot, code)
    member = standin.user(STAFF_ID, "李老师")
    await answer_by_command(member, code, "已处理")
    await member.expect_next(said("staff.answer_sent", code=code))
    worker = worker_of(standin)
    await worker.expect_next(said("worker.answer", code=code, answer="已处理"))
    await worker.forge_callback(f"fu:{sid}")  # the button of answers sent before ratings
    await worker.expect_next(said("worker.rate_ask"))  # offers the rating
    await worker.press(data=f"rt:{sid}:unsatisfied")
    await worker.expect_next(said("worker.rate_reason"))
    await worker.send_text("还是没人管")
    await worker.expect_next(said("worker.reopened", code=code))
    notice = await staff_group(standin).expect(code)
    while not said("staff.reopen_notice", code=code).search(notice.content):
        notice = await staff_group(standin).expect(code)  # (the card's edits come too)
    assert notice.callback_data[0] == f"st:acc:{sid}"  # staff can act on it at once
    stored = bot.sync(suggestions.get, code)
    assert stored is not None and stored.status == Status.IN_PROGRESS
    await worker.forge_callback(f"fu:{sid}")
    await worker.expect_next(said("worker.rate_already"))


async def test_staff_commands_look_unknown_to_workers(bot: RunningBot, standin: StandIn) -> None:
    code, _ = await submitted(standin)
    worker = worker_of(standin)
    for command in (f"/view {code}", "/inbox", f"/answer {code} hi", "/templates", "/nope"):
        await worker.send_text(command)
        await worker.expect_next(said("unknown_command"))
    stored = bot.sync(suggestions.get, code)
    assert stored is not None and stored.answer is None


async def test_inbox_pages_and_filters(bot: RunningBot, standin: StandIn) -> None:
    worker = worker_of(standin)
    codes = [await submit(worker, f"第{i}条：换电站排队太久") for i in range(6)]
    member = standin.user(STAFF_ID, "李老师")
    await member.send_text("/inbox")
    first = await member.expect_next(said("staff.inbox_header", total=6))
    assert codes[-1] in first.content and codes[0] not in first.content
    assert first.callback_data[-1] == "ib:q:1:-:-:-:-:own"
    await member.press(data="ib:q:1:-:-:-:-:own")
    second = await member.expect_next(said("staff.inbox_header", total=6))
    assert second.edited and codes[0] in second.content and codes[-1] not in second.content
    await member.send_text("/inbox adopted")
    await member.expect_next(said("staff.inbox_empty"))
    await member.send_text("/inbox 瞎写")
    await member.expect_next(said("staff.inbox_usage"))


async def test_view_shows_history(bot: RunningBot, standin: StandIn) -> None:
    code, _ = await submitted(standin)
    member = standin.user(STAFF_ID, "李老师")
    await answer_by_command(member, code, "收到")
    await member.expect_next(said("staff.answer_sent", code=code))
    await member.send_text(f"/view {code}")
    view = await member.expect_next(said("staff.history"))
    assert said("staff.answer_shown", answer="收到").search(view.content)
    history = said("staff.history").split(view.content)[-1]
    assert said("history.created").search(history)  # the events in words
    assert said("history.answered", text="收到").search(history)


async def test_delete_me_unlinks_suggestions(bot: RunningBot, standin: StandIn) -> None:
    worker = worker_of(standin)
    code = await submit(worker, "希望多建几个司机之家", anonymous=False)
    await worker.send_text("/delete_me")
    await worker.expect_next(said("delete.confirm"))
    await worker.press(data="dm:yes")
    await worker.expect_next(said("delete.done", count=1))
    stored = bot.sync(suggestions.get, code, with_events=True)
    assert stored is not None
    assert (stored.user_id, stored.chat_id, stored.contact_name, stored.anonymous) == (
        None, None, None, True,
    )  # fmt: skip
    assert all(e.actor_id != WORKER_ID for e in stored.events)
    assert bot.sync(users.get, WORKER_ID) is None
    await worker.send_text("/my")
    await worker.expect_next(said("my.empty"))


async def test_pending_answer_survives_restart(bot: RunningBot, standin: StandIn) -> None:
    code, _ = await submitted(standin)
    member = await start_answer(standin, suggestion_id(bot, code), code)
    await bot.restart()
    await member.send_text("重启后的答复")
    await staff_group(standin).expect_next(
        said("staff.answer_preview", code=code, text="重启后的答复")
    )


async def test_staff_help_lists_staff_commands(bot: RunningBot, standin: StandIn) -> None:
    member = standin.user(STAFF_ID)
    await member.send_text("/help")
    answer = await member.expect_next(said("help"))
    assert said("help.staff").search(answer.content)
    worker = worker_of(standin)
    await worker.send_text("/help")
    answer = await worker.expect_next(said("help"))
    assert not said("help.staff").search(answer.content)
