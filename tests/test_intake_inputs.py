"""Bad and unexpected input at each step: a specific answer, the step kept, nothing lost."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text

from bot.catalog import label
from bot.storage import drafts
from bot.telegram.runner import open_database
from standin import FakeUser, StandIn
from tests.botkit import RunningBot
from tests.harness import PNG, at_text_step, past_category, said


def draft_data(bot: RunningBot) -> dict[str, object]:
    """The stored answers of worker 1001's suggestion draft."""
    stored = bot.sync(drafts.load, "suggest", 1001, 1001)
    assert stored is not None
    return dict(stored.data)


async def still_at_text_step(worker: FakeUser) -> None:
    """A good text is still taken: past the category question, the kind of work is asked."""
    await worker.send_text("路边没有厕所，憋得难受")
    after = await past_category(worker)
    assert said("suggest.ask_worker").search(after.content), after


async def test_over_long_text_is_refused_whole(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_text("罚" * 3001)
    await worker.expect_next(said("suggest.too_long", count=3001, limit=3000))
    assert draft_data(bot)["text"] is None
    await worker.send_text("罚" * 3000)  # the limit itself is taken whole
    await worker.expect_next(said("suggest.ask_more", count=3000))
    await worker.press(data="sg:done")
    assert said("suggest.ask_worker").search((await past_category(worker)).content)
    assert draft_data(bot)["text"] == "罚" * 3000


@pytest.mark.parametrize(
    ("sent", "key"),
    [
        ("😭😭😭", "suggest.no_words"),
        ("！？。。。", "suggest.no_words"),
        ("\u200b\u200b\u200e", "suggest.empty"),
    ],
)
async def test_text_without_words_is_refused(
    bot: RunningBot, standin: StandIn, sent: str, key: str
) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_text(sent)
    await worker.expect_next(said(key))
    await still_at_text_step(worker)


async def test_invisible_and_control_characters_are_removed(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_text("驿站\u200b没有\u202e热水\x07")
    assert said("suggest.ask_worker").search((await past_category(worker)).content)
    assert draft_data(bot)["text"] == "驿站没有热水"


@pytest.mark.parametrize("kind", ["sticker", "location", "contact"])  # voice: test_voice.py
async def test_non_text_at_text_step_gets_a_hint(
    bot: RunningBot, standin: StandIn, kind: str
) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    if kind == "sticker":
        await worker.send_sticker()
    elif kind == "location":
        await worker.send_location(41.1, 122.0)
    else:
        await worker.send_contact("13800138000")
    await worker.expect_next(said("suggest.want_text"))
    await still_at_text_step(worker)


async def test_photo_without_caption_is_kept_until_text(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_photo(PNG)
    await worker.expect_next(said("suggest.photo_saved"))
    await still_at_text_step(worker)
    photos = draft_data(bot)["photos"]
    assert isinstance(photos, list) and len(photos) == 1


async def test_non_image_document_is_refused(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_document(b"%PDF-1.4", "合同.pdf", "application/pdf")
    await worker.expect_next(said("suggest.bad_document"))
    await still_at_text_step(worker)


async def test_other_command_keeps_the_step(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await worker.send_text("/my")
    await worker.expect_next(said("suggest.interrupted"))
    await worker.press(data="cv:stay")
    await worker.expect_next(said("suggest.ask_text"))  # the step, asked again
    await worker.send_text("/help")
    await worker.expect_next(said("help"))  # help answers and keeps the step
    await still_at_text_step(worker)


async def test_typing_where_a_button_is_expected(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await still_at_text_step(worker)
    await worker.send_text("随便写写")
    await worker.expect_next(said("suggest.want_button"))
    again = await worker.expect_next(said("suggest.ask_worker"))  # again, with its buttons
    assert label("worker_type", "rider", "zh") in again.buttons[0]
    await worker.send_text("骑手")  # a kind of work's name, typed, answers the buttons
    await worker.expect_next(said("suggest.ask_location"))
    assert draft_data(bot)["worker"] == "rider"


async def test_someone_elses_contact_is_refused(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await still_at_text_step(worker)
    await worker.press(data="sg:w:rider")
    await worker.expect_next(said("suggest.ask_location"))
    await worker.send_text("跳过")
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:named")
    await worker.expect_next(said("suggest.ask_phone"))
    await worker.send_contact("13900000000", own=False, first_name="站长")
    await worker.expect_next(said("suggest.own_contact"))
    await worker.send_contact("13800138000")
    summary = await worker.expect_next(said("suggest.summary"))
    assert "13800138000" in summary.content and "13900000000" not in summary.content


async def test_place_too_long(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await still_at_text_step(worker)
    await worker.press(data="sg:w:rider")
    await worker.expect_next(said("suggest.ask_location"))
    await worker.send_text("路" * 101)
    await worker.expect_next(said("suggest.place_too_long", limit=100))
    await worker.send_text("双台子区红旗大街")
    noted = await worker.expect_next(said("suggest.noted"))
    assert noted.remove_keyboard  # typed, so the location keyboard is taken away
    await worker.expect_next(said("suggest.ask_identity"))


async def test_another_features_button_midway_is_refused_politely(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await worker.send_text("/policies")
    listing = await worker.expect_next(said("policies.list"))
    policy = next(data for data in listing.callback_data if data.startswith("pol:"))
    await at_text_step(worker)
    answer = await worker.press(data=policy, wait_answer=True)  # an older message's button
    assert answer.show_alert and said("suggest.busy").search(answer.text or "")
    await still_at_text_step(worker)  # nothing else was said, the step is kept


async def test_stale_summary_button_after_cancel(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await still_at_text_step(worker)
    await worker.send_text("/cancel")
    await worker.expect_next(said("suggest.cancelled"))
    await worker.expect_next(said("menu.title"))
    await worker.press(data="sg:w:rider")
    await worker.expect_next(said("suggest.stale"))


async def test_lost_draft_asks_to_start_again(bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await still_at_text_step(worker)
    await bot.restart()
    assert bot.sync(drafts.delete, "suggest", 1001, 1001)  # e.g. swept after the restart
    await worker.press(data="sg:w:rider")
    await worker.expect_next(said("suggest.restart_needed"))


async def test_drafts_expired_while_down_are_closed_at_start(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await bot.stop()
    db = open_database(bot.settings)
    with db.session() as s:
        s.execute(text("UPDATE drafts SET updated_at = :t"), {"t": "2000-01-01 00:00:00"})
    assert db.run_sync(drafts.states, "suggest", since=datetime(2001, 1, 1)) == {}
    db.dispose()
    await bot.start()
    await worker.expect_next(said("suggest.timeout"))
    await worker.send_text("今天股票涨了吗")
    await worker.expect_next(said("ask.unknown"))  # outside the conversation: a question


async def test_a_button_of_an_earlier_step_shows_the_current_question(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await at_text_step(worker)
    await still_at_text_step(worker)
    await worker.press(data="sg:w:rider")
    await worker.expect_next(said("suggest.ask_location"))
    await worker.send_text("跳过")
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:w:rider")  # an old button: the bot is past that step
    again = await worker.expect_next(said("suggest.ask_identity"))  # with its buttons
    assert again.callback_data == ["sg:anon", "sg:named"]
