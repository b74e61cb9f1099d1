"""SQLAlchemy 2 typed models. Every schema change gets an Alembic migration.

Every column that holds what a person typed or their channel sent (names, texts, places,
phone numbers) is `UserText`: unbounded, and NUL characters dropped on the way in."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bot.domain import Kind, Role, Status
from bot.storage.common import UserText, utcnow

__all__ = ["Base", "Role", "Status", "UserText", "utcnow"]


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str | None] = mapped_column(String(8))
    worker_type: Mapped[str | None] = mapped_column(String(16))
    role: Mapped[str] = mapped_column(String(8), default=Role.WORKER)
    display_name: Mapped[str | None] = mapped_column(UserText)
    username: Mapped[str | None] = mapped_column(UserText)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class Suggestion(Base):
    __tablename__ = "suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    user_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(8), default="zh")
    text: Mapped[str] = mapped_column(UserText)
    attachments: Mapped[list[str]] = mapped_column(JSON, default=list)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    place: Mapped[str | None] = mapped_column(UserText)
    worker_type: Mapped[str | None] = mapped_column(String(16))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    contact_name: Mapped[str | None] = mapped_column(UserText)
    contact_phone: Mapped[str | None] = mapped_column(UserText)
    category: Mapped[str | None] = mapped_column(String(32), index=True)
    predicted_category: Mapped[str | None] = mapped_column(String(32))
    confidence: Mapped[float | None] = mapped_column(Float)
    worker_category: Mapped[str | None] = mapped_column(String(32))
    needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=Status.SUBMITTED, index=True)
    followed_up: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    answer: Mapped[str | None] = mapped_column(UserText)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    source_update_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    summary_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # the 12345 chain: what kind of case, which desk has it, by when, and the verdict
    kind: Mapped[str] = mapped_column(String(16), default=Kind.SUGGESTION,
                                      server_default=Kind.SUGGESTION.value)  # fmt: skip
    desk: Mapped[str | None] = mapped_column(String(64), index=True)
    district: Mapped[str | None] = mapped_column(String(32))
    due_on: Mapped[date | None] = mapped_column(Date, index=True)
    extended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime)
    reopened: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    rating: Mapped[str | None] = mapped_column(String(16))
    rated_at: Mapped[datetime | None] = mapped_column(DateTime)
    rating_reminded: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # the station of the poster the worker came from (`/start st_<id>`), when they did
    station_id: Mapped[str | None] = mapped_column(String(40))
    # the channel the case came by (bot.domain.channels.ChannelName)
    channel: Mapped[str] = mapped_column(String(16), default="telegram", server_default="telegram")

    __table_args__ = (Index("ix_suggestions_chat_summary", "chat_id", "summary_message_id"),)


class Card(Base):
    """A message in a staff chat that shows a case: every one is edited when the case
    changes, so no stale copy remains."""

    __tablename__ = "case_cards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(
        ForeignKey("suggestions.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    __table_args__ = (Index("ux_case_cards_message", "chat_id", "message_id", unique=True),)


class Event(Base):
    """Append-only log of what happened to a suggestion, by whom, when."""

    __tablename__ = "suggestion_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    suggestion_id: Mapped[int] = mapped_column(
        ForeignKey("suggestions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DailyCounter(Base):
    """Per-day sequence behind readable receipt codes (NX-20261128-0042)."""

    __tablename__ = "daily_counters"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Draft(Base):
    """An unfinished conversation: its step and answers, written before each reply."""

    __tablename__ = "drafts"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)


class Outbox(Base):
    """Messages the bot owes someone (staff announcements, answers), retried until delivered."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(24))
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestions.id", ondelete="CASCADE")
    )
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(300))

    __table_args__ = (Index("ix_outbox_pending", "sent_at", "failed_at", "next_attempt_at"),)


class LabelledExample(Base):
    """A text with a category a person confirmed or corrected: training data for the model."""

    __tablename__ = "labelled_examples"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    suggestion_id: Mapped[int | None] = mapped_column(
        ForeignKey("suggestions.id", ondelete="SET NULL"), index=True
    )
    text: Mapped[str] = mapped_column(UserText)
    label: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))  # "staff" or "worker"
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Template(Base):
    """A reply staff saved to reuse."""

    __tablename__ = "reply_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(UserText, unique=True)
    text: Mapped[str] = mapped_column(UserText)
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class WebDevice(Base):
    """A browser of the web chat: the SHA-256 of its cookie's random token (never the token)
    and the rider it belongs to (a one-time link adds a second device to the same rider)."""

    __tablename__ = "web_devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    rider_id: Mapped[int] = mapped_column(BigInteger, index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class WebMessage(Base):
    """A message in a rider's web chat, as the page shows it (`body`: the rendered message);
    the chat's history, and the answers waiting for the rider's next visit."""

    __tablename__ = "web_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    highlight: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class WebLink(Base):
    """A one-time link that opens a rider's chat on another phone."""

    __tablename__ = "web_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    rider_id: Mapped[int] = mapped_column(BigInteger, index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class WebRequest(Base):
    """What the server answered to a request id the page made: a retried request gets the
    same answer and is never carried out twice."""

    __tablename__ = "web_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rider_id: Mapped[int] = mapped_column(BigInteger)
    client_id: Mapped[str] = mapped_column(String(64))
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)

    __table_args__ = (UniqueConstraint("rider_id", "client_id", name="uq_web_requests_client"),)


class Upload(Base):
    """A file a web rider sent (a photo, its metadata already stripped; a voice note),
    referred to from a case's attachments as `up:<id>`."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rider_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(8))
    mime: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
