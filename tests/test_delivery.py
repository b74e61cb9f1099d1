"""Answers that reach the worker late: staff are told when, and what is at-least-once."""

from __future__ import annotations

from datetime import datetime

from bot.catalog import t
from bot.core.clock import ManualClock, naive_utc
from bot.storage import Database, outbox, suggestions
from standin import StandIn
from tests.botkit import RunningBot
from tests.conftest import STAFF_ID
from tests.harness import said, submit


async def test_an_answer_delivered_on_a_retry_is_reported_to_staff(
    clocked: tuple[RunningBot, ManualClock], standin: StandIn
) -> None:
    running, clock = clocked
    worker = standin.user(1001)
    code = await submit(worker)
    failing = standin.faults.add("sendMessage", "500", count=1, chat_id=1001)
    staff = standin.user(STAFF_ID, "李老师")
    await staff.send_text(f"/answer {code} 已联系站点")
    await staff.expect_next(said("staff.answer_preview", code=code))
    await staff.press(t("staff.btn_send", "zh"))
    await staff.expect_next(said("staff.answer_queued", code=code))  # not "sent": it was not
    assert failing.hits == 1
    clock.advance(60)  # past the outbox's back-off
    await running.flush_outbox()
    await worker.expect_next(said("worker.answer", code=code, answer="已联系站点"))
    await staff.expect_next(said("staff.answer_delivered_late", code=code))


async def test_an_answer_owed_across_a_restart_is_reported_when_it_goes_out(
    clocked: tuple[RunningBot, ManualClock], standin: StandIn
) -> None:
    running, clock = clocked
    worker = standin.user(1001)
    code = await submit(worker)
    await running.stop()  # the bot is down: the answer is stored and owed, not sent
    answer_while_down(running, code, naive_utc(clock.now()))
    clock.advance(1)
    await running.start()  # start-up delivers what is owed, then tells staff
    await worker.expect_next(said("worker.answer", code=code, answer="重启前的答复"))
    await standin.user(STAFF_ID).expect_next(said("staff.answer_delivered_late", code=code))


def answer_while_down(running: RunningBot, code: str, now: datetime) -> None:
    """An answer stored while the bot is down (as if it died before delivering it)."""
    db = Database(running.settings.database_url)
    try:
        view = db.run_sync(suggestions.answer, code, "重启前的答复", STAFF_ID,
                           report_to=STAFF_ID, now=now)  # fmt: skip
        assert db.run_sync(outbox.state_of, view.id, "answer") == "pending"
    finally:
        db.dispose()
