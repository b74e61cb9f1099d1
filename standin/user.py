"""Scripted users: send updates as a person would and read what the bot answered."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from standin.faults import u16len
from standin.messages import BotMessage, CallbackAnswer, StoredFile
from standin.state import Chat, State

__all__ = [
    "BotMessage",
    "CallbackAnswer",
    "ChatView",
    "FakeGroup",
    "FakeUser",
    "Press",
    "StoredFile",
]


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

    async def expect_next(
        self,
        expected: str | re.Pattern[str] | Callable[[BotMessage], bool],
        timeout: float = 5.0,
        *,
        keyboard_edits: bool = False,
    ) -> BotMessage:
        """The next bot event, which must match: it contains the string, the pattern finds a
        match in its content, or the predicate holds. Anything else fails at once (an extra
        reply before the expected one is a failure, not something to skip). Edits that only
        change a message's buttons are passed over unless `keyboard_edits`."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                event = await self.reply(max(0.0, deadline - time.monotonic()))
            except TimeoutError:
                problem = f"no bot message within {timeout}s; expected {_what(expected)}"
                raise AssertionError(self._describe(problem)) from None
            if keyboard_edits or event.method != "editMessageReplyMarkup":
                break
        if not _matches(event, expected):
            problem = f"the next bot message is not {_what(expected)}:\n  {event}"
            raise AssertionError(self._describe(problem))
        return event

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

    async def send_audio(self, duration: int = 30, data: bytes = b"ID3\x03") -> int:
        """Send an audio file (a recording shared as music)."""
        f = self.state.store_file(data, "audio", "clip.mp3", "audio/mpeg")
        audio = {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "duration": duration,
                 "mime_type": "audio/mpeg", "file_size": f.size,
                 "file_name": "clip.mp3"}  # fmt: skip
        return await self.send_raw({"audio": audio})

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


def _matches(
    event: BotMessage, expected: str | re.Pattern[str] | Callable[[BotMessage], bool]
) -> bool:
    if isinstance(expected, str):
        return expected in event.content
    if isinstance(expected, re.Pattern):
        return expected.search(event.content) is not None
    return expected(event)


def _what(expected: object) -> str:
    if isinstance(expected, re.Pattern):
        return f"matching /{expected.pattern[:120]}/"
    return repr(expected)
