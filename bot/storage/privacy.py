"""Erasure: a worker asks to be forgotten; their suggestions stay, anonymous."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bot.storage.common import stamp
from bot.storage.models import Draft, Event, Outbox, Question, Suggestion, User


def erase_identity(s: Session, user_id: int, *, now: datetime | None = None) -> int:
    """Unlink a worker from everything they sent; returns how many suggestions were theirs."""
    ids = list(s.scalars(select(Suggestion.id).where(Suggestion.user_id == user_id)))
    s.execute(
        update(Suggestion)
        .where(Suggestion.user_id == user_id)
        .values(user_id=None, chat_id=None, anonymous=True, contact_name=None,
                contact_phone=None, updated_at=stamp(now))
    )  # fmt: skip
    if ids:
        mine = (Event.suggestion_id.in_(ids), Event.actor_id == user_id)
        s.execute(update(Event).where(*mine).values(actor_id=None))
        unsent = (Outbox.suggestion_id.in_(ids), Outbox.sent_at.is_(None))
        s.execute(delete(Outbox).where(*unsent))
    s.execute(update(Question).where(Question.user_id == user_id).values(
        user_id=None, chat_id=None))  # fmt: skip
    s.execute(delete(Draft).where(Draft.user_id == user_id))
    s.execute(delete(User).where(User.id == user_id))
    return len(ids)
