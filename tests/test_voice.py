"""Voice notes for busy hands: a suggestion told by voice, relayed to staff by its file
reference, shown again by /view and noted in the export."""

from __future__ import annotations

import csv
import io

import pytest

from bot.catalog import t
from bot.domain.voice import VoiceNote, voice_notes
from bot.export.query import files_text
from bot.storage import suggestions
from standin import BotMessage, FakeUser, StandIn
from tests.botkit import RunningBot
from tests.conftest import STAFF_CHAT, STAFF_ID
from tests.harness import CATEGORY_QUESTION, at_text_step, code_of, past_text, said

FIRST_FILE = 30.0  # seconds: the first spreadsheet of a session loads its libraries


def is_voice(message: BotMessage) -> bool:
    return message.method == "sendVoice"


async def after_location(worker: FakeUser) -> BotMessage:
    """From the place question: skipped, anonymous, up to the summary."""
    await worker.send_text("跳过")
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:anon")
    return await worker.expect_next(said("suggest.summary"))


async def voice_only_case(worker: FakeUser, seconds: int = 12) -> tuple[str, BotMessage]:
    """A suggestion made of one voice note: the category picked by the worker; its code
    and the summary the worker confirmed."""
    await at_text_step(worker)
    await worker.send_voice(seconds)
    await worker.expect_next(said("voice.ask_more", seconds=seconds))
    await worker.press(data="sg:done")
    await worker.expect_next(said("suggest.pick_category"))  # no words: the worker chooses
    await worker.press(data="sg:c:care_services")
    await worker.expect_next(said("suggest.ask_worker"))
    await worker.press(data="sg:w:rider")
    await worker.expect_next(said("suggest.ask_location"))
    summary = await after_location(worker)
    await worker.press(data="sg:confirm")
    return code_of(await worker.expect_next(said("suggest.receipt"))), summary


def test_a_voice_note_is_stored_as_a_typed_value_and_old_rows_still_read() -> None:
    note = VoiceNote("AwACAgIAAxk-_x", 12)
    assert VoiceNote.parse(note.encode()) == note
    assert VoiceNote.parse(VoiceNote("f:1", 3, audio=True).encode()) == VoiceNote("f:1", 3, True)
    assert VoiceNote.parse("AgACAgIAAxkBAAI") is None  # a photo's file_id
    assert VoiceNote.parse("doc:BQACAgIAAxk") is None
    assert voice_notes(["p1", note.encode(), "doc:p2"]) == [note]
    assert files_text(["p1", "doc:p2", note.encode()]) == "照片 2 张 · 语音 12 秒"
    assert files_text([]) is None and files_text(None) is None


async def test_a_voice_only_suggestion_reaches_staff_with_its_voice(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(7101, "小王")
    code, summary = await voice_only_case(worker, 12)
    assert said("suggest.summary_voice", seconds=12).search(summary.content)

    stored = bot.sync(suggestions.get, code)
    assert stored is not None
    assert stored.text == t("voice.placeholder", "zh", seconds=12)
    assert stored.category == "care_services" and not stored.needs_review
    (note,) = voice_notes(stored.attachments)
    assert note.seconds == 12 and stored.attachments == [note.encode()]

    group = standin.group(STAFF_CHAT)
    card = await group.expect_next(said("staff.new", code=code))
    assert said("voice.staff_line", count=1, seconds=12).search(card.content)
    relayed = await group.expect_next(is_voice)
    assert relayed.raw["voice"] == note.file_id and relayed.caption == code


async def test_voice_and_text_together(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(7102, "小李")
    await at_text_step(worker)
    await worker.send_voice(8)
    await worker.expect_next(said("voice.ask_more", seconds=8))
    typed = "小区门口的路灯坏了一个月，晚上送餐看不清"
    await worker.send_text(typed)  # the words after the voice: the model can guess from them
    await past_text(worker)
    summary = await after_location(worker)
    assert said("suggest.summary_voice", seconds=8).search(summary.content)
    await worker.press(data="sg:confirm")
    code = code_of(await worker.expect_next(said("suggest.receipt")))

    stored = bot.sync(suggestions.get, code)
    assert stored is not None and stored.text == typed
    assert [n.seconds for n in voice_notes(stored.attachments)] == [8]
    group = standin.group(STAFF_CHAT)
    await group.expect_next(said("staff.new", code=code))
    await group.expect_next(is_voice)


async def test_a_voice_note_over_a_minute_is_refused_and_the_step_stays(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(7103)
    await at_text_step(worker)
    await worker.send_voice(61)
    await worker.expect_next(said("voice.too_long", seconds=61, limit=60))
    await worker.send_voice(5)  # the long one was not kept: 5 seconds in all
    await worker.expect_next(said("voice.ask_more", seconds=5))


async def test_a_long_voice_note_at_the_text_step_lets_the_worker_type_instead(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(7104)
    await at_text_step(worker)
    await worker.send_voice(90)
    await worker.expect_next(said("voice.too_long", seconds=90, limit=60))
    await worker.send_text("司机之家晚上十点就关门，夜班没地方歇")
    await worker.expect_next(CATEGORY_QUESTION)


async def test_a_fourth_voice_note_is_refused(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(7105)
    await at_text_step(worker)
    await worker.send_voice(3)
    await worker.expect_next(said("voice.ask_more", seconds=3))
    for _ in range(2):
        await worker.send_voice(4)
        await worker.expect_next(said("voice.added", seconds=4))
    await worker.send_voice(5)
    await worker.expect_next(said("voice.limit", limit=3))


async def test_an_audio_file_goes_back_to_staff_as_audio(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(7106)
    await at_text_step(worker)
    await worker.send_audio(30)
    await worker.expect_next(said("voice.ask_more", seconds=30))
    await worker.press(data="sg:done")
    await worker.expect_next(said("suggest.pick_category"))
    await worker.press(data="sg:c:unsure")  # left to staff
    await worker.expect_next(said("suggest.ask_worker"))
    await worker.press(data="sg:w:courier")
    await worker.expect_next(said("suggest.ask_location"))
    await after_location(worker)
    await worker.press(data="sg:confirm")
    code = code_of(await worker.expect_next(said("suggest.receipt")))
    stored = bot.sync(suggestions.get, code)
    assert stored is not None and stored.needs_review
    (note,) = voice_notes(stored.attachments)
    assert note.audio
    group = standin.group(STAFF_CHAT)
    await group.expect_next(said("staff.new", code=code))
    relayed = await group.expect_next(lambda m: m.method == "sendAudio")
    assert relayed.raw["audio"] == note.file_id


async def test_view_resends_the_voice_note(bot: RunningBot, standin: StandIn) -> None:
    code, _ = await voice_only_case(standin.user(7107, "小赵"), 20)
    stored = bot.sync(suggestions.get, code)
    assert stored is not None
    (note,) = voice_notes(stored.attachments)
    member = standin.user(STAFF_ID, "李老师")
    await member.send_text(f"/view {code}")
    await member.expect_next(said("staff.new", code=code))
    again = await member.expect_next(is_voice)
    assert again.raw["voice"] == note.file_id and again.caption == code


@pytest.mark.slow
async def test_the_export_notes_the_voice_note(bot: RunningBot, standin: StandIn) -> None:
    code, _ = await voice_only_case(standin.user(7108), 15)
    staff = standin.user(STAFF_ID)
    await staff.send_text("/export csv")
    document = await staff.expect_next(said("export.caption", rows=1), timeout=FIRST_FILE)
    assert document.document is not None
    rows = list(csv.DictReader(io.StringIO(document.document.data.decode("utf-8-sig"))))
    assert [(row["编号"], row["附件"], row["内容"]) for row in rows] == [
        (code, "语音 15 秒", t("voice.placeholder", "zh", seconds=15))
    ]


async def test_a_voice_note_outside_a_conversation_gets_a_kind_hint(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(7109)
    await worker.send_voice(5)
    await worker.expect_next(said("voice.outside"))
    await worker.expect_next(said("menu.title"))
