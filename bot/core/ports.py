"""What the core needs from a channel to reach people on its own (not as a reply):
receipts, staff cards, answers, time-out notices. Each adapter implements `Channel`."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Protocol

from bot.core.actions import Action, Posted
from bot.core.events import Attachment
from bot.domain.voice import VoiceNote


class Failure(StrEnum):
    """Why a delivery failed, as far as the core cares."""

    GONE = "gone"  # the person blocked the bot or the chat is gone: never retry
    REJECTED = "rejected"  # the channel refused the message itself: never retry
    LIMITED = "limited"  # too many messages: retry after `retry_after` seconds
    NETWORK = "network"  # the channel could not be reached: retry with back-off


class DeliveryError(Exception):
    """A delivery failed; `detail` is the channel's own words (no personal data)."""

    def __init__(self, failure: Failure, detail: str, retry_after: float | None = None) -> None:
        super().__init__(f"{failure}: {detail}")
        self.failure = failure
        self.detail = detail
        self.retry_after = retry_after


class Deliveries(Protocol):
    """The outbox as handlers see it: deliver what is owed, soon or now."""

    def kick(self) -> None:
        """Deliver what is due, in the background."""
        ...

    async def flush(self) -> int:
        """Deliver what is due now; how many messages went out."""
        ...

    @property
    def kicks(self) -> int:
        """How often something was queued (a channel compares it before and after)."""
        ...

    async def settle(self, timeout: float) -> None:
        """Wait up to `timeout` seconds for the delivery running now."""
        ...


class Files(Protocol):
    async def fetch(self, attachment: Attachment, limit: int) -> bytes:
        """The bytes of a file a person sent (see `Channel.fetch`)."""
        ...


class Transcriber(Protocol):
    """Speech to text for workers' voice notes: the seam for a recogniser (none is wired).
    With `Services.transcriber` None a voice note stays a recording: staff listen to it and
    the worker picks the category; an implementation would fill the draft's text from
    `transcribe` (before the category step) so the classifier can guess as for typed text."""

    async def transcribe(self, note: VoiceNote, audio: bytes, lang: str) -> str | None:
        """The words spoken in `audio` (the note's bytes); None when nothing was understood."""
        ...


class Channel(Protocol):
    """A way to reach chats: Telegram today, a web chat or WeChat next."""

    name: str

    async def perform(self, chat_id: int, actions: Sequence[Action]) -> list[Posted]:
        """Carry out `actions` in one chat, in order; raise DeliveryError when one fails.
        Returns the staff cards (messages with a `card`) it posted."""
        ...

    async def fetch(self, attachment: Attachment, limit: int) -> bytes:
        """The bytes of a file a person sent; DeliveryError when it cannot be had, or is
        larger than `limit` bytes (REJECTED)."""
        ...
