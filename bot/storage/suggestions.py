"""Suggestions: submitting one, finding and paging them, and the staff's changes.

Every change is logged as an event; what the worker or staff must hear about goes to the
outbox in the same transaction, so nothing is announced that was not stored.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session

from bot.domain import CLOSED, CODE_PREFIX, MAX_REOPEN, NOTIFY_WORKER, Kind, Rating, Status
from bot.domain.channels import WEB_BASE
from bot.storage import drafts
from bot.storage.common import autocommit, insert_for, per_dialect, stamp
from bot.storage.models import (
    Card,
    DailyCounter,
    Event,
    LabelledExample,
    Outbox,
    Suggestion,
    User,
)
from bot.storage.views import Page, SuggestionView, suggestion_view

SUGGESTION_FIELDS = frozenset({
    "text", "attachments", "latitude", "longitude", "place", "worker_type", "anonymous",
    "contact_name", "contact_phone", "category", "predicted_category", "confidence",
    "worker_category", "needs_review", "language", "kind", "desk", "district", "due_on",
    "station_id", "channel",
})  # fmt: skip
_CLOSED = sorted(str(status) for status in CLOSED)


class NotFound(LookupError):
    """No suggestion with that code or id."""


def _counter_bump(dialect: str) -> Any:
    """Take the next number of a day: insert (day, 1) or add one, returning the number."""
    stmt = insert_for(dialect)(DailyCounter)
    bump = {"last": DailyCounter.last + 1}
    return stmt.on_conflict_do_update(index_elements=[DailyCounter.day], set_=bump).returning(
        DailyCounter.last
    )


def _insert_new(dialect: str) -> Any:
    """Insert a suggestion unless its update was stored already (then no row comes back)."""
    stmt = insert_for(dialect)(Suggestion)
    return stmt.on_conflict_do_nothing(index_elements=[Suggestion.source_update_id]).returning(
        Suggestion
    )


_BUMP = per_dialect(_counter_bump)
_INSERT = per_dialect(_insert_new)
_INSERT_EVENTS = insert(Event)
_INSERT_OUTBOX = insert(Outbox)
REDELIVERY = timedelta(hours=24)  # how long Telegram keeps an update the bot did not confirm
_RELEASE = update(Suggestion).where(Suggestion.id == bindparam("sid")).values(source_update_id=None)
_BY_UPDATE = select(Suggestion).where(Suggestion.source_update_id == bindparam("update_id"))
_BY_CODE = select(Suggestion).where(Suggestion.code == bindparam("code"))
_EVENTS = select(Event).where(Event.suggestion_id == bindparam("sid")).order_by(Event.id)
_WORKER_TYPE = select(User.worker_type).where(User.id == bindparam("uid"))
_COUNT = select(func.count()).select_from(Suggestion)
_COUNT_SINCE = _COUNT.where(  # the daily cap counts suggestions and complaints
    Suggestion.user_id == bindparam("uid"),
    Suggestion.created_at >= bindparam("since"),
    Suggestion.kind != Kind.QUESTION.value,
)
_INTAKE = select(_COUNT_SINCE.scalar_subquery(), _WORKER_TYPE.scalar_subquery())

# --- submitting -----------------------------------------------------------------------


def submit(
    s: Session,
    *,
    user_id: int,
    chat_id: int,
    update_id: int,
    local_day: date,
    fields: dict[str, Any],
    announce_to: int | None,
    draft_name: str | None,
    receipt_in: int | None = None,
    thread: int | None = None,
    receipt: bool = True,
    now: datetime | None = None,
) -> tuple[SuggestionView, bool]:
    """Store a case (a suggestion, complaint or question: `fields["kind"]`), its 'created'
    event, its receipt and its card for the desk's chat (`announce_to`, in forum topic
    `thread`); drop the draft.

    Idempotent on `update_id`: a redelivered update returns the stored suggestion and False
    (without using up a receipt number). `receipt_in`: the id of the summary message the
    receipt should replace; `receipt` False when the caller replies with it at once.
    """
    unknown = set(fields) - SUGGESTION_FIELDS
    if unknown:
        raise ValueError(f"unknown suggestion fields {unknown}")
    at = stamp(now)
    stored = find_by_update(s, update_id)
    if stored is not None:
        if stored.created_at > at - REDELIVERY:
            return stored, False
        # Telegram numbers updates afresh, from a random id, after a week without any: an
        # old case may hold this id. It cannot be a redelivery (an update waits for the bot
        # 24 hours at most), so the old case lets go of the id.
        s.execute(_RELEASE, {"sid": stored.id})
    prefix = CODE_PREFIX[Kind(fields.get("kind", Kind.SUGGESTION))]
    code = f"{prefix}-{local_day:%Y%m%d}-{_next_number(s, local_day):04d}"
    row = _insert_row(
        s, code=code, user_id=user_id, chat_id=chat_id, source_update_id=update_id,
        summary_message_id=receipt_in, created_at=at, updated_at=at, **fields,
    )  # fmt: skip
    if row is None:  # a concurrent transaction stored the same update first (its number
        return _stored(s, update_id), False  # is the one given out; ours is skipped)
    conn = s.connection()  # Core from here: no ORM objects needed
    created = {"suggestion_id": row.id, "kind": "created", "actor_id": user_id, "data": {},
               "created_at": at}  # fmt: skip
    conn.execute(_INSERT_EVENTS, [created])
    owed = _owed(row, chat_id, announce_to, thread, receipt_in, at)
    conn.execute(_INSERT_OUTBOX, owed if receipt else owed[1:])
    if draft_name is not None:
        drafts.delete(s, draft_name, chat_id, user_id)
    return suggestion_view(row), True


def _insert_row(s: Session, **values: Any) -> Suggestion | None:
    """The new row, or None when its update is stored already."""
    insert_new = _INSERT[s.connection().dialect.name]
    return s.scalars(insert_new, [{"status": str(Status.SUBMITTED), **values}]).first()


def _next_number(s: Session, day: date) -> int:
    conn = s.connection()
    return int(conn.execute(_BUMP[conn.dialect.name], {"day": day, "last": 1}).scalar_one())


def _stored(s: Session, update_id: int) -> SuggestionView:
    view = find_by_update(s, update_id)
    if view is None:  # ON CONFLICT skipped the row, so it exists: this is a bug
        raise LookupError(f"no suggestion for update {update_id} after a conflict")
    return view


def _owed(
    row: Suggestion,
    chat_id: int,
    announce_to: int | None,
    thread: int | None,
    receipt_in: int | None,
    at: datetime,
) -> list[dict[str, Any]]:
    """The outbox rows a new suggestion owes: the receipt, the staff notice, its photos."""

    def owed(chat: int, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        return {"chat_id": chat, "kind": kind, "suggestion_id": row.id, "payload": payload,
                "created_at": at, "next_attempt_at": at, "attempts": 0}  # fmt: skip

    rows = [owed(chat_id, "receipt", {"message_id": receipt_in} if receipt_in else {})]
    if announce_to is not None:
        where = {"thread": thread} if thread is not None else {}
        rows.append(owed(announce_to, "announce", where))
        rows += [owed(announce_to, "announce_file", {"file": a, **where})
                 for a in row.attachments or []]  # fmt: skip
    return rows


# --- finding --------------------------------------------------------------------------


@autocommit
def get(s: Session, code: str, with_events: bool = False) -> SuggestionView | None:
    """A suggestion by its receipt code (any case), optionally with its events."""
    row = s.scalar(_BY_CODE, {"code": code.upper()})
    if row is None:
        return None
    events = list(s.scalars(_EVENTS, {"sid": row.id})) if with_events else None
    return suggestion_view(row, events)


@autocommit
def by_id(s: Session, suggestion_id: int) -> SuggestionView | None:
    row = s.get(Suggestion, suggestion_id)
    return suggestion_view(row) if row else None


@autocommit
def find_by_update(s: Session, update_id: int) -> SuggestionView | None:
    """The suggestion a Telegram update created, if it was submitted."""
    row = s.scalar(_BY_UPDATE, {"update_id": update_id})
    return suggestion_view(row) if row else None


@autocommit
def latest_in_chat(s: Session, chat_id: int, since: datetime) -> SuggestionView | None:
    """The newest suggestion submitted in a chat since a (naive UTC) time."""
    query = (
        select(Suggestion)
        .where(Suggestion.chat_id == chat_id, Suggestion.created_at >= since)
        .order_by(Suggestion.id.desc())
        .limit(1)
    )
    row = s.scalar(query)
    return suggestion_view(row) if row else None


@autocommit
def user_page(s: Session, user_id: int, offset: int = 0, limit: int = 5) -> Page:
    """A worker's suggestions, newest first."""
    where = Suggestion.user_id == user_id
    total = s.scalar(_COUNT.where(where)) or 0
    rows = s.scalars(
        select(Suggestion)
        .where(where)
        .order_by(Suggestion.created_at.desc(), Suggestion.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return Page([suggestion_view(r) for r in rows], total, offset, limit)


@autocommit
def intake_start(s: Session, user_id: int, since_utc: datetime) -> tuple[int, str | None]:
    """What a new suggestion needs to know: how many the worker submitted since a
    (naive UTC) time, and their remembered worker type. One statement: one round trip."""
    row = s.connection().execute(_INTAKE, {"uid": user_id, "since": since_utc}).one()
    return int(row[0] or 0), row[1]


@autocommit
def last_update_id(s: Session) -> int:
    """The highest Telegram update id a case was stored from (0 when none); web events are
    numbered from WEB_BASE up and do not count."""
    telegram = Suggestion.source_update_id < WEB_BASE
    return int(s.scalar(select(func.max(Suggestion.source_update_id)).where(telegram)) or 0)


@autocommit
def count(s: Session) -> int:
    return s.connection().scalar(_COUNT) or 0


@autocommit
def inbox(
    s: Session,
    category: str | None,
    status: str | None,
    offset: int = 0,
    limit: int = 5,
    *,
    kind: str | None = None,
    desks: tuple[str | None, ...] | None = None,
) -> Page:
    """Cases for staff, newest first; without a status, the open ones. `desks`: only
    cases of these desks (None in it: cases of no desk); None: every desk."""
    query = select(Suggestion)
    if kind:
        query = query.where(Suggestion.kind == kind)
    if desks is not None:
        named = [d for d in desks if d is not None]
        mine = Suggestion.desk.in_(named)
        query = query.where(or_(mine, Suggestion.desk.is_(None)) if None in desks else mine)
    if category == "review":
        query = query.where(Suggestion.needs_review.is_(True))
    elif category:
        query = query.where(Suggestion.category == category)
    if status:
        query = query.where(Suggestion.status == status)
    else:
        query = query.where(Suggestion.status.not_in(_CLOSED))
    total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = s.scalars(
        query.order_by(Suggestion.created_at.desc(), Suggestion.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    return Page([suggestion_view(r) for r in rows], total, offset, limit)


@autocommit
def delivery_failures(s: Session, suggestion_id: int) -> list[tuple[str, str, datetime | None]]:
    """Messages about this suggestion that could not be delivered: (kind, error, when)."""
    rows = s.execute(
        select(Outbox.kind, Outbox.last_error, Outbox.failed_at).where(
            Outbox.suggestion_id == suggestion_id, Outbox.failed_at.is_not(None)
        )
    ).all()
    return [(k, e or "", w) for k, e, w in rows]


# --- reports --------------------------------------------------------------------------


@autocommit
def created_since(s: Session, since: datetime) -> list[tuple[datetime, str | None]]:
    """(created_at, category or None when it waits for review) since a naive UTC time."""
    query = select(Suggestion.created_at, Suggestion.category, Suggestion.needs_review).where(
        Suggestion.created_at >= since
    )
    return [(c, None if review else cat) for c, cat, review in s.execute(query)]


@autocommit
def status_counts(s: Session) -> dict[str, int]:
    query = select(Suggestion.status, func.count()).group_by(Suggestion.status)
    return {str(status): int(n) for status, n in s.execute(query)}


# --- the staff's changes --------------------------------------------------------------


def set_status(
    s: Session, ref: int | str, status: str, actor: int, *, now: datetime | None = None
) -> SuggestionView:
    """Move a suggestion to `status`, log it, and tell the worker when it matters."""
    status = Status(status)
    row = _locked(s, ref)
    old = row.status
    if old != status:
        at = stamp(now)
        row.status, row.updated_at = status, at
        _log(s, row, "status_changed", actor, at, old=old, new=str(status))
        if status in NOTIFY_WORKER:
            _tell_worker(s, row, "status", at, status=str(status))
        _refresh_cards(s, row, at)
    return suggestion_view(row)


def answer(
    s: Session,
    ref: int | str,
    text: str,
    actor: int,
    *,
    report_to: int | None = None,
    now: datetime | None = None,
) -> SuggestionView:
    """Store the answer, mark the suggestion answered, queue it for the worker (who rates
    it anew). `report_to`: the staff chat told when the answer reaches the worker only later."""
    at = stamp(now)
    row = _locked(s, ref)
    row.answer, row.answered_at, row.status, row.updated_at = text, at, Status.ANSWERED, at
    row.rating, row.rated_at, row.rating_reminded = None, None, False
    _log(s, row, "answered", actor, at, text=text)
    payload = {"report_to": report_to} if report_to is not None else {}
    _tell_worker(s, row, "answer", at, **payload)
    _refresh_cards(s, row, at)
    return suggestion_view(row)


def recategorize(
    s: Session, ref: int | str, category: str, actor: int, *, now: datetime | None = None
) -> SuggestionView:
    """A staff correction: stored on the suggestion and as a labelled example."""
    at = stamp(now)
    row = _locked(s, ref)
    old = row.category
    row.category, row.needs_review, row.updated_at = category, False, at
    _log(s, row, "recategorized", actor, at, old=old, new=category)
    s.add(LabelledExample(suggestion_id=row.id, text=row.text, label=category,
                          source="staff", actor_id=actor, created_at=at))  # fmt: skip
    _refresh_cards(s, row, at)
    return suggestion_view(row)


def reassign(
    s: Session,
    ref: int | str,
    desk: str,
    chat: int | None,
    thread: int | None,
    reason: str,
    actor: int,
    *,
    now: datetime | None = None,
) -> SuggestionView:
    """转办: hand a case to another desk with a reason; its chat gets a card."""
    at = stamp(now)
    row = _locked(s, ref)
    old = row.desk
    row.desk, row.updated_at = desk, at
    _log(s, row, "reassigned", actor, at, old=old, new=desk, reason=reason)
    _refresh_cards(s, row, at)
    if chat is not None:
        where = {"thread": thread} if thread is not None else {}
        s.add(Outbox(chat_id=chat, kind="announce", suggestion_id=row.id, payload=where,
                     created_at=at, next_attempt_at=at))  # fmt: skip
    return suggestion_view(row)


def extend(
    s: Session,
    ref: int | str,
    due_on: date,
    reason: str,
    actor: int,
    *,
    now: datetime | None = None,
) -> SuggestionView | None:
    """Move a case's deadline once, with a reason, and tell the worker the new date;
    None when it was extended before."""
    at = stamp(now)
    row = _locked(s, ref)
    if row.extended:
        return None
    old = row.due_on
    row.due_on, row.extended, row.escalated_at, row.updated_at = due_on, True, None, at
    _log(s, row, "extended", actor, at, old=old.isoformat() if old else None,
         new=due_on.isoformat(), reason=reason)  # fmt: skip
    _tell_worker(s, row, "extended", at, due=due_on.isoformat())
    _refresh_cards(s, row, at)
    return suggestion_view(row)


def rate(
    s: Session,
    suggestion_id: int,
    user_id: int,
    rating: Rating,
    *,
    reason: str | None = None,
    desk_chat: int | None = None,
    supervisor_chat: int | None = None,
    now: datetime | None = None,
) -> tuple[str, SuggestionView | None]:
    """The worker rates an answer (回访评价). 不满意 reopens the case to its desk (to the
    supervisor after `MAX_REOPEN` reopenings). Returns ("rated" | "reopened" |
    "to_supervisor", view), or ("not_yours" | "not_answered" | "already", None)."""
    row = s.get(Suggestion, suggestion_id, with_for_update=True)
    if row is None or row.user_id != user_id:
        return "not_yours", None
    if row.status not in _CLOSED or row.answered_at is None:
        return "not_answered", None
    if row.rating is not None:
        return "already", None
    at = stamp(now)
    row.rating, row.rated_at, row.updated_at = str(rating), at, at
    _log(s, row, "rated", user_id, at, rating=str(rating), reason=reason)
    outcome = "rated"
    if rating is Rating.UNSATISFIED:
        outcome = _reopen(s, row, user_id, reason, desk_chat, supervisor_chat, at)
    _refresh_cards(s, row, at)
    return outcome, suggestion_view(row)


def _reopen(
    s: Session,
    row: Suggestion,
    user_id: int,
    reason: str | None,
    desk_chat: int | None,
    supervisor_chat: int | None,
    at: datetime,
) -> str:
    row.reopened = (row.reopened or 0) + 1
    row.followed_up, row.status = True, Status.IN_PROGRESS
    _log(s, row, "reopened", user_id, at, reason=reason, times=row.reopened)
    higher = row.reopened > MAX_REOPEN and supervisor_chat is not None
    chat = supervisor_chat if higher else desk_chat
    if chat is not None:
        s.add(Outbox(chat_id=chat, kind="follow_up", suggestion_id=row.id,
                     payload={"reason": reason, "supervisor": higher},
                     created_at=at, next_attempt_at=at))  # fmt: skip
    return "to_supervisor" if higher else "reopened"


def follow_up(
    s: Session,
    suggestion_id: int,
    user_id: int,
    announce_to: int | None,
    *,
    now: datetime | None = None,
) -> tuple[str, SuggestionView | None]:
    """The "not solved yet" button of answers sent before ratings: 不满意 without a reason.

    Returns ("reopened", view), or ("not_yours" | "already" | "still_open", None).
    """
    outcome, view = rate(s, suggestion_id, user_id, Rating.UNSATISFIED,
                         desk_chat=announce_to, now=now)  # fmt: skip
    if outcome == "not_answered":
        return "still_open", None
    return ("reopened", view) if view is not None else (outcome, None)


# --- deadlines: the daily digest, escalation, rating reminders ------------------------


@autocommit
def due_by(s: Session, day: date) -> list[SuggestionView]:
    """Open cases due on or before `day` (local date), the oldest deadline first."""
    query = (
        select(Suggestion)
        .where(Suggestion.status.not_in(_CLOSED), Suggestion.due_on <= day)
        .order_by(Suggestion.due_on, Suggestion.created_at, Suggestion.id)
    )
    return [suggestion_view(r) for r in s.scalars(query)]


def escalate(
    s: Session, suggestion_id: int, supervisor_chat: int, *, now: datetime | None = None
) -> bool:
    """Send an overdue case to the supervisor once; False when it was escalated before."""
    row = s.get(Suggestion, suggestion_id, with_for_update=True)
    if row is None or row.escalated_at is not None:
        return False
    at = stamp(now)
    row.escalated_at = at
    _log(s, row, "escalated", None, at)
    s.add(Outbox(chat_id=supervisor_chat, kind="escalation", suggestion_id=row.id,
                 created_at=at, next_attempt_at=at))  # fmt: skip
    return True


def remind_unrated(s: Session, answered_before: datetime, *, now: datetime | None = None) -> int:
    """One reminder to rate, for answers older than `answered_before` that are not rated
    (never a second one); how many were queued."""
    at = stamp(now)
    query = select(Suggestion).where(
        Suggestion.status.in_(_CLOSED),
        Suggestion.answered_at < answered_before,
        Suggestion.rating.is_(None),
        Suggestion.rating_reminded.is_(False),
        Suggestion.chat_id.is_not(None),
    )
    rows = list(s.scalars(query.with_for_update()))
    for row in rows:
        row.rating_reminded = True
        _tell_worker(s, row, "rate_reminder", at)
    return len(rows)


def refresh_cards(s: Session, suggestion_id: int, *, now: datetime | None = None) -> None:
    """Queue an edit of every card of a case (one posted while the case changed)."""
    row = s.get(Suggestion, suggestion_id)
    if row is not None:
        _refresh_cards(s, row, stamp(now))


def _refresh_cards(s: Session, row: Suggestion, at: datetime) -> None:
    """Queue an edit of every card of this case in staff chats (see `cards`)."""
    query = select(Card.chat_id, Card.message_id).where(Card.suggestion_id == row.id)
    shown = list(s.execute(query))
    if not shown:
        return
    failures = delivery_failures(s, row.id)
    failure = {"failure": failures[-1][1]} if failures else {}
    for chat, message in shown:
        s.add(Outbox(chat_id=chat, kind="card", suggestion_id=row.id,
                     payload={"message_id": int(message), **failure}, created_at=at,
                     next_attempt_at=at))  # fmt: skip


def _locked(s: Session, ref: int | str) -> Suggestion:
    """The suggestion with this id or code, locked for the change (PostgreSQL)."""
    if isinstance(ref, int):
        row = s.get(Suggestion, ref, with_for_update=True)
    else:
        code = ref.strip().upper()
        row = s.scalar(select(Suggestion).where(Suggestion.code == code).with_for_update())
    if row is None:
        raise NotFound(str(ref))
    return row


def _log(
    s: Session, row: Suggestion, kind: str, actor: int | None, at: datetime, **data: Any
) -> None:
    s.add(Event(suggestion_id=row.id, kind=kind, actor_id=actor, data=data, created_at=at))


def _tell_worker(s: Session, row: Suggestion, kind: str, at: datetime, **payload: Any) -> None:
    if row.chat_id is not None:
        s.add(Outbox(chat_id=row.chat_id, kind=kind, suggestion_id=row.id, payload=payload,
                     created_at=at, next_attempt_at=at))  # fmt: skip
