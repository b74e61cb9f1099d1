"""The one codec for button data: every button round-trips, anything else decodes to None."""

from __future__ import annotations

import dataclasses
import typing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core import buttons as b
from bot.domain import Kind, Rating, Status, WorkerType, category_ids
from standin import StandIn
from tests.botkit import RunningBot
from tests.harness import at_text_step, said

EXAMPLES: list[b.ButtonData] = [
    b.Menu(b.MenuItem.MY),
    b.Suggest(b.SuggestAct.CONFIRM),
    b.PickWorker(WorkerType.RIDE_HAILING),
    b.PickCategory("labor_rights"),
    b.PickCategory(b.CategoryAct.UNSURE),
    b.EditPart(b.Part.LOCATION),
    b.Interrupt(stay=False),
    b.MyPage(3),
    b.FollowUp(2**63 - 1),
    b.FaqEntry("water"),
    b.FaqPass(yes=True),
    b.StationFilter(b.StationFilterKey.OPEN),
    b.StationMore(5),
    b.StationView("u-xlt-01"),
    b.PolicyList(),
    b.PolicyOpen("05-hotlines"),
    b.PolicyLink("l"),
    b.StaffStatus(b.StaffAct.REJECT, 12),
    b.StaffCategories(12),
    b.StaffSetCategory(12, "other"),
    b.StaffCard(12),
    b.StaffAnswer(12),
    b.AnswerSend(12),
    b.AnswerCancel(12),
    b.AnswerTemplate(12, 3),
    b.InboxOpen(12),
    b.InboxPage(2, None, None),
    b.InboxPage(0, "review", Status.ANSWERED),
    b.InboxPage(1, "labor_rights", Status.RECEIVED, Kind.QUESTION, "traffic", all_desks=True),
    b.DeleteMe(yes=False),
    b.Rate(2**63 - 1, Rating.UNSATISFIED),
    b.ToFaq(12, b.FaqAct.NEW),
    b.ToFaqEntry(12, "water"),
    b.StartCase(Kind.COMPLAINT),
    b.StationReport("u-xlt-01"),
    b.StationNearby("s" * 40),
]


def test_every_kind_of_button_has_an_example() -> None:
    kinds = set(typing.get_args(b.ButtonData))
    assert {type(example) for example in EXAMPLES} == kinds


@pytest.mark.parametrize("button", EXAMPLES, ids=lambda x: type(x).__name__)
def test_round_trip_within_telegrams_64_bytes(button: b.ButtonData) -> None:
    data = b.encode(button)
    assert len(data.encode()) <= b.MAX_BYTES
    assert b.decode(data) == button


@pytest.mark.parametrize(
    "data",
    ["sg:confirm", "sg:w:rider", "sg:c:yes", "sg:c:pick", "sg:e:text", "menu:suggest", "my:2",
     "fu:7", "faq:-staff", "faq:water", "stn:f:all", "stn:v:a", "pol:-list", "pol:l:x", "pol:x",
     "st:acc:1", "st:cat:1", "st:set:1:other", "st:back:1", "st:ans:1", "sa:send:1", "sa:x:1",
     "sa:tpl:1:2", "ib:v:1", "ib:p:0:-:-", "dm:yes"],
)  # fmt: skip
def test_buttons_already_in_peoples_chats_still_work(data: str) -> None:
    """Keyboards sent by the versions before this one carry these strings (an inbox page
    of before kinds and desks is written anew with them)."""
    decoded = b.decode(data)
    assert decoded is not None
    assert b.encode(decoded) == data or b.decode(b.encode(decoded)) == decoded


@pytest.mark.parametrize(
    "data",
    ["", "fu:99999999999999999999", "fu:9223372036854775808", "fu:-1", "fu:+1", "fu:１２",
     "fu:1:2", "my:10001", "sg:w:pilot", "st:set:1:bogus", "st:ok:1", "ib:p:1:-:nonsense",
     "pol:l:", "stn:v:" + "a" * 41, "faq:../../etc", "x" * 65, "sg:confirm:", "menu:"],
)  # fmt: skip
def test_stale_forged_or_oversized_data_is_none(data: str) -> None:
    assert b.decode(data) is None


@given(st.text(max_size=80))
@settings(max_examples=500, deadline=None)
def test_decode_never_raises(data: str) -> None:
    decoded = b.decode(data)
    if decoded is not None:  # whatever decodes, encodes back the same way
        assert b.decode(b.encode(decoded)) == decoded


def test_staff_acts_set_the_statuses_they_say() -> None:
    assert {act.status for act in b.StaffAct} == set(Status) - {Status.SUBMITTED, Status.ANSWERED}


def test_every_category_fits_in_the_staff_button() -> None:
    for category in category_ids():
        assert len(b.encode(b.StaffSetCategory(2**63 - 1, category)).encode()) <= b.MAX_BYTES


def test_buttons_are_frozen_values() -> None:
    button = b.FollowUp(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        button.suggestion_id = 2  # type: ignore[misc]  # the point of the test


async def test_an_oversized_button_is_out_of_date_for_the_person(
    bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    answer = await (await worker.forge_callback("fu:99999999999999999999999")).answer()
    assert said("button.expired").search(answer.text or "")
    await at_text_step(worker)  # and the bot goes on as usual
