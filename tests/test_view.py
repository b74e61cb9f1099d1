"""/view shows staff the whole case: the card with its history in words, the worker's photos
(a picture sent as a file re-encoded without its metadata) and the place as a map pin."""

from __future__ import annotations

import io
from datetime import date

from PIL import Image

from bot.catalog import label, t
from bot.domain import Rating, Status
from bot.storage import Database, suggestions, users
from standin import BotMessage, FakeUser, StandIn
from tests.botkit import RunningBot
from tests.conftest import STAFF_CHAT, STAFF_ID
from tests.harness import PNG, at_text_step, code_of, said, submit, to_location
from tests.test_photos import jpeg_with_gps, walk_to_summary_after_photo

WORKER_ID = 4_242_424  # a number that shows nowhere else in a card
NEAR_STATION = (41.119176, 122.072076)  # next to the first sample station


def staff_member(standin: StandIn) -> FakeUser:
    return standin.user(STAFF_ID, "李老师")


async def viewed(standin: StandIn, code: str) -> BotMessage:
    """/view CODE in the staff member's private chat: the card (with its history)."""
    member = staff_member(standin)
    await member.send_text(f"/view {code}")
    return await member.expect_next(said("staff.new", code=code))


def history_of(card: BotMessage) -> str:
    return said("staff.history").split(card.content)[-1]


def test_names_are_display_names_else_the_id(db: Database) -> None:
    db.run_sync(users.touch, 7, "zh", "李老师", None)
    db.run_sync(users.touch, 8, "zh", None, None)
    assert db.run_sync(users.names, [7, 8, 9, 7]) == {7: "李老师", 8: "8", 9: "9"}
    assert db.run_sync(users.names, []) == {}


async def test_view_resends_the_photos_a_file_without_its_metadata(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(WORKER_ID, "小王")
    await at_text_step(worker)
    await worker.send_photo(PNG)
    await worker.expect_next(said("suggest.photo_saved"))
    await worker.send_document(jpeg_with_gps(), "IMG_2041.jpg", "image/jpeg")
    await worker.expect_next(said("suggest.photo_saved"))
    await walk_to_summary_after_photo(worker)
    await worker.press(data="sg:confirm")
    code = code_of(await worker.expect_next(said("suggest.receipt")))
    stored = bot.sync(suggestions.get, code)
    assert stored is not None and len(stored.attachments) == 2
    as_photo, as_file = stored.attachments

    await viewed(standin, code)
    member = staff_member(standin)
    photo = await member.expect_next(lambda m: m.photo is not None)
    assert photo.raw["photo"] == as_photo and photo.caption == code  # by its file id
    picture = await member.expect_next(lambda m: m.photo is not None)
    assert picture.method == "sendPhoto" and picture.caption == code
    assert picture.raw["photo"] != as_file.removeprefix("doc:")  # new bytes, not the file
    data = picture.photo or b""
    assert Image.open(io.BytesIO(data)).size == (64, 48)
    assert not Image.open(io.BytesIO(data)).getexif()
    assert b"Exif" not in data and b"Rider Phone" not in data and b"PhoneMaker" not in data


async def test_view_pins_a_shared_location_with_its_district(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(WORKER_ID, "小王")
    await to_location(worker)
    await worker.send_location(*NEAR_STATION)
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:anon")
    await worker.expect_next(said("suggest.summary"))
    await worker.press(data="sg:confirm")
    code = code_of(await worker.expect_next(said("suggest.receipt")))
    stored = bot.sync(suggestions.get, code)
    assert stored is not None and stored.district is not None

    await viewed(standin, code)
    pin = await staff_member(standin).expect_next(lambda m: m.venue is not None)
    assert pin.venue is not None and pin.venue["title"] == stored.district
    assert pin.venue["address"] == f"{NEAR_STATION[0]:.5f}, {NEAR_STATION[1]:.5f}"
    location = pin.venue["location"]
    assert (location["latitude"], location["longitude"]) == NEAR_STATION


async def test_view_without_photos_or_place_is_the_card_alone(
    bot: RunningBot, standin: StandIn
) -> None:
    code = await submit(standin.user(WORKER_ID, "小王"))
    await viewed(standin, code)
    member = staff_member(standin)
    await member.send_text("/help")  # the next message is /help's: nothing came after the card
    await member.expect_next(said("help"))


async def test_view_history_says_what_happened_and_names_staff_never_the_anonymous_worker(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(WORKER_ID, "小王")
    code = await submit(worker)  # anonymous, as by default
    stored = bot.sync(suggestions.get, code)
    assert stored is not None
    group = standin.group(STAFF_CHAT)
    await group.expect_next(said("staff.new", code=code))
    in_group = standin.user(STAFF_ID, "李老师").in_chat(group)
    await in_group.press(data=f"st:acc:{stored.id}", wait_answer=True)
    bot.sync(suggestions.recategorize, code, "traffic_access", STAFF_ID)
    member = staff_member(standin)
    await member.send_text(f"/answer {code} 已联系物业")
    await member.expect_next(said("staff.answer_preview", code=code, text="已联系物业"))
    await member.press(t("staff.btn_send", "zh"))
    await member.expect_next(said("staff.answer_sent", code=code))

    card = await viewed(standin, code)
    history = history_of(card)
    lines = history.strip().splitlines()
    assert len(lines) == 4, history
    worker_did = t("history.by_worker", "zh")
    expected = [
        (worker_did, said("history.created")),
        ("李老师", said("history.status_changed", old=label("status", Status.SUBMITTED, "zh"),
                                                 new=label("status", Status.RECEIVED, "zh"))),
        ("李老师", said("history.recategorized",
                        category=label("category", "traffic_access", "zh"))),
        ("李老师", said("history.answered", text="已联系物业")),
    ]  # fmt: skip
    for line, (who, what) in zip(lines, expected, strict=True):
        assert said("history.line", who=who).search(line) and what.search(line), line
    assert "小王" not in card.content and str(WORKER_ID) not in card.content


async def test_view_history_in_english_for_an_english_speaking_staff_member(
    bot: RunningBot, standin: StandIn
) -> None:
    code = await submit(standin.user(WORKER_ID, "小王"))
    member = standin.user(STAFF_ID, "Li", language_code="en")
    await member.send_text(f"/view {code}")
    card = await member.expect_next(said("staff.new", "en", code=code))
    line = history_of(card).strip()
    assert said("history.line", "en", who=t("history.by_worker", "en")).search(line), line
    assert said("history.created", "en").search(line), line


async def test_view_history_of_every_step_masks_the_anonymous_workers_reason(
    bot: RunningBot, standin: StandIn
) -> None:
    code = await submit(standin.user(WORKER_ID, "小王"))  # anonymous
    stored = bot.sync(suggestions.get, code)
    assert stored is not None
    bot.sync(suggestions.reassign, code, "traffic", None, None, "小区准入归交通组", STAFF_ID)
    bot.sync(suggestions.extend, code, date(2030, 1, 7), "等物业回复", STAFF_ID)
    bot.sync(suggestions.escalate, stored.id, STAFF_CHAT)
    bot.sync(suggestions.answer, code, "已处理", STAFF_ID)
    reason = "没人联系我，电话13912345678"
    bot.sync(suggestions.rate, stored.id, WORKER_ID, Rating.UNSATISFIED, reason=reason)

    card = await viewed(standin, code)
    lines = history_of(card).strip().splitlines()
    worker_did, bot_did = t("history.by_worker", "zh"), t("history.by_system", "zh")
    unsatisfied = label("rating", Rating.UNSATISFIED, "zh")
    expected = [
        (worker_did, said("history.created")),
        ("李老师", said("history.reassigned")),
        ("李老师", said("history.extended")),
        (bot_did, said("history.escalated")),
        ("李老师", said("history.answered", text="已处理")),
        (worker_did, said("history.rated", rating=unsatisfied)),
        (worker_did, said("history.reopened", times=1)),
    ]
    assert len(lines) == len(expected), lines
    for line, (who, what) in zip(lines, expected, strict=True):
        assert said("history.line", who=who).search(line) and what.search(line), line
    assert said("history.reason", reason="小区准入归交通组").search(lines[1])
    assert said("history.reason", reason="等物业回复").search(lines[2])
    assert said("history.reason", reason="没人联系我，电话139****5678").search(lines[5])
    assert "13912345678" not in card.content and str(WORKER_ID) not in card.content
