"""Where the bot answers: a worker's own features only in a private chat; impossible places."""

from __future__ import annotations

import pytest

from bot.core.clock import ManualClock
from standin import StandIn
from tests.botkit import RunningBot
from tests.conftest import STAFF_CHAT, STAFF_ID
from tests.harness import said, submit


async def test_worker_features_in_a_group_point_to_the_private_chat_once_an_hour(
    clocked: tuple[RunningBot, ManualClock], standin: StandIn
) -> None:
    _, clock = clocked
    group = standin.group(STAFF_CHAT)
    await submit(standin.user(1001, "小王"))  # something /my could list to the whole group
    await group.expect_next(said("staff.new"))
    worker = standin.user(1001, "小王").in_chat(group)
    await worker.send_text("/my")
    hint = await group.expect_next(said("group.private_only"))
    assert hint.url_buttons and hint.url_buttons[0][1].startswith("https://t.me/")
    await worker.send_text("/suggest")  # within the hour: nothing more in the group
    await worker.send_text("/help")  # help is for everyone, and proves the bot is answering
    await group.expect_next(said("help"))
    clock.advance(3601)
    await worker.send_text("/stations")
    await group.expect_next(said("group.private_only"))


async def test_staff_commands_still_work_in_the_staff_group(
    bot: RunningBot, standin: StandIn
) -> None:
    group = standin.group(STAFF_CHAT)
    staff = standin.user(STAFF_ID, "李老师").in_chat(group)
    await staff.send_text("/inbox")
    await group.expect_next(said("staff.inbox_empty"))


async def test_a_worker_button_pressed_in_a_group_gets_a_note(
    bot: RunningBot, standin: StandIn
) -> None:
    member = standin.user(1001).in_chat(standin.group(STAFF_CHAT))
    answer = await (await member.forge_callback("menu:my")).answer()
    assert answer.show_alert and said("group.private_only").search(answer.text or "")


@pytest.mark.parametrize(("lat", "lon"), [(999.0, 122.0), (41.1, -500.0)])
async def test_an_impossible_location_gets_the_stations_hint(
    bot: RunningBot, standin: StandIn, lat: float, lon: float
) -> None:
    worker = standin.user(1001)
    await worker.send_location(lat, lon)
    await worker.expect_next(said("stations.again"))
