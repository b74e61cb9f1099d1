"""Hostile and strange input: each gets a specific answer and nothing breaks."""

from __future__ import annotations

import re

from sqlalchemy import text

from bot.standin import StandIn
from tests.botkit import RunningBot, walk_to_summary
from tests.conftest import STAFF_CHAT, STAFF_ID

CODE = re.compile(r"NX-\d{8}-\d{4,}")
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


async def at_text_step(standin: StandIn, user_id: int = 1001):
    worker = standin.user(user_id)
    await worker.send_text("/suggest")
    await worker.expect("请说说")
    return worker


async def submitted(standin: StandIn, user_id: int, body: str) -> str:
    worker = standin.user(user_id)
    await walk_to_summary(worker, body)
    await worker.press("确认提交")
    return CODE.search((await worker.expect("已收到")).content).group(0)


async def test_longest_telegram_text_is_refused_not_cut(bot: RunningBot, standin: StandIn) -> None:
    worker = await at_text_step(standin)
    await worker.send_text("长" * 4096)
    answer = await worker.expect("超过了 1000 字")
    assert "4096" in answer.content
    assert "text" not in bot.store.load_draft("suggest", 1001, 1001).data


async def test_longest_caption_keeps_the_photo(bot: RunningBot, standin: StandIn) -> None:
    worker = await at_text_step(standin)
    await worker.send_photo(PNG, caption="图" * 1024)
    await worker.expect("超过了 1000 字")
    assert len(bot.store.load_draft("suggest", 1001, 1001).data["photos"]) == 1


async def test_sql_looking_text_is_stored_verbatim(bot: RunningBot, standin: StandIn) -> None:
    body = "'); DROP TABLE suggestions; -- 站长 OR 1=1"
    code = await submitted(standin, 1001, body)
    assert bot.store.get_suggestion(code).text == body
    with bot.store.session() as s:
        assert s.execute(text("SELECT count(*) FROM suggestions")).scalar_one() == 1


async def test_markdown_and_rtl_in_text(bot: RunningBot, standin: StandIn) -> None:
    worker = await at_text_step(standin)
    await worker.send_text("*罚款* _太多_ [点这里](http://x.example) \u202e反转")
    summary = await worker.reply()
    assert "做什么工作" in summary.content
    draft = bot.store.load_draft("suggest", 1001, 1001).data
    assert draft["text"] == "*罚款* _太多_ [点这里](http://x.example) 反转"


async def test_forged_follow_up_on_someone_elses_suggestion(
    bot: RunningBot, standin: StandIn
) -> None:
    code = await submitted(standin, 1001, "别人的建议")
    victim = bot.store.get_suggestion(code)
    await standin.user(STAFF_ID).send_text(f"/answer {code} 已处理")
    await standin.user(STAFF_ID).expect("答复")
    attacker = standin.user(1002)
    await attacker.forge_callback(f"fu:{victim.id}")
    await attacker.expect("不能用")
    assert bot.store.get_suggestion(code).status == "answered"


async def test_forged_staff_buttons_from_a_worker(bot: RunningBot, standin: StandIn) -> None:
    code = await submitted(standin, 1001, "驿站的门坏了")
    before = bot.store.get_suggestion(code)
    sid = before.id
    attacker = standin.user(1002)
    for data in (f"st:ado:{sid}", f"st:set:{sid}:other", f"sa:send:{sid}", f"st:ans:{sid}"):
        press = await attacker.forge_callback(data)
        answer = await press.answer()
        assert answer.show_alert and "只有工作人员" in answer.text
    stored = bot.store.get_suggestion(code)
    assert (stored.status, stored.answer) == ("submitted", None)
    assert stored.category == before.category != "other"  # st:set:...:other was refused


async def test_forged_garbage_button(bot: RunningBot, standin: StandIn) -> None:
    press = await standin.user(1001).forge_callback("';--<script>")
    assert "失效" in (await press.answer()).text


async def test_giant_image_file_where_a_photo_was_expected(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = await at_text_step(standin)
    await worker.send_document(b"\xff\xd8" + b"0" * (11 * 1024 * 1024), "big.jpg", "image/jpeg")
    await worker.expect("文件太大了")
    assert bot.store.load_draft("suggest", 1001, 1001).data["photos"] == []


async def test_staff_chat_escapes_everything_the_worker_wrote(
    bot: RunningBot, standin: StandIn
) -> None:
    body = "<a href='x'>点我</a> & <b>未闭合"
    code = await submitted(standin, 1001, body)
    notice = await standin.group(STAFF_CHAT).expect(code)
    assert body in notice.content
