"""Hostile and strange input: each gets a specific answer and nothing breaks."""

from __future__ import annotations

from sqlalchemy import text

from bot.catalog import t
from bot.storage import drafts, suggestions
from standin import StandIn
from standin.user import ChatView
from tests.botkit import RunningBot
from tests.conftest import STAFF_CHAT, STAFF_ID
from tests.harness import CATEGORY_QUESTION, PNG, at_text_step, said, submit

SENT_AT = 1_700_000_000  # a message's date (Unix time) in hand-made updates


def draft_data(bot: RunningBot) -> dict[str, object]:
    """The stored answers of worker 1001's suggestion draft."""
    stored = bot.sync(drafts.load, "suggest", 1001, 1001)
    assert stored is not None
    return dict(stored.data)


async def test_longest_telegram_text_is_refused_not_cut(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_text("长" * 4096)
    await worker.expect_next(said("suggest.too_long", count=4096, limit=3000))
    assert draft_data(bot)["text"] is None


async def test_longest_caption_is_taken_with_its_photo(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_photo(PNG, caption="图" * 1024)
    await worker.expect_next(said("suggest.ask_more", count=1024))  # long: more may follow
    stored = draft_data(bot)
    assert stored["text"] == "图" * 1024
    assert isinstance(stored["photos"], list) and len(stored["photos"]) == 1


async def test_caption_over_the_total_is_refused_with_its_photo(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_text("罚" * 2500)
    await worker.expect_next(said("suggest.ask_more", count=2500))
    await worker.send_photo(PNG, caption="图" * 1024)
    await worker.expect_next(said("suggest.too_long_more", count=3525, limit=3000))
    stored = draft_data(bot)  # refused whole: sending it again shorter adds no second copy
    assert stored["text"] == "罚" * 2500 and stored["photos"] == []
    await worker.send_photo(PNG, caption="图" * 400)
    await worker.expect_next(said("suggest.ask_more"))
    assert len(draft_data(bot)["photos"]) == 1


async def test_sql_looking_text_is_stored_verbatim(bot: RunningBot, standin: StandIn) -> None:
    body = "'); DROP TABLE suggestions; -- 站长 OR 1=1"
    code = await submit(standin.user(1001), body)
    stored = bot.sync(suggestions.get, code)
    assert stored is not None and stored.text == body
    with bot.db.session() as s:  # the table is still there, with the one row
        assert s.execute(text("SELECT count(*) FROM suggestions")).scalar_one() == 1


async def test_markdown_and_rtl_in_text(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_text("*罚款* _太多_ [点这里](http://x.example) \u202e反转")
    await worker.expect_next(CATEGORY_QUESTION)
    assert draft_data(bot)["text"] == "*罚款* _太多_ [点这里](http://x.example) 反转"


async def test_updates_without_a_user_edits_and_inline_queries_are_ignored(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    channel = ChatView(
        standin.state,
        standin.state.add_chat({"id": -1001234567, "type": "channel", "title": "频道"}),
    )
    private = {"id": 1001, "type": "private", "first_name": worker.user["first_name"]}
    post = {"message_id": 1, "chat": channel.chat.info, "date": SENT_AT, "text": "站长天天罚款"}
    edit = {"message_id": 1, "from": worker.user, "chat": private, "date": SENT_AT,
            "edit_date": SENT_AT + 1, "text": "/my",
            "entities": [{"type": "bot_command", "offset": 0, "length": 3}]}  # fmt: skip
    query = {"id": "iq-1", "from": worker.user, "query": "罚款", "offset": ""}
    standin.state.push_update("channel_post", post)  # no user at all
    standin.state.push_update("edited_message", edit)
    standin.state.push_update("inline_query", query)
    await worker.send_text("驿站晚上九点就关门，夜班骑手没地方歇")
    # strict: no answer to the updates above came first, and the step took the real text
    await worker.expect_next(CATEGORY_QUESTION)
    assert draft_data(bot)["text"] == "驿站晚上九点就关门，夜班骑手没地方歇"
    await worker.send_text("/help")  # one more round trip: by now every update was read
    await worker.expect_next(said("help"))
    assert channel.history == []


async def test_forged_follow_up_on_someone_elses_suggestion(
    bot: RunningBot, standin: StandIn
) -> None:
    code = await submit(standin.user(1001), "别人的建议")
    victim = bot.sync(suggestions.get, code)
    assert victim is not None
    staff = standin.user(STAFF_ID)
    await staff.send_text(f"/answer {code} 已处理")
    await staff.expect_next(said("staff.answer_preview", code=code))
    await staff.press(t("staff.btn_send", "zh"))
    await staff.expect_next(said("staff.answer_sent", code=code))
    attacker = standin.user(1002)
    await attacker.forge_callback(f"fu:{victim.id}")
    await attacker.expect_next(said("button.refused"))
    after = bot.sync(suggestions.get, code)
    assert after is not None and after.status == "answered" and not after.followed_up


async def test_forged_staff_buttons_from_a_worker(bot: RunningBot, standin: StandIn) -> None:
    code = await submit(standin.user(1001), "驿站的门坏了")
    before = bot.sync(suggestions.get, code)
    assert before is not None
    sid = before.id
    attacker = standin.user(1002)
    for data in (f"st:ado:{sid}", f"st:set:{sid}:other", f"sa:send:{sid}", f"st:ans:{sid}"):
        press = await attacker.forge_callback(data)
        answer = await press.answer()
        assert answer.show_alert and said("staff.refused").search(answer.text or ""), data
    stored = bot.sync(suggestions.get, code)
    assert stored is not None
    assert (stored.status, stored.answer) == ("submitted", None)
    assert stored.category == before.category != "other"  # st:set:...:other was refused


async def test_forged_garbage_button(bot: RunningBot, standin: StandIn) -> None:
    press = await standin.user(1001).forge_callback("';--<script>")
    assert said("button.expired").search((await press.answer()).text or "")


async def test_giant_image_file_where_a_photo_was_expected(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_document(b"\xff\xd8" + b"0" * (11 * 1024 * 1024), "big.jpg", "image/jpeg")
    await worker.expect_next(said("suggest.image_too_big", mb=10))
    assert draft_data(bot)["photos"] == []


async def test_staff_chat_escapes_everything_the_worker_wrote(
    bot: RunningBot, standin: StandIn
) -> None:
    body = "<a href='x'>点我</a> & <b>未闭合"
    code = await submit(standin.user(1001), body)
    notice = await standin.group(STAFF_CHAT).expect_next(said("staff.new", code=code))
    assert body in notice.content
