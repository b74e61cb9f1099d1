"""The 12345 loop end to end: a question becomes a case with a desk, a deadline and an
answer the worker rates; routing to desks and 转办; deadlines in working days across
holidays; the daily digest and escalation; every card of a case edited; Chinese filters."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.catalog import label
from bot.core.clock import ManualClock, naive_utc
from bot.core.dates import due_text
from bot.domain import Rating, Status
from bot.settings import Settings
from bot.storage import suggestions
from bot.storage.models import Event
from bot.storage.views import SuggestionView
from bot.telegram.app import daily
from knowledge import load_knowledge, sample_dir
from knowledge.proposals import accept, pending
from standin import BotMessage, FakeGroup, FakeUser, StandIn
from tests.botkit import RunningBot
from tests.conftest import STAFF_CHAT, STAFF_ID
from tests.harness import code_of, said

TZ = ZoneInfo("Asia/Shanghai")
LABOR_CHAT, TRAFFIC_CHAT, SUPERVISOR_CHAT = -100600, -100700, -100900
WORKER = 1001
QUESTION = "盘锦到沈阳的大巴几点有"  # no FAQ entry answers it
ROUTING = f"""\
# two desks with chats of their own, a supervisor, and the settings' chat for the rest
desks:
  - id: labor
    name: 劳动保障组
    chat: {LABOR_CHAT}
    supervisor: {SUPERVISOR_CHAT}
  - id: traffic
    name: 交通组
    chat: {TRAFFIC_CHAT}
    supervisor: {SUPERVISOR_CHAT}
  - id: general
    name: 综合组
    chat: staff
    supervisor: {SUPERVISOR_CHAT}
rules:
  - desk: traffic
    categories: [traffic_access]
    districts: [大洼区]
  - desk: labor
    categories: [labor_rights]
default: general
limits:
  question: 1
  suggestion: 5
  complaint: 10
"""
DAWA = (40.972034, 122.101581)  # a sample station in 大洼区
XINGLONGTAI = (41.119176, 122.072076)  # one in 兴隆台区


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=TZ)  # type: ignore[misc]


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """The sample knowledge with the routing file above (proposals are written here too)."""
    target = tmp_path / "kb"
    shutil.copytree(sample_dir(), target)
    (target / "routing.yaml").write_text(ROUTING, encoding="utf-8")
    return target


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(local(2026, 11, 30, 10, 0))  # a Monday


@pytest.fixture
async def desks_bot(
    bot_settings: Settings, kb_dir: Path, clock: ManualClock, standin: StandIn
) -> AsyncIterator[RunningBot]:
    for chat, title in ((LABOR_CHAT, "劳动保障组"), (TRAFFIC_CHAT, "交通组"),
                        (SUPERVISOR_CHAT, "督办")):  # fmt: skip
        standin.group(chat, title)
    running = RunningBot(bot_settings.with_values(knowledge_dir=kb_dir), clock=clock)
    await running.start()
    yield running
    await running.stop()


def member(standin: StandIn, chat: int) -> FakeUser:
    """The staff member, writing in a desk's chat."""
    return standin.user(STAFF_ID, "李老师").in_chat(standin.group(chat))


async def case_of(
    worker: FakeUser,
    text: str,
    category: str,
    place: tuple[float, float] | None = None,
    *,
    command: str = "/suggest",
    lang: str = "zh",
) -> str:
    """A suggestion (or what `command` starts) in `category` (picked from the list),
    placed at `place`; its code."""
    await worker.send_text(command)
    await worker.expect_next(said("suggest.ask_text", lang))
    await worker.send_text(text)
    sure, unsure = said("suggest.ask_category", lang), said("suggest.ask_category_unsure", lang)
    asked = await worker.expect_next(re.compile(f"(?:{sure.pattern})|(?:{unsure.pattern})", re.S))
    if f"sg:c:{category}" not in asked.callback_data:  # the whole list first
        await worker.press(data="sg:c:pick")
        await with_button(worker, f"sg:c:{category}")
    await worker.press(data=f"sg:c:{category}")
    asked = await worker.reply()
    if said("suggest.ask_worker", lang).search(asked.content):
        await worker.press(data="sg:w:rider")
        asked = await worker.expect_next(said("suggest.ask_location", lang))
    if place is None:
        await worker.send_text("跳过" if lang == "zh" else "skip")
    else:
        await worker.send_location(*place)
    await worker.expect_next(said("suggest.ask_identity", lang))
    await worker.press(data="sg:anon")
    await worker.expect_next(said("suggest.summary", lang))
    await worker.press(data="sg:confirm")
    return code_of(await worker.expect_next(said("suggest.receipt", lang)))


async def until(chat: FakeGroup | FakeUser, pattern: re.Pattern[str]) -> BotMessage:
    """Consume the chat's messages up to the first that matches (card edits may come
    before it, in an order that does not matter here)."""
    for _ in range(10):
        message = await chat.reply()
        if pattern.search(message.content):
            return message
    raise AssertionError(f"no message matching {pattern.pattern!r}")


async def with_button(chat: FakeGroup | FakeUser, data: str) -> BotMessage:
    """Consume the chat's messages up to the first that offers a button with `data`."""
    for _ in range(10):
        message = await chat.reply()
        if data in message.callback_data:
            return message
    raise AssertionError(f"no message with a button {data!r}")


async def card_in(group: FakeGroup, code: str) -> BotMessage:
    return await group.expect_next(said("staff.new", code=code))


def answer_now(bot: RunningBot, clock: ManualClock, ref: int | str) -> None:
    """Staff answer, at the bot's (injected) time: the outbox sends what is due by it."""
    bot.sync(suggestions.answer, ref, "已联系站点核实。", STAFF_ID, now=naive_utc(clock.now()))


def stored(bot: RunningBot, code: str) -> SuggestionView:
    view = bot.sync(suggestions.get, code, with_events=True)
    assert view is not None, code
    return view


# --- questions are cases --------------------------------------------------------------


async def test_a_question_goes_to_a_desk_is_answered_rated_and_becomes_faq(
    desks_bot: RunningBot, standin: StandIn, kb_dir: Path
) -> None:
    worker = standin.user(WORKER, "小王")
    await worker.send_text(QUESTION)
    await worker.expect_next(said("ask.unknown"))
    await worker.press(data="faq:-staff")
    due = due_text(date(2026, 12, 1), "zh")  # one working day after Monday
    code = code_of(await worker.expect_next(said("ask.passed", due=due)))
    assert code.startswith("NQ-20261130-")
    staff_chat = standin.group(STAFF_CHAT)
    card = await card_in(staff_chat, code)  # unrouted: the default desk, in the staff chat
    assert said("staff.case_line", kind=label("kind", "question", "zh"), desk="综合组",
                due=due).search(card.content)  # fmt: skip
    case = stored(desks_bot, code)
    assert (case.kind, case.desk, case.due_on) == ("question", "general", date(2026, 12, 1))

    staff = member(standin, STAFF_CHAT)  # /answer previews, then sends
    await staff.send_text(f"/answer {code} 客运站每天 6:30 到 17:00 每小时一班。")
    preview = await staff_chat.expect_next(said("staff.answer_preview"))
    await staff.press(data=preview.callback_data[0])
    answered = await worker.expect_next(said("worker.answer", code=code))
    assert answered.callback_data == [f"rt:{case.id}:{r}" for r in Rating]
    await worker.send_text("/my")
    mine = await worker.expect_next(said("my.header", total=1))
    assert code in mine.content and said("my.rate", code=code).search(mine.content) is None
    assert mine.callback_data == [f"fu:{case.id}"]  # "rate" in /my

    await worker.press(data=f"rt:{case.id}:satisfied")
    await worker.expect_next(said("worker.rated"))
    assert stored(desks_bot, code).rating == Rating.SATISFIED

    await staff.press(data=f"kb:{case.id}:pick")  # 📚: another phrasing, or a new entry
    choices = await with_button(staff_chat, f"kb:{case.id}:new")
    assert choices.callback_data[-1] == f"st:back:{case.id}"
    await staff.press(data=f"kb:{case.id}:new", wait_answer=True)
    [proposal] = pending(kb_dir)
    assert (proposal.question, proposal.case_code) == (QUESTION, code)
    comments = [line for line in (kb_dir / "faq.yaml").read_text("utf-8").splitlines()
                if line.lstrip().startswith("#")]  # fmt: skip
    result = accept(kb_dir, proposal.id)
    assert result.ok, result.problems
    text = (kb_dir / "faq.yaml").read_text("utf-8")
    assert all(line in text.splitlines() for line in comments)  # the file keeps its comments
    answer = load_knowledge(kb_dir).ask(QUESTION)
    assert answer.kind == "direct" and answer.entry is not None
    assert answer.entry.id == result.entry_id


# --- routing (派单) and 转办 ------------------------------------------------------------


async def test_cases_are_routed_by_category_and_district_and_reassigned(
    desks_bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(WORKER, "小王")
    labor = await case_of(worker, "站长乱罚款，超时一分钟扣五十块", "labor_rights")
    await card_in(standin.group(LABOR_CHAT), labor)
    road = await case_of(worker, "大洼这条路晚上没有路灯，电动车容易摔", "traffic_access", DAWA)
    await card_in(standin.group(TRAFFIC_CHAT), road)
    elsewhere = await case_of(worker, "兴隆台那条路晚上没有路灯", "traffic_access", XINGLONGTAI)
    await card_in(standin.group(STAFF_CHAT), elsewhere)  # not 大洼区: the default desk
    assert (stored(desks_bot, road).district, stored(desks_bot, elsewhere).district) == (
        "大洼区", "兴隆台区")  # fmt: skip

    staff = member(standin, LABOR_CHAT)
    await staff.send_text(f"/reassign {labor} 交通组 罚款发生在路口，交警处理")
    await standin.group(LABOR_CHAT).expect_next(said("staff.reassigned", code=labor,
                                                     desk="交通组"))  # fmt: skip
    moved = await card_in(standin.group(TRAFFIC_CHAT), labor)
    assert said("staff.case_line", desk="交通组").search(moved.content)
    case = stored(desks_bot, labor)
    assert case.desk == "traffic"
    assert [(e.kind, e.data.get("old"), e.data.get("new")) for e in case.events][-1] == (
        "reassigned", "labor", "traffic")  # fmt: skip
    old_card = await standin.group(LABOR_CHAT).expect_next(said("staff.new", code=labor))
    assert old_card.edited and said("staff.case_line", desk="交通组").search(old_card.content)
    await staff.send_text(f"/reassign {labor} 不存在的组 原因")
    await standin.group(LABOR_CHAT).expect_next(said("staff.reassign_usage"))


async def test_inbox_in_a_desks_chat_lists_its_cases_and_takes_chinese_names(
    desks_bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(WORKER, "小王")
    labor = await case_of(worker, "站长乱罚款，超时一分钟扣五十块", "labor_rights")
    road = await case_of(worker, "大洼这条路晚上没有路灯，电动车容易摔", "traffic_access", DAWA)
    staff, chat = member(standin, LABOR_CHAT), standin.group(LABOR_CHAT)
    await chat.expect_next(said("staff.new", code=labor))
    await staff.send_text("/inbox")
    own = await chat.expect_next(said("staff.inbox_header", total=1))
    assert labor in own.content and road not in own.content
    await staff.send_text("/inbox 全部 交通与通行")
    other = await chat.expect_next(said("staff.inbox_header", total=1))
    assert road in other.content and labor not in other.content
    await staff.send_text("/inbox 待受理 劳动权益保障 建议")
    await chat.expect_next(said("staff.inbox_header", total=1))
    await staff.send_text("/inbox 已答复")
    await chat.expect_next(said("staff.inbox_empty"))
    await staff.send_text("/inbox 不知道")
    await chat.expect_next(said("staff.inbox_usage", bad="不知道"))


# --- time limits (限时办结) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("now", "kind", "due"),
    [
        # Tuesday before National Day (Oct 1-7 off; Sat Oct 10 a make-up workday):
        # Sep 30, Oct 8, Oct 9, Oct 10 (Saturday, worked), Oct 12
        (local(2026, 9, 29, 10, 0), "suggestion", date(2026, 10, 12)),
        # a question on the last day before the holiday: the first day after it
        (local(2026, 9, 30, 18, 0), "question", date(2026, 10, 8)),
        # a Friday: the weekend does not count
        (local(2026, 11, 27, 10, 0), "suggestion", date(2026, 12, 4)),
    ],
)
async def test_the_receipt_gives_the_due_date_in_working_days(
    desks_bot: RunningBot, standin: StandIn, clock: ManualClock, now: datetime, kind: str,
    due: date,
) -> None:  # fmt: skip
    clock.set(now)
    worker = standin.user(WORKER, "小王")
    if kind == "question":
        await worker.send_text(QUESTION)
        await worker.expect_next(said("ask.unknown"))
        await worker.press(data="faq:-staff")
        code = code_of(await worker.expect_next(said("ask.passed", due=due_text(due, "zh"))))
    else:
        code = await case_of(worker, "站长乱罚款，超时一分钟扣五十块", "labor_rights")
        receipt = worker.history[-1]
        assert said("suggest.receipt", code=code, due=due_text(due, "zh")).search(receipt.content)
    assert stored(desks_bot, code).due_on == due


async def test_the_daily_digest_lists_due_cases_and_escalates_overdue_once(
    desks_bot: RunningBot, standin: StandIn, clock: ManualClock
) -> None:
    worker = standin.user(WORKER, "小王")
    late = await case_of(worker, "站长乱罚款，超时一分钟扣五十块", "labor_rights")
    clock.set(local(2026, 12, 4, 10, 0))  # Friday: due today (5 working days)
    today = await case_of(worker, "站长又扣钱了，说我态度不好", "labor_rights")  # due Dec 11
    clock.set(local(2026, 12, 8, 9, 0))  # Tuesday: `late` is overdue (was due Dec 7)
    chat = standin.group(LABOR_CHAT)
    await chat.expect_next(said("staff.new", code=late))
    await chat.expect_next(said("staff.new", code=today))
    await daily(desks_bot.app)
    digest = await chat.expect_next(said("staff.digest", desk="劳动保障组", overdue=1))
    assert late in digest.content and today not in digest.content  # not due yet
    escalated = await standin.group(SUPERVISOR_CHAT).expect_next(
        said("staff.escalation", code=late, desk="劳动保障组"))  # fmt: skip
    assert escalated.callback_data  # with the staff buttons
    await daily(desks_bot.app)  # the next morning's run: listed again, never escalated twice
    await chat.expect_next(said("staff.digest", overdue=1))
    await desks_bot.flush_outbox()
    assert [e.kind for e in stored(desks_bot, late).events].count("escalated") == 1
    assert standin.group(SUPERVISOR_CHAT).history[-1] is escalated


async def test_an_extension_moves_the_deadline_once_and_tells_the_worker(
    desks_bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(WORKER, "小王")
    code = await case_of(worker, "站长乱罚款，超时一分钟扣五十块", "labor_rights")
    staff, chat = member(standin, LABOR_CHAT), standin.group(LABOR_CHAT)
    await chat.expect_next(said("staff.new", code=code))
    await staff.send_text(f"/extend {code} 3 需要调取平台记录")
    new_due = due_text(date(2026, 12, 10), "zh")  # Dec 7 + 3 working days
    await chat.expect_next(said("staff.extended", code=code, due=new_due))
    await worker.expect_next(said("worker.extended", code=code, due=new_due))
    card = await chat.expect_next(said("staff.case_line", due=new_due))  # the card follows
    assert card.edited
    await staff.send_text(f"/extend {code} 3 再延一次")
    await chat.expect_next(said("staff.extend_once", code=code))


# --- rating (回访评价) -------------------------------------------------------------------


async def test_unsatisfied_with_a_reason_reopens_the_case_to_its_desk(
    desks_bot: RunningBot, standin: StandIn, clock: ManualClock
) -> None:
    worker = standin.user(WORKER, "小王")
    code = await case_of(worker, "站长乱罚款，超时一分钟扣五十块", "labor_rights")
    case = stored(desks_bot, code)
    answer_now(desks_bot, clock, case.id)
    await desks_bot.flush_outbox()
    await worker.expect_next(said("worker.answer", code=code))
    await worker.press(data=f"rt:{case.id}:unsatisfied")
    await worker.expect_next(said("worker.rate_reason"))
    await worker.send_text("还是在扣钱，没有人来问过我")
    await worker.expect_next(said("worker.reopened", code=code))
    chat = standin.group(LABOR_CHAT)
    await chat.expect_next(said("staff.new", code=code))  # its card from submission
    notice = await until(chat, said("staff.reopen_notice", code=code, times=1,
                                    reason="还是在扣钱，没有人来问过我"))  # fmt: skip
    assert notice.callback_data
    reopened = stored(desks_bot, code)
    assert (reopened.status, reopened.reopened, reopened.rating) == (
        Status.IN_PROGRESS, 1, Rating.UNSATISFIED)  # fmt: skip
    assert [e.kind for e in reopened.events][-2:] == ["rated", "reopened"]


# --- every card of a case ------------------------------------------------------------


async def test_every_card_of_a_case_is_edited_when_it_changes(
    desks_bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(WORKER, "小王")
    code = await case_of(worker, "站长乱罚款，超时一分钟扣五十块", "labor_rights")
    chat = standin.group(LABOR_CHAT)
    announced = await chat.expect_next(said("staff.new", code=code))
    private = standin.user(STAFF_ID, "李老师")
    await private.send_text(f"/view {code}")
    await private.expect_next(said("staff.new", code=code))
    received = label("status", Status.RECEIVED, "zh")
    await private.press(data=f"st:acc:{stored(desks_bot, code).id}")
    await private.expect_next(said("staff.card", status=received))  # the copy pressed
    await desks_bot.flush_outbox()
    edited = await chat.expect_next(said("staff.card", status=received))
    assert edited.edited and edited.message_id == announced.message_id
    rows = desks_bot.sync(lambda s: s.scalars(select(Event.kind)).all())
    assert "status_changed" in rows


async def test_answers_follow_the_language_the_worker_uses_now(
    desks_bot: RunningBot, standin: StandIn, clock: ManualClock
) -> None:
    """Written in English, switched back to 中文: the answer comes in Chinese."""
    worker = standin.user(WORKER, "小王")
    await worker.send_text("/language")
    await worker.expect_next(said("language.set", "en"))
    code = await case_of(worker, "The station fines riders for every late minute", "labor_rights",
                         lang="en")  # fmt: skip
    assert stored(desks_bot, code).language == "en"
    await worker.send_text("/language")
    await worker.expect_next(said("language.set", "zh"))
    answer_now(desks_bot, clock, code)
    await desks_bot.flush_outbox()
    await worker.expect_next(said("worker.answer", "zh", code=code))


async def test_a_complaint_has_its_own_time_limit(desks_bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(WORKER, "小王")
    code = await case_of(worker, "站长当众辱骂骑手，还扣了押金不退", "labor_rights",
                         command="/complain")  # fmt: skip
    receipt = worker.history[-1]
    due = due_text(date(2026, 12, 14), "zh")  # ten working days after Monday Nov 30
    assert said("suggest.receipt", kind=label("kind", "complaint", "zh"), due=due).search(
        receipt.content)  # fmt: skip
    assert stored(desks_bot, code).kind == "complaint"


async def test_an_unrated_answer_gets_one_reminder_after_three_days(
    desks_bot: RunningBot, standin: StandIn, clock: ManualClock
) -> None:
    worker = standin.user(WORKER, "小王")
    code = await case_of(worker, "站长乱罚款，超时一分钟扣五十块", "labor_rights")
    answer_now(desks_bot, clock, code)
    await desks_bot.flush_outbox()
    await worker.expect_next(said("worker.answer", code=code))
    clock.set(local(2026, 12, 2, 9, 0))  # two days: too soon
    await daily(desks_bot.app)
    await desks_bot.flush_outbox()
    clock.set(local(2026, 12, 4, 9, 0))  # past three days
    await daily(desks_bot.app)
    await desks_bot.flush_outbox()
    reminder = await worker.expect_next(said("worker.rate_reminder", code=code))
    assert [d.rsplit(":", 1)[-1] for d in reminder.callback_data] == list(Rating)
    clock.set(local(2026, 12, 8, 9, 0))  # never a second one
    await daily(desks_bot.app)
    await desks_bot.flush_outbox()
    await worker.send_text("/my")
    await worker.expect_next(said("my.header"))
