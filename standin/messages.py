"""What the stand-in stores and shows: files, uploads, callback answers and bot messages."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class StoredFile:
    """A file known to the stand-in: uploaded by the bot or sent by a user."""

    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    filename: str | None = None
    mime_type: str | None = None

    @property
    def size(self) -> int:
        """Size in bytes."""
        return len(self.data)

    def photo_size(self, width: int = 1280, height: int = 960) -> dict[str, Any]:
        """This file as a Telegram PhotoSize dict."""
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id, "width": width,
                "height": height, "file_size": self.size}  # fmt: skip

    def as_document(self) -> dict[str, Any]:
        """This file as a Telegram Document dict."""
        doc = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.size,
        }
        if self.filename:
            doc["file_name"] = self.filename
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        return doc


@dataclass(slots=True)
class Upload:
    """A file the bot uploaded in a multipart request."""

    filename: str | None
    data: bytes
    content_type: str | None = None


@dataclass(slots=True)
class CallbackAnswer:
    """What the bot answered to a callback query (the toast or alert the user sees)."""

    text: str | None
    show_alert: bool = False
    url: str | None = None
    query_id: str = ""


@dataclass(slots=True)
class BotMessage:
    """One bot event in a chat as the user sees it: a new message or an edit of one."""

    chat_id: int
    message_id: int
    method: str
    text: str | None = None
    html: str | None = None
    parse_mode: str | None = None
    caption: str | None = None
    edited: bool = False
    buttons: list[list[str]] = field(default_factory=list)
    callback_data: list[str] = field(default_factory=list)
    url_buttons: list[tuple[str, str]] = field(default_factory=list)
    keyboard: list[list[dict[str, Any]]] = field(default_factory=list)
    remove_keyboard: bool = False
    venue: dict[str, Any] | None = None
    location: dict[str, Any] | None = None
    document: StoredFile | None = None
    photo: bytes | None = None
    reply_to: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False)
    message: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_message(
        cls,
        chat_id: int,
        method: str,
        msg: dict[str, Any],
        params: dict[str, Any],
        markup: Any,
        files: dict[str, StoredFile],
    ) -> BotMessage:
        """The user's view of a Message dict the bot created or edited with params."""
        mode = params.get("parse_mode")
        html_key = "text" if "text" in msg else "caption"
        html = params.get(html_key) if str(mode).lower() == "html" else None
        ev = cls(chat_id, msg["message_id"], method, msg.get("text"), html, mode)
        ev.caption, ev.edited = msg.get("caption"), "edit_date" in msg
        ev.fill_markup(markup)
        ev.venue, ev.location = msg.get("venue"), msg.get("location")
        if "document" in msg:
            ev.document = files.get(msg["document"]["file_id"])
        if "photo" in msg:
            ev.photo = files[msg["photo"][-1]["file_id"]].data
        ev.reply_to = msg["reply_to_message"]["message_id"] if "reply_to_message" in msg else None
        ev.raw, ev.message = params, msg
        return ev

    @property
    def content(self) -> str:
        """Everything searchable: text, caption, venue and document name."""
        parts = [self.text, self.caption]
        if self.venue:
            parts += [self.venue.get("title"), self.venue.get("address")]
        if self.document:
            parts.append(self.document.filename)
        return "\n".join(p for p in parts if p)

    def fill_markup(self, markup: Any) -> None:
        """Replace the keyboard information with that of a reply_markup dict."""
        self.buttons, self.callback_data, self.url_buttons, self.keyboard = [], [], [], []
        self.remove_keyboard = False
        if not isinstance(markup, dict):
            return
        for row in markup.get("inline_keyboard") or []:
            self.buttons.append([b.get("text", "") for b in row])
            self.callback_data += [b["callback_data"] for b in row if "callback_data" in b]
            self.url_buttons += [(b.get("text", ""), b["url"]) for b in row if "url" in b]
        for row in markup.get("keyboard") or []:
            self.keyboard.append([b if isinstance(b, dict) else {"text": str(b)} for b in row])
        self.remove_keyboard = bool(markup.get("remove_keyboard"))

    def __str__(self) -> str:
        kind = f"{self.method}, edit" if self.edited else self.method
        lines = [f"#{self.message_id} [{kind}] {self.content or '(no text)'}"]
        lines += ["  " + " ".join(f"[{t}]" for t in row) for row in self.buttons]
        for row in self.keyboard:
            flags = ("request_location", "request_contact")
            cells = (b.get("text", "") + "".join(f" ({f})" for f in flags if b.get(f)) for b in row)
            lines.append("  keyboard: " + " | ".join(cells))
        if self.remove_keyboard:
            lines.append("  (keyboard removed)")
        if self.location and not self.venue:
            lines.append(f"  location {self.location['latitude']},{self.location['longitude']}")
        return "\n".join(lines)
