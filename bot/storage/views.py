"""Plain, immutable views of stored rows: what handlers get instead of ORM objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.storage.models import Event, Suggestion, User


@dataclass(frozen=True)
class UserView:
    id: int
    language: str | None
    worker_type: str | None
    role: str
    display_name: str | None


@dataclass(frozen=True)
class DraftView:
    """A conversation's step and answers, with its key (conversation name, chat, user)."""

    name: str
    chat_id: int
    user_id: int
    state: str
    data: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True)
class EventView:
    kind: str
    actor_id: int | None
    data: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class SuggestionView:
    id: int
    code: str
    user_id: int | None
    chat_id: int | None
    language: str
    text: str
    attachments: list[str]
    latitude: float | None
    longitude: float | None
    place: str | None
    worker_type: str | None
    anonymous: bool
    contact_name: str | None
    contact_phone: str | None
    category: str | None
    predicted_category: str | None
    confidence: float | None
    worker_category: str | None
    needs_review: bool
    status: str
    answer: str | None
    answered_at: datetime | None
    created_at: datetime
    followed_up: bool = False
    events: tuple[EventView, ...] = field(default=())
    kind: str = "suggestion"
    desk: str | None = None
    district: str | None = None
    due_on: date | None = None
    extended: bool = False
    escalated_at: datetime | None = None
    reopened: int = 0
    rating: str | None = None
    rated_at: datetime | None = None
    station_id: str | None = None
    channel: str = "telegram"


@dataclass(frozen=True)
class Page:
    items: list[SuggestionView]
    total: int
    offset: int
    limit: int

    @property
    def has_next(self) -> bool:
        return self.offset + self.limit < self.total


@dataclass(frozen=True)
class OutboxItem:
    """A message the bot owes: where, what kind, and the suggestion it is about."""

    id: int
    chat_id: int
    kind: str
    payload: dict[str, Any]
    suggestion: SuggestionView | None
    attempts: int = 0  # failed attempts so far
    created_at: datetime | None = None


def user_view(user: User) -> UserView:
    return UserView(user.id, user.language, user.worker_type, user.role, user.display_name)


def event_view(event: Event) -> EventView:
    return EventView(event.kind, event.actor_id, dict(event.data or {}), event.created_at)


def suggestion_view(row: Suggestion, events: list[Event] | None = None) -> SuggestionView:
    """An immutable copy of a suggestion row (and its events, when given)."""
    return SuggestionView(
        id=row.id, code=row.code, user_id=row.user_id, chat_id=row.chat_id,
        language=row.language, text=row.text, attachments=list(row.attachments or []),
        latitude=row.latitude, longitude=row.longitude, place=row.place,
        worker_type=row.worker_type, anonymous=row.anonymous, contact_name=row.contact_name,
        contact_phone=row.contact_phone, category=row.category,
        predicted_category=row.predicted_category, confidence=row.confidence,
        worker_category=row.worker_category, needs_review=row.needs_review, status=str(row.status),
        answer=row.answer, answered_at=row.answered_at, created_at=row.created_at,
        followed_up=bool(row.followed_up), events=tuple(event_view(e) for e in events or ()),
        kind=str(row.kind or "suggestion"), desk=row.desk, district=row.district,
        due_on=row.due_on, extended=bool(row.extended), escalated_at=row.escalated_at,
        reopened=int(row.reopened or 0), rating=row.rating, rated_at=row.rated_at,
        station_id=row.station_id, channel=str(row.channel or "telegram"),
    )  # fmt: skip
