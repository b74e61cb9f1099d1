"""The repository on a real database: SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text

from bot.storage import DatabaseError, Store, make_engine, migrate
from bot.storage.db import current_revision

DAY = date(2026, 11, 28)


def submit(store: Store, update_id: int, text_: str = "站长乱罚款", day: date = DAY, user: int = 7):
    store.touch_user(user, "zh", "小王", None)
    return store.submit(
        user_id=user,
        chat_id=user,
        update_id=update_id,
        local_day=day,
        fields={"text": text_, "worker_type": "rider"},
        announce_to=-100,
        draft_name="suggest",
    )


def test_submit_gives_readable_daily_codes(store: Store) -> None:
    codes = [submit(store, i)[0].code for i in (1, 2, 3)]
    next_day = submit(store, 4, day=DAY + timedelta(days=1))[0].code
    assert codes == ["NX-20261128-0001", "NX-20261128-0002", "NX-20261128-0003"]
    assert next_day == "NX-20261129-0001"


def test_ten_thousandth_code_of_a_day_grows_a_digit(store: Store) -> None:
    submit(store, 1)
    with store.engine.begin() as conn:  # a busy day: 9,999 codes given out already
        conn.execute(text("UPDATE daily_counters SET last = 9999"))
    code = submit(store, 2)[0].code
    assert code == "NX-20261128-10000"
    found = store.get_suggestion(code)
    assert found is not None and found.code == code


def test_submit_same_update_twice_stores_one_suggestion(store: Store) -> None:
    first, created_first = submit(store, 42)
    again, created_again = submit(store, 42, text_="另一段文字")
    assert (created_first, created_again) == (True, False)
    assert again.code == first.code
    assert again.text == "站长乱罚款"
    assert store.count_suggestions() == 1


def test_submit_logs_created_event_and_queues_receipt_and_notice(store: Store) -> None:
    view, _ = submit(store, 1)
    stored = store.get_suggestion(view.code, with_events=True)
    assert stored is not None
    assert [(e.kind, e.actor_id) for e in stored.events] == [("created", 7)]
    due = store.due_outbox()
    assert [(item.chat_id, item.kind) for item in due] == [(7, "receipt"), (-100, "announce")]
    assert {item.suggestion.code for item in due} == {view.code}


def test_submit_drops_the_draft(store: Store) -> None:
    store.save_draft("suggest", 7, 7, "confirm", {"text": "x"})
    submit(store, 1)
    assert store.load_draft("suggest", 7, 7) is None


def test_drafts_round_trip_and_states(store: Store) -> None:
    store.save_draft("suggest", 1, 1, "location", {"text": "路灯坏了", "photos": ["f1"]})
    store.save_draft("suggest", 2, 2, "worker", {"text": "x"})
    draft = store.load_draft("suggest", 1, 1)
    assert draft is not None
    assert (draft.state, draft.data) == ("location", {"text": "路灯坏了", "photos": ["f1"]})
    assert store.conversation_states("suggest") == {(1, 1): "location", (2, 2): "worker"}
    store.delete_draft("suggest", 2, 2)
    assert store.conversation_states("suggest") == {(1, 1): "location"}


def test_expired_drafts_are_popped_and_hidden_from_states(store: Store) -> None:
    store.save_draft("suggest", 1, 1, "text", {"lang": "en"})
    with store.session() as s:
        s.execute(text("UPDATE drafts SET updated_at = :t"), {"t": "2000-01-01 00:00:00"})
    store.save_draft("suggest", 2, 2, "text", {})
    assert store.conversation_states("suggest", max_idle=timedelta(minutes=15)) == {(2, 2): "text"}
    assert store.pop_expired_drafts("suggest", timedelta(minutes=15)) == [(1, 1, "en")]
    assert store.load_draft("suggest", 1, 1) is None


def test_user_suggestions_newest_first_in_pages(store: Store) -> None:
    for i in range(7):
        submit(store, i + 1, text_=f"建议{i}")
    first = store.user_suggestions(7, offset=0, limit=5)
    second = store.user_suggestions(7, offset=5, limit=5)
    assert first.total == 7 and first.has_next and not second.has_next
    assert [s.text for s in first.items] == [f"建议{i}" for i in (6, 5, 4, 3, 2)]
    assert [s.text for s in second.items] == ["建议1", "建议0"]


def test_outbox_retry_and_give_up(store: Store) -> None:
    submit(store, 1)
    receipt, notice = (item.id for item in store.due_outbox())
    store.outbox_sent(receipt)
    store.outbox_failed(notice, "network", retry_in=60)
    assert store.due_outbox() == []
    assert store.pending_outbox() == 1
    store.outbox_failed(notice, "Forbidden: bot was blocked by the user", retry_in=None)
    assert store.pending_outbox() == 0
    assert store.outbox_attempts(notice) == 2


def test_migrate_is_idempotent(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)
    assert current_revision(engine) == "0003"
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
