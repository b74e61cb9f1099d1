"""The repositories on a real database (SQLite and PostgreSQL), through `Database.run`
(async: inline or the async engine) and `Database.run_sync` (the sync engine)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bot.domain import Rating, Role, Status
from bot.storage import (
    Database,
    DatabaseError,
    NotFound,
    drafts,
    make_engine,
    migrate,
    outbox,
    privacy,
    staff,
    suggestions,
    training,
    users,
)
from bot.storage import export as export_sql
from bot.storage.db import current_revision, head_revision
from bot.storage.models import Event, Outbox, Suggestion, User, utcnow
from bot.storage.views import SuggestionView

DAY = date(2026, 11, 28)
T0 = datetime(2026, 11, 28, 2, 0)  # an injected clock (naive UTC)
Call = Callable[..., Awaitable[Any]]


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url)
    migrate(database.engine)
    yield database
    await database.aclose()


@pytest.fixture(params=["run", "run_sync"])
def call(request: pytest.FixtureRequest, db: Database) -> Call:
    """`await call(fn, *args)`: one transaction through `db.run` or `db.run_sync`."""
    if request.param == "run":
        return db.run

    async def run_sync(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return db.run_sync(fn, *args, **kwargs)

    return run_sync


async def submit(
    call: Call, update_id: int, text_: str = "站长乱罚款", day: date = DAY, user: int = 7, **kw: Any
) -> tuple[SuggestionView, bool]:
    await call(users.touch, user, "zh", "小王", None)
    return await call(
        suggestions.submit,
        user_id=user,
        chat_id=user,
        update_id=update_id,
        local_day=day,
        fields={"text": text_, "worker_type": "rider"} | kw.pop("fields", {}),
        announce_to=-100,
        draft_name=kw.pop("draft_name", "suggest"),
        **kw,
    )


def rows(db: Database, query: Any) -> list[Any]:
    with db.session() as s:
        return list(s.execute(query).all())


# --- users --------------------------------------------------------------------------------


async def test_touch_creates_then_refreshes_name_only(call: Call) -> None:
    first = await call(users.touch, 1, "en", "Ann", "ann")
    assert (first.id, first.language, first.role, first.display_name) == (1, "en", "worker", "Ann")
    again = await call(users.touch, 1, "zh", "Anne", None)
    assert (again.language, again.display_name) == ("en", "Anne")  # language is kept
    assert await call(users.get, 1) == again
    assert await call(users.get, 2) is None


async def test_touch_stamps_the_injected_clock_and_only_on_change(db: Database, call: Call) -> None:
    await call(users.touch, 1, "zh", "王", None, now=T0)
    await call(users.touch, 1, "zh", "王", None, now=T0 + timedelta(hours=1))  # nothing new
    assert rows(db, select(User.created_at, User.updated_at)) == [(T0, T0)]
    await call(users.touch, 1, "zh", "老王", None, now=T0 + timedelta(hours=2))
    assert rows(db, select(User.updated_at)) == [(T0 + timedelta(hours=2),)]


async def test_set_fields_and_roles(call: Call) -> None:
    await call(users.set_fields, 5, language="en", worker_type="courier")  # creates the user
    view = await call(users.get, 5)
    assert (view.language, view.worker_type, view.role) == ("en", "courier", "worker")
    with pytest.raises(ValueError, match="cannot set"):
        await call(users.set_fields, 5, display_name="x")
    assert await call(users.role_of, 6) is None
    await call(users.set_role, 6, Role.STAFF)
    await call(users.set_role, 5, Role.ADMIN)
    assert await call(users.role_of, 6) == "staff"
    found = await call(users.with_roles, (Role.STAFF, Role.ADMIN))
    assert [(u.id, u.role) for u in found] == [(5, "admin"), (6, "staff")]


# --- drafts -------------------------------------------------------------------------------


async def test_draft_upsert_replaces_in_place(db: Database, call: Call) -> None:
    await call(drafts.save, "suggest", 1, 2, "text", {"lang": "en"}, now=T0)
    later = T0 + timedelta(minutes=5)
    await call(drafts.save, "suggest", 1, 2, "location", {"text": "路灯坏了"}, now=later)
    draft = await call(drafts.load, "suggest", 1, 2)
    assert (draft.name, draft.chat_id, draft.user_id) == ("suggest", 1, 2)
    assert (draft.state, draft.data, draft.updated_at) == ("location", {"text": "路灯坏了"}, later)
    with db.session() as s:
        assert s.scalar(text("SELECT count(*) FROM drafts")) == 1
    assert await call(drafts.load, "suggest", 2, 1) is None
    assert await call(drafts.load, "other", 1, 2) is None


async def test_draft_save_without_clock_stamps_now(call: Call) -> None:
    before = utcnow()
    await call(drafts.save, "suggest", 1, 1, "text", {})
    draft = await call(drafts.load, "suggest", 1, 1)
    assert before <= draft.updated_at <= utcnow()


async def test_draft_delete_set_state_and_states(call: Call) -> None:
    await call(drafts.save, "suggest", 1, 1, "location", {"text": "x"}, now=T0)
    await call(drafts.save, "suggest", 2, 2, "worker", {}, now=T0 + timedelta(hours=1))
    await call(drafts.save, "answer", 3, 3, "text", {})
    assert await call(drafts.states, "suggest") == {(1, 1): "location", (2, 2): "worker"}
    since = T0 + timedelta(minutes=30)
    assert await call(drafts.states, "suggest", since=since) == {(2, 2): "worker"}
    await call(drafts.set_state, "suggest", 1, 1, "confirm")
    assert (await call(drafts.load, "suggest", 1, 1)).data == {"text": "x"}  # answers kept
    await call(drafts.set_state, "suggest", 4, 4, "text", now=T0)
    assert (await call(drafts.load, "suggest", 4, 4)).updated_at == T0
    assert await call(drafts.delete, "suggest", 2, 2) is True
    assert await call(drafts.delete, "suggest", 2, 2) is False
    await call(drafts.set_state, "suggest", 4, 4, None)
    assert await call(drafts.states, "suggest") == {(1, 1): "confirm"}


async def test_pop_expired_returns_and_deletes_old_drafts_with_state_filters(call: Call) -> None:
    for n, state in enumerate(["text", "confirm", "location", "text"], start=1):
        await call(drafts.save, "suggest", n, n, state, {"lang": f"l{n}"}, now=T0 + timedelta(n))
    await call(drafts.save, "other", 9, 9, "text", {}, now=T0)
    await call(drafts.save, "suggest", 5, 5, "text", {}, now=T0 + timedelta(days=30))
    cutoff = T0 + timedelta(days=10)

    kept = await call(drafts.pop_expired, "suggest", cutoff, exclude_states=["text", "location"])
    assert [(d.chat_id, d.state, d.data) for d in kept] == [(2, "confirm", {"lang": "l2"})]
    only = await call(drafts.pop_expired, "suggest", cutoff, states=["location"])
    assert [(d.name, d.chat_id, d.user_id, d.state) for d in only] == [
        ("suggest", 3, 3, "location")
    ]
    assert await call(drafts.pop_expired, "suggest", cutoff, states=[]) == []
    rest = await call(drafts.pop_expired, "suggest", cutoff)
    assert [(d.chat_id, d.updated_at) for d in rest] == [
        (1, T0 + timedelta(1)),
        (4, T0 + timedelta(4)),
    ]
    assert await call(drafts.states, "suggest") == {(5, 5): "text"}
    assert await call(drafts.states, "other") == {(9, 9): "text"}


# --- submitting ---------------------------------------------------------------------------


async def test_submit_gives_readable_daily_codes(call: Call) -> None:
    codes = [(await submit(call, i))[0].code for i in (1, 2, 3)]
    next_day = (await submit(call, 4, day=DAY + timedelta(days=1)))[0].code
    assert codes == ["NX-20261128-0001", "NX-20261128-0002", "NX-20261128-0003"]
    assert next_day == "NX-20261129-0001"
    other = await submit(call, 5, fields={"kind": "question"})  # a question: its own prefix
    assert other[0].code == "NQ-20261128-0004"


async def test_ten_thousandth_code_of_a_day_grows_a_digit(db: Database, call: Call) -> None:
    await submit(call, 1)
    with db.session() as s:  # a busy day: 9,999 codes given out already
        s.execute(text("UPDATE daily_counters SET last = 9999"))
    code = (await submit(call, 2))[0].code
    assert code == "NX-20261128-10000"
    assert (await call(suggestions.get, code)).code == code


async def test_submit_same_update_twice_stores_one_and_uses_no_number(call: Call) -> None:
    first, created_first = await submit(call, 42)
    again, created_again = await submit(call, 42, text_="另一段文字")
    assert (created_first, created_again) == (True, False)
    assert (again.code, again.text) == (first.code, "站长乱罚款")
    assert await call(suggestions.count) == 1
    assert (await submit(call, 43))[0].code == "NX-20261128-0002"


async def test_an_update_id_used_again_after_days_makes_a_new_case(call: Call) -> None:
    """Telegram numbers updates from a random id after a week without any: the same id
    days later is a new update, not a redelivery (those come within 24 hours)."""
    old, _ = await submit(call, 42, now=T0)
    later = T0 + timedelta(days=9)
    new, created = await submit(
        call, 42, text_="另一段文字", day=DAY + timedelta(days=9), now=later
    )
    assert created and new.code != old.code and new.text == "另一段文字"
    assert (await call(suggestions.find_by_update, 42)).code == new.code
    assert (await call(suggestions.get, old.code)).text == "站长乱罚款"  # kept, unlinked
    again, created = await submit(call, 42, now=later + timedelta(hours=1))
    assert (again.code, created) == (new.code, False)  # a redelivery within the day


async def test_submit_losing_a_race_returns_the_winner(
    call: Call, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two deliveries of one update at once: both pass the first check; the insert of the
    second conflicts and it returns the first one's suggestion."""
    first, _ = await submit(call, 42)
    monkeypatch.setattr(suggestions, "find_by_update", _none_once(suggestions.find_by_update))
    again, created = await submit(call, 42, text_="另一段文字")
    assert (again.code, created) == (first.code, False)
    assert await call(suggestions.count) == 1


def _none_once(real: Callable[..., Any]) -> Callable[..., Any]:
    """`real`, except that its first call finds nothing."""
    calls = 0

    def find(s: Session, update_id: int) -> Any:
        nonlocal calls
        calls += 1
        return None if calls == 1 else real(s, update_id)

    return find


async def test_submit_logs_event_queues_receipt_notice_and_photos_at_the_clock(
    db: Database, call: Call
) -> None:
    view, _ = await submit(call, 1, now=T0, receipt_in=55, fields={"attachments": ["p1", "p2"]})
    assert view.created_at == T0 and view.attachments == ["p1", "p2"]
    stored = await call(suggestions.get, view.code.lower(), with_events=True)
    assert [(e.kind, e.actor_id, e.created_at) for e in stored.events] == [("created", 7, T0)]
    due = await call(outbox.due, now=T0)
    assert [(i.chat_id, i.kind, i.payload) for i in due] == [
        (7, "receipt", {"message_id": 55}),
        (-100, "announce", {}),
        (-100, "announce_file", {"file": "p1"}),
        (-100, "announce_file", {"file": "p2"}),
    ]
    assert {item.suggestion.code for item in due} == {view.code}
    assert await call(outbox.due, now=T0 - timedelta(seconds=1)) == []
    assert rows(db, select(Outbox.created_at).distinct()) == [(T0,)]


async def test_submit_drops_the_draft_and_refuses_unknown_fields(call: Call) -> None:
    await call(drafts.save, "suggest", 7, 7, "confirm", {"text": "x"})
    await submit(call, 1)
    assert await call(drafts.load, "suggest", 7, 7) is None
    with pytest.raises(ValueError, match="unknown suggestion fields"):
        await submit(call, 2, fields={"status": "answered"})


# --- finding ------------------------------------------------------------------------------


async def test_lookups(call: Call) -> None:
    view, _ = await submit(call, 10, now=T0)
    assert (await call(suggestions.by_id, view.id)).code == view.code
    assert await call(suggestions.by_id, view.id + 1) is None
    assert (await call(suggestions.find_by_update, 10)).id == view.id
    assert await call(suggestions.find_by_update, 11) is None
    assert await call(suggestions.get, "NX-20000101-0001") is None
    assert (await call(suggestions.latest_in_chat, 7, T0)).id == view.id
    assert await call(suggestions.latest_in_chat, 7, T0 + timedelta(seconds=1)) is None
    assert await call(suggestions.latest_in_chat, 8, T0) is None


async def test_user_page_newest_first(call: Call) -> None:
    for i in range(7):
        await submit(call, i + 1, text_=f"建议{i}", now=T0 + timedelta(minutes=i))
    first = await call(suggestions.user_page, 7, offset=0, limit=5)
    second = await call(suggestions.user_page, 7, 5, 5)
    assert first.total == 7 and first.has_next and not second.has_next
    assert [s.text for s in first.items] == [f"建议{i}" for i in (6, 5, 4, 3, 2)]
    assert [s.text for s in second.items] == ["建议1", "建议0"]
    assert (await call(suggestions.user_page, 8)).total == 0


async def test_intake_start_counts_since_and_remembers_worker_type(call: Call) -> None:
    assert await call(suggestions.intake_start, 7, T0) == (0, None)
    await submit(call, 1, now=T0)
    await submit(call, 2, now=T0 + timedelta(hours=2))
    await call(users.set_fields, 7, worker_type="courier")
    assert await call(suggestions.intake_start, 7, T0 + timedelta(hours=1)) == (1, "courier")


async def test_inbox_filters_and_hides_closed_without_a_status(call: Call) -> None:
    a, _ = await submit(call, 1, fields={"category": "labor_rights"}, now=T0)
    b, _ = await submit(call, 2, fields={"category": "other", "needs_review": True}, now=T0)
    c, _ = await submit(call, 3, fields={"category": "labor_rights"}, now=T0)
    await call(suggestions.answer, c.code, "已处理", 9001)

    async def codes(category: str | None, status: str | None) -> list[str]:
        page = await call(suggestions.inbox, category, status)
        return [s.code for s in page.items]

    assert await codes(None, None) == [b.code, a.code]
    assert await codes("labor_rights", None) == [a.code]
    assert await codes("review", None) == [b.code]
    assert await codes(None, "answered") == [c.code]
    page = await call(suggestions.inbox, None, None, 1, 1)
    assert (page.total, [s.code for s in page.items]) == (2, [a.code])


# --- the staff's changes ------------------------------------------------------------------


async def test_set_status_logs_and_tells_the_worker_when_it_matters(
    db: Database, call: Call
) -> None:
    view, _ = await submit(call, 1, now=T0)
    later = T0 + timedelta(hours=1)
    changed = await call(suggestions.set_status, view.code, "received", 9001, now=later)
    assert changed.status == "received"
    await call(suggestions.set_status, view.id, "received", 9001)  # no change: nothing logged
    await call(suggestions.set_status, f" {view.code.lower()} ", Status.IN_PROGRESS, 9001)
    stored = await call(suggestions.get, view.code, with_events=True)
    assert [(e.kind, e.data) for e in stored.events[1:]] == [
        ("status_changed", {"old": "submitted", "new": "received"}),
        ("status_changed", {"old": "received", "new": "in_progress"}),
    ]
    assert stored.events[1].created_at == later
    told = rows(db, select(Outbox.kind, Outbox.payload).where(Outbox.kind == "status"))
    assert told == [("status", {"status": "received"}), ("status", {"status": "in_progress"})]
    with pytest.raises(NotFound):
        await call(suggestions.set_status, "NX-20000101-0001", "received", 9001)
    with pytest.raises(ValueError):
        await call(suggestions.set_status, view.id, "bogus", 9001)


async def test_answer_recategorize_and_training_examples(call: Call) -> None:
    view, _ = await submit(call, 1, now=T0)
    answered = await call(suggestions.answer, view.id, "已转交", 9001, now=T0 + timedelta(1))
    assert (answered.status, answered.answer, answered.answered_at) == (
        "answered", "已转交", T0 + timedelta(1))  # fmt: skip
    assert [i.kind for i in await call(outbox.due, now=T0 + timedelta(2))][-1] == "answer"
    await call(suggestions.recategorize, view.code, "other", 9001)
    fixed = await call(suggestions.recategorize, view.code, "care_services", 9001, now=T0)
    assert (fixed.category, fixed.needs_review) == ("care_services", False)
    other, _ = await submit(call, 2, text_="路灯坏了")
    await call(suggestions.recategorize, other.id, "city_governance", 9001)
    assert await call(training.reviewed_examples) == [
        ("站长乱罚款", "care_services"),
        ("路灯坏了", "city_governance"),
    ]
    with pytest.raises(NotFound):
        await call(suggestions.answer, 999, "x", 9001)


async def test_follow_up_reopens_an_answered_suggestion_once(call: Call) -> None:
    """The "not solved" button of older answers is 不满意 without a reason."""
    view, _ = await submit(call, 1)
    assert await call(suggestions.follow_up, view.id, 8, -100) == ("not_yours", None)
    assert await call(suggestions.follow_up, view.id, 7, -100) == ("still_open", None)
    await call(suggestions.answer, view.id, "好的", 9001)
    result, reopened = await call(suggestions.follow_up, view.id, 7, -100, now=T0)
    assert (result, reopened.status, reopened.followed_up) == ("reopened", "in_progress", True)
    assert await call(suggestions.follow_up, view.id, 7, -100) == ("still_open", None)
    assert [i.kind for i in await call(outbox.due)][-1] == "follow_up"


async def test_rating_reopens_to_the_desk_then_the_supervisor(call: Call) -> None:
    """满意 closes the loop; 不满意 reopens to the desk twice, the third time it goes to the
    supervisor; a rated answer cannot be rated again until the next answer."""
    view, _ = await submit(call, 1)
    await call(suggestions.answer, view.id, "好的", 9001)
    assert await call(suggestions.rate, view.id, 8, Rating.SATISFIED) == ("not_yours", None)
    chats = []
    for times, expected in ((1, "reopened"), (2, "reopened"), (3, "to_supervisor")):
        outcome, rated = await call(suggestions.rate, view.id, 7, Rating.UNSATISFIED,
                                    reason=f"还是没人管 {times}", desk_chat=-100,
                                    supervisor_chat=-200, now=T0)  # fmt: skip
        assert (outcome, rated.reopened, rated.status) == (expected, times, "in_progress")
        again = await call(suggestions.rate, view.id, 7, Rating.FAIR)
        assert again == ("not_answered", None)  # reopened: nothing to rate until answered
        chats.append([i.chat_id for i in await call(outbox.due) if i.kind == "follow_up"][-1])
        await call(suggestions.answer, view.id, f"第 {times} 次答复", 9001)
    assert chats == [-100, -100, -200]
    outcome, rated = await call(suggestions.rate, view.id, 7, Rating.SATISFIED)
    assert (outcome, rated.rating, rated.status) == ("rated", "satisfied", "answered")
    assert await call(suggestions.rate, view.id, 7, Rating.FAIR) == ("already", None)


async def test_reports_and_delivery_failures(call: Call) -> None:
    a, _ = await submit(call, 1, fields={"category": "labor_rights"}, now=T0)
    await submit(call, 2, fields={"category": "other", "needs_review": True}, now=T0)
    await submit(call, 3, now=T0 - timedelta(days=3))
    await call(suggestions.set_status, a.id, "received", 9001)
    assert sorted(await call(suggestions.created_since, T0), key=str) == [
        (T0, "labor_rights"), (T0, None)]  # fmt: skip
    assert await call(suggestions.status_counts) == {"received": 1, "submitted": 2}
    receipt = (await call(outbox.due, now=T0))[0]
    await call(outbox.failed, receipt.id, "Forbidden: bot was blocked", None, now=T0)
    assert await call(suggestions.delivery_failures, a.id) == [
        ("receipt", "Forbidden: bot was blocked", T0)]  # fmt: skip


# --- outbox, templates, questions, erasure ------------------------------------------------


async def test_outbox_retry_and_give_up(db: Database, call: Call) -> None:
    await submit(call, 1, now=T0)
    receipt, notice = (item.id for item in await call(outbox.due, now=T0))
    await call(outbox.sent, receipt, now=T0)
    await call(outbox.failed, notice, "network " * 100, retry_in=60, now=T0)
    assert await call(outbox.due, now=T0 + timedelta(seconds=59)) == []
    assert [i.id for i in await call(outbox.due, now=T0 + timedelta(seconds=60))] == [notice]
    assert await call(outbox.pending) == 1
    await call(outbox.failed, notice, "Forbidden: bot was blocked by the user", retry_in=None)
    await call(outbox.failed, 999, "gone", retry_in=None)  # unknown id: nothing to record
    assert await call(outbox.pending) == 0
    assert await call(outbox.attempts, notice) == 2
    assert await call(outbox.attempts, 999) == 0
    assert rows(db, select(Outbox.sent_at).where(Outbox.id == receipt)) == [(T0,)]


async def test_templates(call: Call) -> None:
    first = await call(staff.add, "thanks", "谢谢反馈", 9001)
    second = await call(staff.add, "later", "稍后答复", 9001, now=T0)
    assert await call(staff.add, "thanks", "感谢您的反馈", 9002) == first  # same name: replaced
    assert await call(staff.list) == [
        (first, "thanks", "感谢您的反馈"),
        (second, "later", "稍后答复"),
    ]
    assert await call(staff.text, second) == "稍后答复"
    assert await call(staff.delete, second) is True
    assert await call(staff.delete, second) is False
    assert await call(staff.text, second) is None


async def test_a_question_is_a_case_of_its_own_kind(db: Database, call: Call) -> None:
    """A question passed to staff: an NQ code from the same daily counter, no receipt row
    when the caller replies at once, and not counted against the daily cap."""
    question, _ = await submit(call, 1, "工伤怎么认定", fields={"kind": "question"},
                               receipt=False, draft_name=None, now=T0)  # fmt: skip
    suggestion, _ = await submit(call, 2)
    assert question.code == f"NQ-{DAY:%Y%m%d}-0001" and question.kind == "question"
    assert suggestion.code == f"NX-{DAY:%Y%m%d}-0002"
    owed = rows(db, select(Outbox.kind).where(Outbox.suggestion_id == question.id))
    assert owed == [("announce",)]
    count, _worker = await call(suggestions.intake_start, 7, T0 - timedelta(days=1))
    assert count == 1


async def test_erase_identity_unlinks_everything(db: Database, call: Call) -> None:
    view, _ = await submit(call, 1, fields={"anonymous": False, "contact_name": "王师傅"})
    await submit(call, 2, "问题", fields={"kind": "question"})
    await call(drafts.save, "suggest", 7, 7, "text", {})
    assert await call(privacy.erase_identity, 7, now=T0) == 2
    kept = rows(db, select(Suggestion.user_id, Suggestion.chat_id, Suggestion.anonymous,
                           Suggestion.contact_name, Suggestion.updated_at))  # fmt: skip
    assert kept == [(None, None, True, None, T0), (None, None, True, None, T0)]
    assert rows(db, select(Event.actor_id)) == [(None,), (None,)]
    assert rows(db, select(Outbox.id)) == []
    assert await call(users.get, 7) is None
    assert await call(drafts.states, "suggest") == {}
    assert (await call(suggestions.by_id, view.id)).text == "站长乱罚款"


# --- the export's SQL ---------------------------------------------------------------------


async def test_export_rows_and_counts_filter_in_sql(db: Database, call: Call) -> None:
    await submit(call, 1, fields={"category": "labor_rights"}, now=T0)
    await submit(call, 2, fields={"category": "other"}, now=T0 + timedelta(days=1))
    await submit(call, 3, now=T0 + timedelta(days=2))
    everything = list(export_sql.rows(db, batch=2))
    assert [r[0] for r in everything] == [f"NX-20261128-000{n}" for n in (1, 2, 3)]
    assert len(everything[0]) == len(export_sql.ROW_FIELDS)
    first = dict(zip(export_sql.ROW_FIELDS, everything[0], strict=True))
    assert (first["created_at"], first["display_name"], first["text"]) == (T0, "小王", "站长乱罚款")
    since, until = T0 + timedelta(hours=1), T0 + timedelta(days=2)
    window = list(export_sql.rows(db.engine, since=since, until=until))
    assert [r[0] for r in window] == ["NX-20261128-0002"]
    assert export_sql.category_counts(db, since=since, until=until) == [("other", 1)]
    counts = export_sql.category_counts(db.engine, status="submitted")
    assert sorted(counts, key=str) == [("labor_rights", 1), ("other", 1), (None, 1)]
    assert list(export_sql.rows(db, category="care_services")) == []


# --- migrations ---------------------------------------------------------------------------


def test_migrate_is_idempotent(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_migrate_refuses_a_newer_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(DatabaseError, match="newer than this version of nuanxin"):
        migrate(engine)
    engine.dispose()


def test_migrate_explains_an_unreachable_database() -> None:
    engine = make_engine("postgresql://nobody@127.0.0.1:9/none")
    with pytest.raises(DatabaseError, match=r"cannot reach the database .*check DATABASE_URL"):
        migrate(engine)
