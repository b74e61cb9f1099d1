"""Erasure: a worker asks to be forgotten.

What stays, for the statistics: their suggestions' texts, places, categories, statuses and
dates, and the questions they passed to staff, with their own words masked (`王小明` ->
`王**`, phone numbers -> `139****5678`, like the masked export). What goes: the user row,
drafts, every id, chat and message id that leads back to them (suggestions and
questions, events, training copies, templates), the name and phone they left on named suggestions,
and every message the bot sent or owes to their chat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from bot.storage import web
from bot.storage.common import stamp
from bot.storage.models import (
    Draft,
    Event,
    LabelledExample,
    Outbox,
    Suggestion,
    Template,
    User,
)

# (text, the person's words: names, username, phone, id) -> the text with those masked.
# Storage does not know how to mask; the caller passes the export's way (bot.export).
Scrub = Callable[[str, Sequence[str | None]], str]
Masker = Callable[[str], str]


def erase_identity(
    s: Session,
    user_id: int,
    *,
    names: Iterable[str | None] = (),
    scrub: Scrub | None = None,
    now: datetime | None = None,
) -> int:
    """Unlink a worker from everything they sent and mask them in it; returns how many
    suggestions were theirs.

    `names`: what the channel calls them now, besides what is stored (the first name, the
    full name, the username). `scrub`: how to mask a text; None unlinks only."""
    mine = list(s.scalars(select(Suggestion).where(Suggestion.user_id == user_id)))
    words = _words(s, user_id, mine, names)
    mask: Masker = (lambda text: scrub(text, words)) if scrub else (lambda text: text)
    ids = [row.id for row in mine]
    chats = {row.chat_id for row in mine if row.chat_id is not None}
    _forget_suggestions(s, mine, mask, stamp(now))
    _forget_messages(s, ids, chats)
    _forget_events(s, user_id, ids, mask)
    _forget_examples(s, user_id, ids, mask)
    s.execute(update(Template).where(Template.created_by == user_id).values(created_by=None))
    s.execute(delete(Draft).where(Draft.user_id == user_id))
    web.erase_rider(s, user_id)  # a web rider's devices, chat, links (nothing for others)
    s.execute(delete(User).where(User.id == user_id))
    return len(ids)


def _words(
    s: Session, user_id: int, mine: list[Suggestion], names: Iterable[str | None]
) -> tuple[str | None, ...]:
    """Everything that names the worker: what the channel says now, the stored user, the
    name and phone they left on each suggestion, and their id."""
    user = s.get(User, user_id)
    stored = (user.display_name, user.username) if user is not None else ()
    left = [word for row in mine for word in (row.contact_name, row.contact_phone)]
    return tuple(dict.fromkeys((*names, *stored, *left, str(user_id))))


def _forget_suggestions(s: Session, mine: list[Suggestion], mask: Masker, at: datetime) -> None:
    for row in mine:
        row.text = mask(row.text)
        row.place = mask(row.place) if row.place else row.place
        row.answer = mask(row.answer) if row.answer else row.answer  # an answer may quote them
        row.user_id = row.chat_id = row.summary_message_id = None
        row.anonymous, row.contact_name, row.contact_phone = True, None, None
        row.updated_at = at
    s.flush()


def _forget_messages(s: Session, ids: list[int], chats: set[int]) -> None:
    """Every message to the worker's chat about their suggestions (a sent one still ties
    the chat to the suggestion), and whatever was not sent yet."""
    about = Outbox.suggestion_id.in_(ids)
    s.execute(delete(Outbox).where(about, or_(Outbox.chat_id.in_(chats), Outbox.sent_at.is_(None))))


def _forget_events(s: Session, user_id: int, ids: list[int], mask: Masker) -> None:
    """Their id as the actor anywhere; their words in what was logged about their
    suggestions (an answer's text)."""
    s.execute(update(Event).where(Event.actor_id == user_id).values(actor_id=None))
    for event in s.scalars(select(Event).where(Event.suggestion_id.in_(ids))):
        data = _masked(event.data, mask)
        if data != event.data:
            event.data = data


def _forget_examples(s: Session, user_id: int, ids: list[int], mask: Masker) -> None:
    """The training copies of their texts, and their id as the one who labelled."""
    for example in s.scalars(select(LabelledExample).where(LabelledExample.suggestion_id.in_(ids))):
        example.text = mask(example.text)
    labelled_by = LabelledExample.actor_id == user_id
    s.execute(update(LabelledExample).where(labelled_by).values(actor_id=None))


def _masked(value: Any, mask: Masker) -> Any:
    """A JSON value with every string in it masked."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {key: _masked(item, mask) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item, mask) for item in value]
    return value
