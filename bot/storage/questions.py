"""Questions the FAQ could not answer, passed on to staff."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot.storage.common import stamp
from bot.storage.models import Question


def add(
    s: Session,
    user_id: int,
    chat_id: int,
    language: str,
    text: str,
    *,
    now: datetime | None = None,
) -> int:
    """Store a question; its id."""
    row = Question(user_id=user_id, chat_id=chat_id, language=language, text=text,
                   created_at=stamp(now))  # fmt: skip
    s.add(row)
    s.flush()
    return row.id
