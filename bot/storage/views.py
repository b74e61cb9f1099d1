"""Plain, immutable views of stored rows: what handlers get instead of ORM objects."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class UserView:
    id: int
    language: str | None
    worker_type: str | None
    role: str
    display_name: str | None


@dataclass(frozen=True)
class DraftView:
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
    events: tuple[EventView, ...] = field(default=())


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
