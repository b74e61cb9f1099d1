"""Scripted users: send updates as a person would and read what the bot answered."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, overload

from bot.standin.faults import u16len

if TYPE_CHECKING:
    from bot.standin.state import Chat, State


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


@dataclass(slots=True)
class Press:
    """A sent callback query; await answer() for the bot's answerCallbackQuery."""

    update_id: int
    query_id: str
    data: str
    message_id: int | None
    future: asyncio.Future[CallbackAnswer] = field(repr=False)

    async def answer(self, timeout: float = 5.0) -> CallbackAnswer:
        """Wait until the bot answers this callback query."""
        try:
            return await asyncio.wait_for(asyncio.shield(self.future), timeout)
        except TimeoutError:
            raise TimeoutError(
                f"the bot did not call answerCallbackQuery for {self.data!r} within {timeout}s"
            ) from None


class ChatView:
    """The inbox of one chat: bot messages and edits, consumed in order."""

    def __init__(self, state: State, chat: Chat) -> None:
        self.state = state
        self.chat = chat

    @property
    def chat_id(self) -> int:
        """The chat id."""
        return self.chat.id

    @property
    def history(self) -> list[BotMessage]:
        """Every bot event in this chat so far, consumed or not."""
        return list(self.chat.events)

    @property
    def deleted_ids(self) -> set[int]:
        """Message ids the bot deleted in this chat."""
        return set(self.chat.deleted)

    def drain(self) -> list[BotMessage]:
        """Consume and return every pending event without waiting."""
        chat = self.chat
        events = chat.events[chat.cursor :]
        chat.cursor = len(chat.events)
        return events

    async def reply(self, timeout: float = 5.0) -> BotMessage:
        """The next not yet consumed bot event (new message or edit) in this chat."""
        chat = self.chat
        if chat.cursor >= len(chat.events):
            deadline = time.monotonic() + timeout
            while chat.cursor >= len(chat.events):
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(self._describe(f"no new bot message within {timeout}s"))
                await chat.signal.wait(left)
        chat.cursor += 1
        return chat.events[chat.cursor - 1]

    async def replies(self, n: int, timeout: float = 5.0) -> list[BotMessage]:
        """The next n bot events, all within timeout seconds."""
        deadline = time.monotonic() + timeout
        got: list[BotMessage] = []
        try:
            for _ in range(n):
                got.append(await self.reply(max(0.0, deadline - time.monotonic())))
        except TimeoutError:
            problem = f"got {len(got)} of {n} replies in {timeout}s"
            raise TimeoutError(self._describe(problem)) from None
        return got

    async def expect(self, contains: str, timeout: float = 5.0) -> BotMessage:
        """Consume events up to the first whose text contains the given string."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                event = await self.reply(max(0.0, left))
            except TimeoutError:
                msg = f"no bot message containing {contains!r} within {timeout}s"
                raise TimeoutError(self._describe(msg)) from None
            if contains in event.content:
                return event

    def _describe(self, problem: str) -> str:
        """A readable account of what this chat received, for timeout errors."""
        events = self.chat.events
        lines = [f"chat {self.chat.id}: {problem}; the chat received {len(events)} bot event(s)"]
        lines += ["  " + str(e).replace("\n", "\n  ") for e in events[-10:]]
        pending = self.state.pending()
        if pending:
            lines.append(f"  ({pending} update(s) not yet confirmed by the bot: is it polling?)")
        return "\n".join(lines)


class FakeGroup(ChatView):
    """A group chat (for example the staff chat) whose inbox tests can read."""

    @classmethod
    def create(cls, state: State, chat_id: int, title: str) -> FakeGroup:
        """Register the group chat (ids starting with -100 are supergroups)."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return cls(state, state.add_chat({"id": chat_id, "type": kind, "title": title}))

    @property
    def title(self) -> str:
        """The group title."""
        return str(self.chat.info.get("title", ""))


class FakeUser(ChatView):
    """A scripted person; speaks in their private chat unless bound to a group by in_chat()."""

    def __init__(self, state: State, chat: Chat, user: dict[str, Any]) -> None:
        super().__init__(state, chat)
        self.user = user

    @classmethod
    def create(
        cls,
        state: State,
        user_id: int,
        first_name: str | None = None,
        language_code: str | None = None,
        username: str | None = None,
        last_name: str | None = None,
    ) -> FakeUser:
        """Register a Telegram user and their private chat (chat id == user id)."""
        if user_id <= 0:
            raise ValueError("user ids are positive")
        user: dict[str, Any] = {"id": user_id, "is_bot": False}
        user["first_name"] = first_name or f"用户{user_id}"
        extra = {"last_name": last_name, "username": username, "language_code": language_code}
        user.update({k: v for k, v in extra.items() if v})
        chat = {"id": user_id, "type": "private", "first_name": user["first_name"]}
        chat.update({k: user[k] for k in ("last_name", "username") if k in user})
        return cls(state, state.add_chat(chat), user)

    @property
    def id(self) -> int:
        """The Telegram user id."""
        return int(self.user["id"])

    def in_chat(self, group: ChatView) -> FakeUser:
        """The same person speaking in another chat (a group)."""
        return FakeUser(self.state, group.chat, self.user)

    async def send_raw(self, message_fields: dict[str, Any]) -> int:
        """Send a message with arbitrary content fields; returns the update_id."""
        return self.state.user_message(self.chat, self.user, message_fields)

    async def send_text(self, text: str) -> int:
        """Send text; a leading /command gets its bot_command entity like the Telegram client."""
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/") and len(text) > 1:
            command = text.split(maxsplit=1)[0]
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": u16len(command)}]
        return await self.send_raw(fields)

    async def send_location(self, latitude: float, longitude: float, **extra: Any) -> int:
        """Share a location (extra: live_period, horizontal_accuracy...)."""
        return await self.send_raw({"location": {"latitude": latitude, "longitude": longitude,
                                                  **extra}})  # fmt: skip

    async def send_contact(
        self, phone_number: str, *, own: bool = True, first_name: str | None = None
    ) -> int:
        """Share a contact: one's own (with user_id, like the request_contact button) or not."""
        contact: dict[str, Any] = {"phone_number": phone_number}
        contact["first_name"] = first_name or self.user["first_name"]
        if own:
            contact["user_id"] = self.id
        return await self.send_raw({"contact": contact})

    async def send_photo(self, data: bytes, caption: str | None = None) -> int:
        """Send a photo; the bot can download it through getFile."""
        thumb = self.state.store_file(data, "photos", "thumb.jpg", "image/jpeg")
        full = self.state.store_file(data, "photos", "photo.jpg", "image/jpeg")
        fields: dict[str, Any] = {"photo": [thumb.photo_size(320, 240), full.photo_size()]}
        if caption is not None:
            fields["caption"] = caption
        return await self.send_raw(fields)

    async def send_document(
        self,
        data: bytes,
        filename: str,
        mime_type: str = "application/octet-stream",
        caption: str | None = None,
    ) -> int:
        """Send a file as a document."""
        f = self.state.store_file(data, "documents", filename, mime_type)
        fields: dict[str, Any] = {"document": f.as_document()}
        if caption is not None:
            fields["caption"] = caption
        return await self.send_raw(fields)

    async def send_sticker(self, emoji: str = "👍") -> int:
        """Send a sticker."""
        f = self.state.store_file(b"RIFF\x00\x00\x00\x00WEBP", "stickers", "s.webp", "image/webp")
        sticker = {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "width": 512,
                   "height": 512, "is_animated": False, "is_video": False, "type": "regular",
                   "emoji": emoji}  # fmt: skip
        return await self.send_raw({"sticker": sticker})

    async def send_voice(self, duration: int = 3, data: bytes = b"OggS\x00") -> int:
        """Send a voice message."""
        f = self.state.store_file(data, "voice", "voice.oga", "audio/ogg")
        voice = {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "duration": duration,
                 "mime_type": "audio/ogg", "file_size": f.size}  # fmt: skip
        return await self.send_raw({"voice": voice})

    @overload
    async def press(
        self, text: str | None = None, *, data: str | None = None,
        wait_answer: Literal[False] = False, timeout: float = 5.0,
    ) -> Press: ...  # fmt: skip

    @overload
    async def press(
        self, text: str | None = None, *, data: str | None = None,
        wait_answer: Literal[True], timeout: float = 5.0,
    ) -> CallbackAnswer: ...  # fmt: skip

    async def press(
        self,
        text: str | None = None,
        *,
        data: str | None = None,
        wait_answer: bool = False,
        timeout: float = 5.0,
    ) -> Press | CallbackAnswer:
        """Press the inline button with this text (or callback data) on the newest bot message."""
        message, button_data = self._find_button(text, data)
        update_id, qid, fut = self.state.callback(self.chat, self.user, message, button_data)
        press = Press(update_id, qid, button_data, message["message_id"], fut)
        return await press.answer(timeout) if wait_answer else press

    async def forge_callback(self, data: str, message_id: int | None = None) -> Press:
        """A callback query the keyboard never offered (for security tests)."""
        chat = self.chat
        if message_id is None:
            message_id = max((m for m in chat.latest if m not in chat.deleted), default=0)
        message = chat.messages.get(message_id) or {
            "message_id": message_id, "date": int(time.time()), "chat": chat.info, "text": ""
        }  # fmt: skip
        update_id, qid, fut = self.state.callback(chat, self.user, message, data)
        return Press(update_id, qid, data, message_id, fut)

    def _find_button(self, text: str | None, data: str | None) -> tuple[dict[str, Any], str]:
        """The newest bot message with a matching callback button, and that button's data."""
        if (text is None) == (data is None):
            raise ValueError("press() needs exactly one of text or data")
        chat = self.chat
        for mid in sorted(chat.latest, reverse=True):
            message = chat.messages[mid]
            if mid in chat.deleted or "reply_markup" not in message:
                continue
            buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
            buttons = [b for b in buttons if "callback_data" in b]
            for exact in (True, False):
                for b in buttons:
                    if data is not None and b["callback_data"] == data and exact:
                        return message, data
                    if text is not None and (b["text"] == text if exact else text in b["text"]):
                        return message, b["callback_data"]
        offered = [str(e) for e in list(chat.latest.values())[-5:] if e.buttons]
        what = f"text {text!r}" if text is not None else f"data {data!r}"
        raise LookupError(
            f"chat {chat.id}: no inline button with {what}; recent keyboards:\n"
            + "\n".join(offered)
        )
