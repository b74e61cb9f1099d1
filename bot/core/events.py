"""What reaches the core from a channel: who sent it, and what they sent.

A channel adapter (Telegram today; a web chat or WeChat next) turns its own updates into
these plain values; the core never sees a channel's types.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.voice import VoiceNote


@dataclass(frozen=True, slots=True)
class Who:
    """The sender and the chat they wrote in."""

    channel: str  # "telegram", "web", ...
    user_id: int
    chat_id: int
    private: bool  # a one-to-one chat with the bot (not a group)
    name: str = ""  # the full name the person gave the channel
    first_name: str = ""
    username: str | None = None
    lang_hint: str | None = None  # the client's language code, e.g. "zh-hans"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the worker sent with a suggestion, by the channel's own reference."""

    file_id: str
    as_document: bool = False  # sent as a file rather than a (compressed) photo

    def encode(self) -> str:
        """The stored form (a list of these strings is the suggestion's `attachments`)."""
        return f"doc:{self.file_id}" if self.as_document else self.file_id

    @classmethod
    def decode(cls, stored: str) -> Attachment:
        if stored.startswith("doc:"):
            return cls(stored.removeprefix("doc:"), as_document=True)
        return cls(stored)


def stored_file(stored: str) -> Attachment | VoiceNote:
    """One item of a case's `attachments`: a voice note, else a photo (older rows too)."""
    return VoiceNote.parse(stored) or Attachment.decode(stored)


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class Command:
    """`/name args`; `args` is the rest of the line as typed."""

    name: str
    args: str = ""

    @property
    def argv(self) -> list[str]:
        return self.args.split()


@dataclass(frozen=True, slots=True)
class Photo:
    """A picture: a photo, or an image sent as a file (`attachment.as_document`)."""

    attachment: Attachment
    caption: str = ""
    size: int | None = None  # bytes, when the channel says


@dataclass(frozen=True, slots=True)
class File:
    """A file that is not an image."""

    name: str | None
    mime_type: str | None
    size: int | None


@dataclass(frozen=True, slots=True)
class Voice:
    """A voice note (or a short audio file) by the channel's reference, with its length."""

    note: VoiceNote
    size: int | None = None  # bytes, when the channel says


@dataclass(frozen=True, slots=True)
class Location:
    latitude: float
    longitude: float
    venue: str | None = None  # a named place the worker picked


@dataclass(frozen=True, slots=True)
class Contact:
    phone: str
    own: bool  # the sender's own number (shared with the contact button)


@dataclass(frozen=True, slots=True)
class Press:
    """A button pressed; `data` is the raw button data (decoded by `bot.core.buttons`)."""

    data: str
    message_id: int | None = None


@dataclass(frozen=True, slots=True)
class Other:
    """Anything else a person can send: a sticker, a video, a poll..."""

    kind: str


Body = Text | Command | Photo | File | Voice | Location | Contact | Press | Other


@dataclass(frozen=True, slots=True)
class Event:
    """One inbound event; `event_id` is unique per channel (Telegram's update_id)."""

    who: Who
    body: Body
    event_id: int
