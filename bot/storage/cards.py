"""Staff cards: the messages that show a case in staff chats, so every one can be edited
when the case changes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.common import autocommit, insert_for, stamp
from bot.storage.models import Card


@autocommit
def add(s: Session, posted: Iterable[tuple[int, int, int]], *, now: datetime | None = None) -> None:
    """Remember cards posted: (case id, chat id, message id); a repeat is ignored."""
    at = stamp(now)
    rows = [{"suggestion_id": sid, "chat_id": chat, "message_id": message, "created_at": at}
            for sid, chat, message in posted]  # fmt: skip
    if not rows:
        return
    stmt = insert_for(s.connection().dialect.name)(Card).on_conflict_do_nothing(
        index_elements=[Card.chat_id, Card.message_id]
    )
    s.execute(stmt, rows)


@autocommit
def of(s: Session, suggestion_id: int) -> list[tuple[int, int]]:
    """Every card of a case: (chat id, message id), oldest first."""
    query = select(Card.chat_id, Card.message_id).where(Card.suggestion_id == suggestion_id)
    return [(int(c), int(m)) for c, m in s.execute(query.order_by(Card.id))]
