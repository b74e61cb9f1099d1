"""What the core asks a channel to do: send, edit, answer a button, show a place or a file.

Texts are HTML of the small subset every channel can show (<b>, <i>, <a>); a channel adapter
turns these values into its own calls and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from bot.core.events import Attachment, Who
from bot.domain.voice import VoiceNote


@dataclass(frozen=True, slots=True)
class Button:
    """An inline button; `data` comes from `bot.core.buttons.encode`."""

    label: str
    data: str


@dataclass(frozen=True, slots=True)
class PrivateChatButton:
    """A button that opens the person's one-to-one chat with the bot (from a group)."""

    label: str


@dataclass(frozen=True, slots=True)
class Buttons:
    """Inline buttons under a message, row by row."""

    rows: tuple[tuple[Button | PrivateChatButton, ...], ...]

    @classmethod
    def grid(cls, buttons: list[Button], per_row: int) -> Buttons:
        return cls(tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row)))

    @classmethod
    def column(cls, buttons: list[Button]) -> Buttons:
        return cls.grid(buttons, 1)


class Request(StrEnum):
    """What a reply-keyboard key sends when tapped."""

    TEXT = "text"  # its own label, as if typed
    LOCATION = "location"
    CONTACT = "contact"


@dataclass(frozen=True, slots=True)
class Key:
    label: str
    request: Request = Request.TEXT


@dataclass(frozen=True, slots=True)
class Keys:
    """A keyboard in place of the phone's keyboard, shown once."""

    rows: tuple[tuple[Key, ...], ...]


@dataclass(frozen=True, slots=True)
class RemoveKeys:
    """Take a `Keys` keyboard away."""


@dataclass(frozen=True, slots=True)
class AskReply:
    """Open the reply field on this message (Telegram's ForceReply)."""


Markup = Buttons | Keys | RemoveKeys | AskReply


@dataclass(frozen=True, slots=True)
class Message:
    """A new message; `chat` None means the chat the event came from. `card`: the case
    this message shows to staff (the channel reports it posted, so every card of a case
    can be edited when it changes); `thread`: a forum topic of the chat."""

    text: str
    markup: Markup | None = None
    chat: int | None = None
    card: int | None = None
    thread: int | None = None


@dataclass(frozen=True, slots=True)
class Posted:
    """A staff card a channel posted: case id, chat, message id."""

    card: int
    chat: int
    message_id: int


@dataclass(frozen=True, slots=True)
class Pinned:
    """A station pin a channel sent (a `Venue` with `pin_for`): chat and message id, so a
    newer pin of the same list can take its place."""

    who: Who
    chat: int
    message_id: int


@dataclass(frozen=True, slots=True)
class Edit:
    """Change a message the bot sent: its text (None keeps it) and its buttons (None
    removes them). `message_id` None means the message whose button was pressed;
    `or_send` sends a new message when the old one cannot be edited any more."""

    text: str | None
    markup: Buttons | None = None
    message_id: int | None = None
    chat: int | None = None
    or_send: bool = False


@dataclass(frozen=True, slots=True)
class Toast:
    """The answer to a button press: a short note, or an alert the person must close."""

    text: str
    alert: bool = False


@dataclass(frozen=True, slots=True)
class Venue:
    """A place on a map. `pin_for`: the person whose station list it belongs to; the channel
    reports the message it sent (`Pinned`), so the pin can be replaced later."""

    latitude: float
    longitude: float
    title: str
    address: str
    chat: int | None = None
    pin_for: Who | None = None


@dataclass(frozen=True, slots=True)
class Delete:
    """Take back a message the bot sent (a replaced pin); one already gone is fine."""

    message_id: int
    chat: int | None = None


@dataclass(frozen=True, slots=True)
class Picture:
    """A picture: new bytes (a chart), or a file the channel already has."""

    picture: bytes | Attachment
    caption: str | None = None
    chat: int | None = None
    thread: int | None = None


@dataclass(frozen=True, slots=True)
class Document:
    """A file: one written for this message (removed once sent, when `remove_after`), or a
    file the channel already has."""

    document: Path | Attachment
    filename: str | None = None
    caption: str | None = None
    chat: int | None = None
    remove_after: bool = False
    thread: int | None = None


@dataclass(frozen=True, slots=True)
class Recording:
    """A worker's voice note relayed to staff: by the channel's reference, or as its bytes
    (`data`) when another channel took it (a web rider's recording)."""

    note: VoiceNote
    caption: str | None = None
    chat: int | None = None
    thread: int | None = None
    data: bytes | None = None


Action = Message | Edit | Toast | Venue | Delete | Picture | Document | Recording
