"""/delete_me end to end: after erasure no table holds anything that leads back to the
worker (their id, username, names, phone), their own words are masked in what they wrote
like the masked export masks them, and that export shows no more than before."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.catalog import labels, t
from bot.domain import category_ids
from bot.export import ExportFilter, ExportOptions
from bot.export.mask import mask_text
from bot.export.query import Record, iter_records
from bot.storage import Database, suggestions
from bot.storage.models import Base
from standin import FakeUser, StandIn
from tests.botkit import RunningBot
from tests.conftest import STAFF_CHAT, STAFF_ID
from tests.harness import CATEGORY_QUESTION, at_text_step, code_of, said, to_location

WORKER = 5550123456
FIRST, LAST, USERNAME = "王小明", "Wang", "wang_xm_88"
PHONE, LOCAL_PHONE = "+8613912345678", "13912345678"
TEXT = (
    f"我是王小明（@{USERNAME}，微信 {USERNAME}），电话{LOCAL_PHONE}，站长天天罚款，超时一分钟扣五十"
)
PLACE = f"王小明家楼下，兴隆台区，有事打{LOCAL_PHONE}"
ANSWER = f"王小明您好，已联系站长，请保持{LOCAL_PHONE}畅通"
QUESTION = f"我是王小明，今天股票涨了吗？{LOCAL_PHONE}"
IDENTIFIERS = (
    str(WORKER), USERNAME, FIRST, LAST, f"{FIRST} {LAST}", PHONE, PHONE[1:], LOCAL_PHONE,
)  # fmt: skip


def every_cell(db: Database) -> list[str]:
    """Every cell of every table, as text."""
    with db.session() as s:
        return [str(cell) for table in Base.metadata.sorted_tables
                for row in s.execute(select(table)) for cell in row]  # fmt: skip


def masked_export(db: Database) -> list[Record]:
    names = labels("category", category_ids(), "zh")
    options = ExportOptions("csv", ZoneInfo("Asia/Shanghai"), names)
    return list(iter_records(db, ExportFilter(), options))


async def named_suggestion(worker: FakeUser) -> str:
    """A named suggestion with the worker's name and phone in its text and place."""
    await to_location(worker, TEXT)
    await worker.send_text(PLACE)
    await worker.expect_next(said("suggest.noted"))
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:named")
    await worker.expect_next(said("suggest.ask_phone"))
    await worker.send_contact(PHONE)
    await worker.expect_next(said("suggest.summary"))
    await worker.press(data="sg:confirm")
    return code_of(await worker.expect_next(said("suggest.receipt")))


async def answered_and_relabelled(bot: RunningBot, standin: StandIn, code: str) -> None:
    """Staff answer, quoting the worker's name and phone, and correct the category (a
    training copy of the text)."""
    await standin.group(STAFF_CHAT).expect_next(said("staff.new", code=code))
    member = standin.user(STAFF_ID, "李老师")
    await member.send_text(f"/answer {code} {ANSWER}")
    await member.expect_next(said("staff.answer_preview", code=code))
    await member.press(t("staff.btn_send", "zh"))
    await member.expect_next(said("staff.answer_sent", code=code))
    await standin.user(WORKER).expect_next(said("worker.answer", code=code, answer=ANSWER))
    bot.sync(suggestions.recategorize, code, "labor_rights", STAFF_ID)


async def question_to_staff(worker: FakeUser, standin: StandIn) -> None:
    await worker.send_text(QUESTION)
    await worker.expect_next(said("ask.unknown"))
    await worker.press(data="faq:-staff")
    code = code_of(await worker.expect_next(said("ask.passed")))
    card = await standin.group(STAFF_CHAT).expect(code)  # (after the edits of other cards)
    assert said("staff.new", code=code, text=mask_text(QUESTION)).search(card.content)


async def test_erasure_leaves_no_identifier_in_any_table(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(WORKER, FIRST, username=USERNAME, last_name=LAST)
    code = await named_suggestion(worker)
    await answered_and_relabelled(bot, standin, code)
    await question_to_staff(worker, standin)
    await at_text_step(worker)  # an unfinished suggestion, left for /delete_me
    await worker.send_text(f"王小明又来了，电话{LOCAL_PHONE}，驿站晚上不让进")
    await worker.expect_next(CATEGORY_QUESTION)
    before = masked_export(bot.db)
    assert any(word in cell for cell in every_cell(bot.db) for word in IDENTIFIERS)

    await worker.send_text("/delete_me")
    await worker.expect_next(said("suggest.interrupted"))
    await worker.press(data="cv:leave")
    await worker.expect_next(said("suggest.parked"))
    await worker.expect_next(said("delete.confirm"))
    await worker.press(data="dm:yes")
    await worker.expect_next(said("delete.done", count=2))  # the suggestion, the question

    leaks = [(word, cell) for cell in every_cell(bot.db) for word in IDENTIFIERS if word in cell]
    assert leaks == []
    stored = bot.sync(suggestions.get, code)
    assert stored is not None and (stored.category, stored.status) == ("labor_rights", "answered")
    assert stored.text.startswith("我是王**（@") and "电话139****5678，站长天天罚款" in stored.text
    # the masked export: the same rows, and no more shown than before (a bare username,
    # which the export does not know of, is masked now too)
    after = masked_export(bot.db)
    assert [r._replace(text="") for r in after] == [r._replace(text="") for r in before]
    masked_username = USERNAME[0] + "*" * (len(USERNAME) - 1)
    assert [r.text for r in after] == [r.text.replace(USERNAME, masked_username) for r in before]
    assert "我是王**" in before[0].text and after[0].place == before[0].place == (
        "王**家楼下，兴隆台区，有事打139****5678"
    )  # fmt: skip
