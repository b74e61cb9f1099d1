"""The repository: every read and write the bot and the CLI make, one transaction each."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.storage.models import (
    DailyCounter,
    Draft,
    Event,
    Outbox,
    Role,
    Status,
    Suggestion,
    User,
    utcnow,
)
from bot.storage.staff_repo import StaffQueries
from bot.storage.views import (
    DraftView,
    OutboxItem,
    Page,
    SuggestionView,
    UserView,
    suggestion_view,
    user_view,
)

SUGGESTION_FIELDS = (
    "text", "attachments", "latitude", "longitude", "place", "worker_type", "anonymous",
    "contact_name", "contact_phone", "category", "predicted_category", "confidence",
    "worker_category", "needs_review", "language",
)  # fmt: skip


def _insert(dialect: str) -> Any:
    """INSERT with ON CONFLICT support for the backend in use."""
    return pg_insert if dialect == "postgresql" else sqlite_insert


# Statements of the hot path (every conversation step), built once: a statement object that
# is reused keeps its cache key, which SQLAlchemy otherwise recomputes on every call.
def _draft_upsert(dialect: str) -> Any:
    stmt = _insert(dialect)(Draft)
    fresh = {name: stmt.excluded[name] for name in ("state", "data", "updated_at")}
    keys = [Draft.name, Draft.chat_id, Draft.user_id]
    return stmt.on_conflict_do_update(index_elements=keys, set_=fresh)


def _counter_bump(dialect: str) -> Any:
    """Take the next number of a day: insert (day, 1) or add one, returning the number."""
    stmt = _insert(dialect)(DailyCounter)
    bump = {"last": DailyCounter.last + 1}
    return stmt.on_conflict_do_update(index_elements=[DailyCounter.day], set_=bump).returning(
        DailyCounter.last
    )


_INSERT_EVENTS = insert(Event)
_INSERT_OUTBOX = insert(Outbox)
_DELETE_DRAFT = delete(Draft).where(
    Draft.name == bindparam("dname"),
    Draft.chat_id == bindparam("dchat"),
    Draft.user_id == bindparam("duser"),
)
_DUE_OUTBOX = (
    select(Outbox.id, Outbox.chat_id, Outbox.kind, Outbox.payload, Suggestion)
    .outerjoin(Suggestion, Outbox.suggestion_id == Suggestion.id)
    .where(
        Outbox.sent_at.is_(None),
        Outbox.failed_at.is_(None),
        Outbox.next_attempt_at <= bindparam("now"),
    )
    .order_by(Outbox.id)
    .limit(bindparam("limit"))
)
_WORKER_TYPE = select(User.worker_type).where(User.id == bindparam("uid"))
_OUTBOX_SENT = update(Outbox).where(Outbox.id == bindparam("oid")).values(sent_at=bindparam("at"))
_COUNT_SINCE = (
    select(func.count())
    .select_from(Suggestion)
    .where(Suggestion.user_id == bindparam("uid"), Suggestion.created_at >= bindparam("since"))
)


class Store(StaffQueries):
    """All database access, behind small methods that take and return plain values."""

    def __init__(self, engine: Engine, code_prefix: str = "NX") -> None:
        self.engine = engine
        self.code_prefix = code_prefix
        # SQLite is a local file: callers may run these methods on the event loop itself
        self.inline = engine.dialect.name == "sqlite"
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._upsert_draft = _draft_upsert(engine.dialect.name)
        self._bump_counter = _counter_bump(engine.dialect.name)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    # users -----------------------------------------------------------------

    def touch_user(
        self, user_id: int, language: str | None, display_name: str | None, username: str | None
    ) -> UserView:
        """Create the user on first contact; refresh name and username otherwise."""
        with self.session() as s:
            user = s.get(User, user_id)
            if user is None:
                user = User(id=user_id, language=language, role=Role.WORKER)
                s.add(user)
            user.display_name = display_name
            user.username = username
            s.flush()
            return user_view(user)

    def get_user(self, user_id: int) -> UserView | None:
        with self.session() as s:
            user = s.get(User, user_id)
            return user_view(user) if user else None

    def set_user_fields(self, user_id: int, **fields: Any) -> None:
        """Update language, worker_type or role of an existing user."""
        allowed = {"language", "worker_type", "role"}
        if not set(fields) <= allowed:
            raise ValueError(f"cannot set {set(fields) - allowed}")
        with self.session() as s:
            user = s.get(User, user_id) or User(id=user_id, role=Role.WORKER)
            for name, value in fields.items():
                setattr(user, name, value)
            s.add(user)

    # drafts ----------------------------------------------------------------

    def load_draft(self, name: str, chat_id: int, user_id: int) -> DraftView | None:
        with self.session() as s:
            draft = s.get(Draft, (name, chat_id, user_id))
            return DraftView(draft.state, dict(draft.data), draft.updated_at) if draft else None

    def save_draft(
        self, name: str, chat_id: int, user_id: int, state: str, data: dict[str, Any]
    ) -> None:
        """Insert or replace a draft in one statement (this runs on every step)."""
        values = {"name": name, "chat_id": chat_id, "user_id": user_id, "state": state,
                  "data": dict(data), "updated_at": utcnow()}  # fmt: skip
        with self.engine.begin() as conn:
            conn.execute(self._upsert_draft, values)

    def set_draft_state(self, name: str, chat_id: int, user_id: int, state: str | None) -> None:
        """Record a conversation state (None ends it)."""
        with self.session() as s:
            draft = s.get(Draft, (name, chat_id, user_id))
            if state is None:
                if draft is not None:
                    s.delete(draft)
            elif draft is None:
                s.add(Draft(name=name, chat_id=chat_id, user_id=user_id, state=state, data={}))
            else:
                draft.state = state

    def delete_draft(self, name: str, chat_id: int, user_id: int) -> None:
        self.set_draft_state(name, chat_id, user_id, None)

    def conversation_states(
        self, name: str, max_idle: timedelta | None = None
    ) -> dict[tuple[int, int], str]:
        """(chat, user) -> state of unfinished drafts, optionally only recently active ones."""
        query = select(Draft.chat_id, Draft.user_id, Draft.state).where(Draft.name == name)
        if max_idle is not None:
            query = query.where(Draft.updated_at >= utcnow() - max_idle)
        with self.session() as s:
            return {(chat, user): state for chat, user, state in s.execute(query)}

    def pop_expired_drafts(self, name: str, idle: timedelta) -> list[tuple[int, int, str]]:
        """Delete drafts idle longer than `idle`; return their (chat, user, language)."""
        with self.session() as s:
            rows = s.scalars(
                select(Draft).where(Draft.name == name, Draft.updated_at < utcnow() - idle)
            ).all()
            expired = [(d.chat_id, d.user_id, str(d.data.get("lang", "zh"))) for d in rows]
            for draft in rows:
                s.delete(draft)
            return expired

    # suggestions -------------------------------------------------------------

    def _next_number(self, s: Session, day: date) -> int:
        bumped = s.connection().execute(self._bump_counter, {"day": day, "last": 1})
        return int(bumped.scalar_one())

    def latest_in_chat(self, chat_id: int, since: datetime) -> SuggestionView | None:
        """The newest suggestion submitted in a chat since a (naive UTC) time."""
        query = (
            select(Suggestion)
            .where(Suggestion.chat_id == chat_id, Suggestion.created_at >= since)
            .order_by(Suggestion.id.desc())
            .limit(1)
        )
        with self.session() as s:
            row = s.scalar(query)
            return suggestion_view(row) if row else None

    def find_by_update(self, update_id: int) -> SuggestionView | None:
        with self.session() as s:
            row = s.scalar(select(Suggestion).where(Suggestion.source_update_id == update_id))
            return suggestion_view(row) if row else None

    def submit(
        self,
        *,
        user_id: int,
        chat_id: int,
        update_id: int,
        local_day: date,
        fields: dict[str, Any],
        announce_to: int | None,
        draft_name: str,
        receipt_in: int | None = None,
    ) -> tuple[SuggestionView, bool]:
        """Commit a suggestion, its 'created' event, its receipt and staff notice; drop the draft.

        Idempotent on `update_id`: a redelivered update returns the stored suggestion and False.
        `receipt_in`: the id of the summary message the receipt should replace.
        """
        unknown = set(fields) - set(SUGGESTION_FIELDS)
        if unknown:
            raise ValueError(f"unknown suggestion fields {unknown}")
        try:
            with self.session() as s:
                number = self._next_number(s, local_day)
                code = f"{self.code_prefix}-{local_day:%Y%m%d}-{number:04d}"
                row = Suggestion(
                    code=code, user_id=user_id, chat_id=chat_id, source_update_id=update_id,
                    status=Status.SUBMITTED, summary_message_id=receipt_in, **fields,
                )  # fmt: skip
                s.add(row)
                s.flush()  # a redelivered update fails here, on the unique update id
                now = utcnow()
                created = {"suggestion_id": row.id, "kind": "created", "actor_id": user_id,
                           "data": {}, "created_at": now}  # fmt: skip
                conn = s.connection()  # Core from here: no ORM objects needed
                conn.execute(_INSERT_EVENTS, [created])
                conn.execute(_INSERT_OUTBOX, self._owed(row, chat_id, announce_to, receipt_in, now))
                draft = {"dname": draft_name, "dchat": chat_id, "duser": user_id}
                conn.execute(_DELETE_DRAFT, draft)
                return suggestion_view(row), True
        except IntegrityError:
            again = self.find_by_update(update_id)
            if again is None:
                raise
            return again, False

    @staticmethod
    def _owed(
        row: Suggestion, chat_id: int, announce_to: int | None, receipt_in: int | None, now: Any
    ) -> list[dict[str, Any]]:
        """The outbox rows a new suggestion owes: the receipt, the staff notice, its photos."""

        def owed(chat: int, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
            return {"chat_id": chat, "kind": kind, "suggestion_id": row.id, "payload": payload,
                    "created_at": now, "next_attempt_at": now, "attempts": 0}  # fmt: skip

        rows = [owed(chat_id, "receipt", {"message_id": receipt_in} if receipt_in else {})]
        if announce_to is not None:
            rows.append(owed(announce_to, "announce", {}))
            rows += [owed(announce_to, "announce_file", {"file": a}) for a in row.attachments or []]
        return rows

    def get_suggestion(self, code: str, with_events: bool = False) -> SuggestionView | None:
        with self.session() as s:
            row = s.scalar(select(Suggestion).where(Suggestion.code == code.upper()))
            if row is None:
                return None
            events = self._events(s, row.id) if with_events else None
            return suggestion_view(row, events)

    def get_suggestion_by_id(self, suggestion_id: int) -> SuggestionView | None:
        with self.session() as s:
            row = s.get(Suggestion, suggestion_id)
            return suggestion_view(row) if row else None

    def _events(self, s: Session, suggestion_id: int) -> list[Event]:
        query = select(Event).where(Event.suggestion_id == suggestion_id).order_by(Event.id)
        return list(s.scalars(query))

    def user_suggestions(self, user_id: int, offset: int = 0, limit: int = 5) -> Page:
        """A worker's suggestions, newest first."""
        with self.session() as s:
            where = Suggestion.user_id == user_id
            total = s.scalar(select(func.count()).select_from(Suggestion).where(where)) or 0
            rows = s.scalars(
                select(Suggestion)
                .where(where)
                .order_by(Suggestion.created_at.desc(), Suggestion.id.desc())
                .offset(offset)
                .limit(limit)
            ).all()
            return Page([suggestion_view(r) for r in rows], total, offset, limit)

    def intake_start(self, user_id: int, since_utc: datetime) -> tuple[int, str | None]:
        """What a new suggestion needs to know: how many the worker submitted since a
        (naive UTC) time, and their remembered worker type. One round trip each, one call."""
        with self.engine.connect() as conn:
            count = conn.scalar(_COUNT_SINCE, {"uid": user_id, "since": since_utc}) or 0
            worker_type = conn.scalar(_WORKER_TYPE, {"uid": user_id})
            return count, worker_type

    def count_suggestions(self) -> int:
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(Suggestion)) or 0

    # outbox ------------------------------------------------------------------

    def due_outbox(self, limit: int = 20) -> list[OutboxItem]:
        """Undelivered messages whose next attempt is due, with their suggestions."""
        with self.session() as s:
            rows = s.execute(_DUE_OUTBOX, {"now": utcnow(), "limit": limit}).all()
            return [
                OutboxItem(oid, chat, kind, dict(payload or {}),
                           suggestion_view(sg) if sg is not None else None)
                for oid, chat, kind, payload, sg in rows
            ]  # fmt: skip

    def outbox_sent(self, outbox_id: int) -> None:
        with self.engine.begin() as conn:
            conn.execute(_OUTBOX_SENT, {"oid": outbox_id, "at": utcnow()})

    def outbox_failed(self, outbox_id: int, error: str, retry_in: float | None) -> None:
        """Record a failed attempt; retry after `retry_in` seconds, or give up when None."""
        with self.session() as s:
            row = s.get(Outbox, outbox_id)
            if row is None:
                return
            row.attempts += 1
            row.last_error = error[:300]
            if retry_in is None:
                row.failed_at = utcnow()
            else:
                row.next_attempt_at = utcnow() + timedelta(seconds=retry_in)

    def outbox_attempts(self, outbox_id: int) -> int:
        with self.session() as s:
            row = s.get(Outbox, outbox_id)
            return row.attempts if row else 0

    def pending_outbox(self) -> int:
        with self.session() as s:
            query = select(func.count()).select_from(Outbox).where(
                Outbox.sent_at.is_(None), Outbox.failed_at.is_(None))  # fmt: skip
            return s.scalar(query) or 0
