"""The outbox: messages the bot owes someone, retried until delivered or given up."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from bot.storage.common import autocommit, stamp
from bot.storage.models import Outbox, Suggestion, User
from bot.storage.views import OutboxItem, SuggestionView, suggestion_view

_UNDELIVERED = (Outbox.sent_at.is_(None), Outbox.failed_at.is_(None))
_DUE = (
    select(
        Outbox.id,
        Outbox.chat_id,
        Outbox.kind,
        Outbox.payload,
        Outbox.attempts,
        Outbox.created_at,
        Suggestion,
        User.language,
    )
    .outerjoin(Suggestion, Outbox.suggestion_id == Suggestion.id)
    .outerjoin(User, Suggestion.user_id == User.id)
    .where(*_UNDELIVERED, Outbox.next_attempt_at <= bindparam("now"))
    .order_by(Outbox.id)
    .limit(bindparam("limit"))
)
_SENT = update(Outbox).where(Outbox.id == bindparam("oid")).values(sent_at=bindparam("at"))
_PENDING = select(func.count()).select_from(Outbox).where(*_UNDELIVERED)
_ATTEMPTS = select(Outbox.attempts).where(Outbox.id == bindparam("oid"))
_NEWEST = (
    select(Outbox.sent_at, Outbox.failed_at)
    .where(Outbox.suggestion_id == bindparam("sid"), Outbox.kind == bindparam("kind"))
    .order_by(Outbox.id.desc())
    .limit(1)
)


@autocommit
def due(s: Session, limit: int = 20, *, now: datetime | None = None) -> list[OutboxItem]:
    """Undelivered messages whose next attempt is due, with their suggestions. A
    suggestion's `language` is its worker's language now (they may have switched since
    they wrote it): what the bot tells them follows it."""
    rows = s.execute(_DUE, {"now": stamp(now), "limit": limit}).all()
    return [
        OutboxItem(oid, chat, kind, dict(payload or {}), _view(sg, lang), tries, created)
        for oid, chat, kind, payload, tries, created, sg, lang in rows
    ]


def _view(row: Suggestion | None, language: str | None) -> SuggestionView | None:
    if row is None:
        return None
    view = suggestion_view(row)
    return replace(view, language=language) if language else view


@autocommit
def sent(s: Session, outbox_id: int, *, now: datetime | None = None) -> None:
    s.connection().execute(_SENT, {"oid": outbox_id, "at": stamp(now)})


def failed(
    s: Session,
    outbox_id: int,
    error: str,
    retry_in: float | None,
    *,
    now: datetime | None = None,
) -> None:
    """Record a failed attempt; retry after `retry_in` seconds, or give up when None."""
    row = s.get(Outbox, outbox_id)
    if row is None:
        return
    row.attempts += 1
    row.last_error = error[:300]
    if retry_in is None:
        row.failed_at = stamp(now)
    else:
        row.next_attempt_at = stamp(now) + timedelta(seconds=retry_in)


@autocommit
def state_of(s: Session, suggestion_id: int, kind: str) -> str | None:
    """Where the newest message of `kind` about a suggestion stands: "sent", "failed"
    (given up), "pending" (to be tried again), or None when there is none."""
    row = s.connection().execute(_NEWEST, {"sid": suggestion_id, "kind": kind}).first()
    if row is None:
        return None
    sent_at, failed_at = row
    return "sent" if sent_at else "failed" if failed_at else "pending"


@autocommit
def attempts(s: Session, outbox_id: int) -> int:
    return s.connection().scalar(_ATTEMPTS, {"oid": outbox_id}) or 0


@autocommit
def pending(s: Session) -> int:
    """Messages neither delivered nor given up."""
    return s.connection().scalar(_PENDING) or 0
