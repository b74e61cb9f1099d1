"""Typed text that is not a question (greeting, thanks, goodbye, complaint, suggestion, report,
stations, a person), found before the FAQ: end to end through the stand-in, on the phrase
matcher itself, on the labelled rider messages, and in `kb check`."""

from __future__ import annotations

import functools
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.catalog import t
from bot.core import buttons as b
from bot.core.actions import Button
from bot.core.menu import main_menu
from bot.domain import Kind
from bot.settings import Settings
from bot.storage.models import Suggestion
from knowledge import KnowledgeBase, KnowledgeError, load_knowledge, sample_dir
from knowledge.intents import Found, Intent, Labelled, evaluate, read_intents
from standin import BotMessage, FakeUser, StandIn
from tests.botkit import RunningBot
from tests.conftest import ADMIN_ID
from tests.harness import CATEGORY_QUESTION, code_of, past_text, said

RIDERS = Path(__file__).parent / "data" / "knowledge" / "riders.yaml"
MAX_QUESTIONS_CAUGHT = 2  # of the 184 tuning questions, at most this many taken for an intent
MENU_DATA = [button.data for row in main_menu("zh").rows for button in row
             if isinstance(button, Button)]  # fmt: skip


@functools.cache
def sample() -> KnowledgeBase:
    return load_knowledge(sample_dir())


def cases(s: Session) -> list[tuple[str, str]]:
    """(kind, text) of every case, oldest first."""
    rows = s.execute(select(Suggestion.kind, Suggestion.text).order_by(Suggestion.id))
    return [(kind, text) for kind, text in rows]


def faq_reply(text: str) -> re.Pattern[str] | str:
    """What the FAQ says to ``text`` (a direct answer, three choices, or the offer to ask staff)."""
    answer = load_knowledge(sample_dir()).ask(text)  # as the bot loaded it (not cached)
    if answer.kind == "direct" and answer.entry is not None:
        return answer.entry.answer
    return said("ask.choices" if answer.kind == "choices" else "ask.unknown")


async def to_summary(worker: FakeUser) -> BotMessage:
    """From the question after the text: category, kind of work, place skipped, anonymous."""
    await past_text(worker)
    await worker.send_text("跳过")
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:anon")
    return await worker.expect_next(said("suggest.summary"))


# --- end to end ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [("你好", "intent.greeting"), ("在吗？", "intent.greeting"), ("谢谢！！😊", "intent.thanks"),
     ("谢了兄弟", "intent.thanks"), ("拜拜 去跑单了", "intent.goodbye"),
     ("好的知道了先这样", "intent.goodbye")],
)  # fmt: skip
async def test_greeting_thanks_goodbye_get_a_line_and_the_menu(
    bot: RunningBot, standin: StandIn, text: str, key: str
) -> None:
    worker = standin.user(1001)
    await worker.send_text(text)
    reply = await worker.expect_next(said(key))
    assert reply.callback_data == MENU_DATA


@pytest.mark.parametrize("typed", ["😀😀😀", "？？", "👍"])
async def test_emoji_or_symbols_alone_get_a_hint_and_the_menu_not_staff(
    bot: RunningBot, standin: StandIn, typed: str
) -> None:
    worker = standin.user(5301, "小王")
    await worker.send_text(typed)
    reply = await worker.expect_next(said("ask.no_words"))
    assert reply.callback_data == MENU_DATA


async def test_complaint_with_what_happened_starts_with_it_as_the_text(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await worker.send_text("我想投诉，小区保安不让骑手进去送餐")
    offer = await worker.expect_next(said("intent.with_text", text="小区保安不让骑手进去送餐"))
    assert offer.callback_data == ["in:case:complaint"]
    await worker.press(data="in:case:complaint")
    summary = await to_summary(worker)  # the text step was passed: its answer was there
    assert "小区保安不让骑手进去送餐" in summary.content
    await worker.press(data="sg:confirm")
    code_of(await worker.expect_next(said("suggest.receipt")))
    assert bot.sync(cases) == [(Kind.COMPLAINT, "小区保安不让骑手进去送餐")]


async def test_report_with_content_after_it_reaches_the_next_step(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await worker.send_text("举报 路口红绿灯坏了三天了")
    await worker.expect_next(said("intent.with_text", text="路口红绿灯坏了三天了"))
    await worker.press(data="in:case:suggestion")
    await worker.expect_next(CATEGORY_QUESTION)


async def test_complaint_said_after_what_happened(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("站长乱扣钱我要投诉")
    await worker.expect_next(said("intent.with_text", text="站长乱扣钱"))


@pytest.mark.parametrize(
    ("text", "key", "data"),
    [("我要提建议", "intent.suggest", "in:case:suggestion"),
     ("我要反映问题", "intent.report", "in:case:suggestion"),
     ("我想投诉！", "intent.complain", "in:case:complaint")],
)  # fmt: skip
async def test_plain_intent_button_asks_for_the_text(
    bot: RunningBot, standin: StandIn, text: str, key: str, data: str
) -> None:
    worker = standin.user(1001)
    await worker.send_text(text)
    offer = await worker.expect_next(said(key))
    assert offer.callback_data == [data]
    await worker.press(data=data)
    await worker.expect_next(said("suggest.ask_text"))


async def test_too_little_with_the_phrase_is_not_kept(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("我要投诉他")
    await worker.expect_next(said("intent.complain"))
    await worker.press(data="in:case:complaint")
    await worker.expect_next(said("suggest.ask_text"))


async def test_the_text_waits_in_memory_only(bot: RunningBot, standin: StandIn) -> None:
    """After a restart the button still starts the draft, at its first question: what was
    typed with it was kept in memory only (like an unanswered question)."""
    worker = standin.user(1001)
    await worker.send_text("我想投诉 小区保安不让骑手进去送餐")
    await worker.expect_next(said("intent.with_text"))
    await bot.restart()
    await worker.press(data="in:case:complaint")
    await worker.expect_next(said("suggest.ask_text"))


async def test_a_newer_offer_replaces_the_text_kept(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("我想投诉 小区保安不让骑手进去送餐")
    await worker.expect_next(said("intent.with_text"))
    await worker.send_text("我要提建议")
    await worker.expect_next(said("intent.suggest"))
    await worker.press(data="in:case:suggestion")
    await worker.expect_next(said("suggest.ask_text"))


@pytest.mark.parametrize(
    "text", ["你好 电动车在哪充电", "投诉电话是多少", "顾客威胁说要投诉我", "附近驿站几点开门"]
)
async def test_intent_words_with_a_question_are_answered_as_questions(
    bot: RunningBot, standin: StandIn, text: str
) -> None:
    worker = standin.user(1001)
    await worker.send_text(text)
    await worker.expect_next(faq_reply(text))


async def test_stations_without_a_place_asks_for_one(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("附近驿站")
    await worker.expect_next(said("stations.ask"))


async def test_person_without_a_question_asks_for_it(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("转人工")
    reply = await worker.expect_next(said("intent.person_ask"))
    assert reply.callback_data == []


async def test_person_after_an_unanswered_question_passes_it_on(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await worker.send_text("今天股票涨了吗")
    await worker.expect_next(said("ask.unknown"))
    await worker.send_text("找个真人")
    offer = await worker.expect_next(said("intent.person_pass", question="今天股票涨了吗"))
    assert offer.callback_data == ["faq:-staff", "faq:-no"]
    await worker.press(data="faq:-staff")
    await worker.expect_next(said("ask.passed"))
    assert bot.sync(cases) == [(Kind.QUESTION, "今天股票涨了吗")]


async def test_yes_to_the_offer_to_ask_staff_is_not_thanks(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await worker.send_text("今天股票涨了吗")
    await worker.expect_next(said("ask.unknown"))
    await worker.send_text("好的")
    await worker.expect_next(said("ask.passed"))


async def test_english_phrases_in_english(bot: RunningBot, standin: StandIn) -> None:
    sam = standin.user(1002, "Sam", language_code="en")
    await sam.send_text("Hello!")
    await sam.expect_next(said("intent.greeting", "en"))
    await sam.send_text("thank you so much")
    await sam.expect_next(said("intent.thanks", "en"))
    await sam.send_text("I have a suggestion")
    offer = await sam.expect_next(said("intent.suggest", "en"))
    assert offer.buttons == [[t("intent.suggest_button", "en")]]
    await sam.send_text("I want to complain: the guard won't let riders in")
    await sam.expect_next(said("intent.with_text", "en", text="the guard won't let riders in"))
    await sam.send_text("talk to a person")
    await sam.expect_next(said("intent.person_ask", "en"))
    await sam.send_text("bye")
    await sam.expect_next(said("intent.goodbye", "en"))


@pytest.fixture
async def kb_bot(bot_settings: Settings, tmp_path: Path) -> AsyncIterator[tuple[RunningBot, Path]]:
    folder = tmp_path / "kb"
    shutil.copytree(sample_dir(), folder)
    running = RunningBot(bot_settings.with_values(knowledge_dir=folder))
    await running.start()
    yield running, folder
    await running.stop()


async def test_phrases_are_reloaded_with_the_rest(
    kb_bot: tuple[RunningBot, Path], standin: StandIn
) -> None:
    _, folder = kb_bot
    worker, admin = standin.user(1001), standin.user(ADMIN_ID, "管理员")
    await worker.send_text("老板好")
    await worker.expect_next(faq_reply("老板好"))
    path = folder / "intents.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("zh: [你好,", "zh: [老板好, 你好,"), "utf-8"
    )
    await admin.send_text("/reload")
    await admin.expect_next(said("admin.reloaded"))
    await worker.send_text("老板好")
    await worker.expect_next(said("intent.greeting"))


# --- the phrase matcher -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("你好", Found(Intent.GREETING)),
        ("你好呀～", Found(Intent.GREETING)),
        ("hi", Found(Intent.GREETING)),
        ("hiring", None),  # "hi" is not the start of a word
        ("你好 电动车在哪充电", None),
        ("谢谢你们 再见", Found(Intent.GOODBYE)),
        ("你好，我想投诉", Found(Intent.COMPLAIN)),
        ("我想投诉 小区保安不让骑手进", Found(Intent.COMPLAIN, "小区保安不让骑手进")),
        ("我要投诉了，保安不让进", Found(Intent.COMPLAIN, "保安不让进")),
        ("举报 路口红绿灯坏了三天了", Found(Intent.REPORT, "路口红绿灯坏了三天了")),
        ("我有个建议：驿站多放几把椅子", Found(Intent.SUGGEST, "驿站多放几把椅子")),
        ("投诉能不能匿名", None),  # the filler 能不能 asks
        ("我要投诉 保安为什么不让进？", None),
        ("滴滴被乘客投诉扣了钱", None),  # a phrase in the middle does not count
        ("附近驿站", Found(Intent.STATIONS)),
        ("附近驿站几点开", None),
        ("转人工", Found(Intent.PERSON)),
        ("人工湖在哪", None),
        ("report: pothole on Xinglong street", Found(Intent.REPORT, "pothole on Xinglong street")),
        ("", None),
        ("🙂🙂", None),
    ],
)
def test_what_a_message_is(text: str, expected: Found | None) -> None:
    assert sample().intents.detect(text) == expected


def test_no_intents_file_finds_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(sample_dir(), folder)
    (folder / "intents.yaml").unlink()
    assert load_knowledge(folder).intents.detect("你好") is None


def test_a_forged_case_kind_is_out_of_date() -> None:
    assert b.decode("in:case:complaint") == b.StartCase(Kind.COMPLAINT)
    assert b.decode("in:case:question") is None


# --- the labelled rider messages (tuning part only) ---------------------------------------


def tuning_items() -> list[tuple[Labelled, str]]:
    """(message and intent, language) of the tuning part: the held-out part is never read."""
    data = yaml.safe_load(RIDERS.read_text(encoding="utf-8"))
    return [(Labelled(c["q"], c["intent"]), c["lang"])
            for c in data["cases"] if c["split"] == "tuning"]  # fmt: skip


def test_tuning_messages_are_found_and_questions_left_alone() -> None:
    kb = sample()
    items = [item for item, _ in tuning_items()]
    score = evaluate(kb.intents, items, lambda text: kb.districts.of_text(text) is not None)
    missed = [i.text for i in items if i.intent not in ("question", "stations")
              and getattr(kb.intents.detect(i.text), "intent", None) != i.intent]  # fmt: skip
    assert not missed
    assert all(score.recall(intent) == 1.0 for intent in score.total), score.lines()
    assert score.total.total() == sum(1 for i in items if i.intent != "question") > 15
    assert score.questions > 150
    assert score.questions_caught <= MAX_QUESTIONS_CAUGHT, score.lines()


# --- kb check ------------------------------------------------------------------------------


def test_kb_check_reports_what_is_wrong_with_the_phrases() -> None:
    bad = """
intents:
  greeting:
    zh: [你好, "！！", 谢谢]
  thanks:
    zh: [谢谢]
  smalltalk:
    zh: [天气]
fillers: [啊, 你好]
"""
    with pytest.raises(KnowledgeError) as caught:
        read_intents(bad)
    report = caught.value.report()
    assert "intents.yaml:4: greeting: '！！' is empty" in report
    assert "intents.yaml:6: thanks: '谢谢' is also in intent 'greeting'" in report
    assert "intents.yaml:7: smalltalk: unknown intent 'smalltalk'" in report
    assert "intents.yaml:9: fillers: '你好' is also in intent 'greeting'" in report
    assert len(caught.value.problems) == 4


def test_a_broken_intents_file_fails_the_load(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    shutil.copytree(sample_dir(), folder)
    (folder / "intents.yaml").write_text("intents:\n  greeting: hello\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(folder)
    assert "intents.yaml:2: greeting: must be a mapping" in caught.value.report()
