"""Plain-Python state of the stand-in: chats, messages, files, the update queue, message methods."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partialmethod
from typing import Any

from standin.faults import (
    NOT_MODIFIED,
    ApiError,
    Stats,
    check_caption,
    check_location,
    check_markup,
    check_text,
)
from standin.messages import BotMessage, CallbackAnswer, StoredFile, Upload

logger = logging.getLogger(__name__)

# The actions Telegram's Bot API server accepts in sendChatAction (case-insensitive).
CHAT_ACTIONS = frozenset((
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note", "record_audio", "upload_audio", "pick_up_location", "cancel",
))  # fmt: skip
NO_MESSAGE_ID = "Bad Request: message identifier is not specified"

BOT_ID = 7000000001
BOT_INFO: dict[str, Any] = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "暖新",
    "username": "nuanxin_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}
BOT_FROM = {k: BOT_INFO[k] for k in ("id", "is_bot", "first_name", "username")}

Params = dict[str, Any]


class Signal:
    """Wakes every waiter whenever something changed (single event loop)."""

    __slots__ = ("_waiters",)

    def __init__(self) -> None:
        self._waiters: list[asyncio.Future[None]] = []

    async def wait(self, timeout: float | None) -> None:
        """Wait until the next fire() or until timeout seconds passed."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        self._waiters.append(fut)
        timer = loop.call_later(timeout, _wake, fut) if timeout is not None else None
        try:
            await fut
        finally:
            if timer is not None:
                timer.cancel()
            if not fut.done():
                fut.cancel()
            if fut in self._waiters:
                self._waiters.remove(fut)

    def fire(self) -> None:
        """Wake all current waiters."""
        if self._waiters:
            waiters, self._waiters = self._waiters, []
            for fut in waiters:
                if not fut.done():
                    fut.set_result(None)


def _wake(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


@dataclass
class Chat:
    """One chat: its Telegram Chat dict, messages and the inbox of bot events the driver reads."""

    info: dict[str, Any]
    next_id: int = 1
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    latest: dict[int, BotMessage] = field(default_factory=dict)
    events: list[BotMessage] = field(default_factory=list)
    cursor: int = 0
    deleted: set[int] = field(default_factory=set)
    signal: Signal = field(default_factory=Signal)

    @property
    def id(self) -> int:
        """The chat id."""
        return int(self.info["id"])

    def take_id(self) -> int:
        """Next message id in this chat (shared by user and bot messages, like Telegram)."""
        self.next_id += 1
        return self.next_id - 1


class State:
    """Everything the stand-in knows, and the message-related Bot API methods."""

    def __init__(self) -> None:
        self.chats: dict[int, Chat] = {}
        self.blocked: set[int] = set()
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.uploads: list[StoredFile] = []
        self.queue: list[dict[str, Any]] = []
        self.forced: list[dict[str, Any]] = []
        self.sent: dict[int, dict[str, Any]] = {}
        self.next_update_id = 1
        self.updates_signal = Signal()
        self.answers: dict[str, asyncio.Future[CallbackAnswer]] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.listeners: list[Callable[[BotMessage], Any]] = []
        self.stats = Stats()
        self._counter = 0
        self._tasks: set[asyncio.Future[Any]] = set()

    # chats, files and updates -------------------------------------------------------------------

    def add_chat(self, info: dict[str, Any]) -> Chat:
        """Register a chat, or return the existing one with that id."""
        chat = self.chats.get(info["id"])
        if chat is None:
            chat = self.chats[info["id"]] = Chat(info)
        return chat

    def new_id(self, prefix: str) -> str:
        """A fresh opaque identifier."""
        self._counter += 1
        return f"{prefix}{self._counter:07d}"

    def store_file(
        self, data: bytes, folder: str, filename: str | None = None, mime: str | None = None
    ) -> StoredFile:
        """Keep bytes under a new file_id and file_path."""
        fid = self.new_id("AgAC" if folder == "photos" else "BQAC")
        ext = filename.rsplit(".", 1)[-1] if filename and "." in filename else "jpg"
        f = StoredFile(fid, "U" + fid[4:], data, f"{folder}/file_{fid[4:]}.{ext}", filename, mime)
        self.files[fid] = f
        self.files_by_path[f.file_path] = f
        return f

    def push_update(self, kind: str, obj: dict[str, Any]) -> int:
        """Queue a new update and wake long polls; returns its update_id."""
        uid = self.next_update_id
        self.next_update_id += 1
        update = {"update_id": uid, kind: obj}
        self.sent[uid] = update
        self.queue.append(update)
        self.updates_signal.fire()
        return uid

    def redeliver(self, update_id: int) -> None:
        """Deliver the very same update (same update_id) once more, whatever the offset."""
        self.forced.append(self.sent[update_id])
        self.updates_signal.fire()

    def confirm(self, offset: int) -> None:
        """Forget updates below offset (confirmation); a negative offset keeps the last -offset."""
        q = self.queue
        if offset < 0:
            del q[: max(0, len(q) + offset)]
            return
        i = 0
        while i < len(q) and q[i]["update_id"] < offset:
            i += 1
        del q[:i]

    def take(self, limit: int, allowed: Any) -> list[dict[str, Any]]:
        """Unconfirmed updates for getUpdates: redelivered ones first, then the queue."""
        if allowed and isinstance(allowed, list):
            keep = set(allowed)
            self.queue = [u for u in self.queue if keep.intersection(u)]
        batch, self.forced = self.forced[:limit], self.forced[limit:]
        return batch + self.queue[: limit - len(batch)]

    def peek(self) -> dict[str, Any] | None:
        """Next update for webhook delivery."""
        if self.forced:
            return self.forced[0]
        return self.queue[0] if self.queue else None

    def ack(self, update: dict[str, Any]) -> None:
        """The webhook accepted update: drop it."""
        if self.forced and self.forced[0] is update:
            self.forced.pop(0)
        elif self.queue and self.queue[0] is update:
            self.queue.pop(0)

    def drop_pending(self) -> None:
        """Forget every pending update (drop_pending_updates)."""
        self.queue.clear()
        self.forced.clear()

    def pending(self) -> int:
        """Number of updates not yet confirmed by the bot."""
        return len(self.queue) + len(self.forced)

    def user_message(self, chat: Chat, sender: dict[str, Any], fields: dict[str, Any]) -> int:
        """A user's message in chat; returns the update_id."""
        mid = chat.take_id()
        msg = {"message_id": mid, "from": sender, "chat": chat.info, "date": _now(), **fields}
        chat.messages[mid] = msg
        return self.push_update("message", msg)

    def callback(
        self, chat: Chat, sender: dict[str, Any], message: dict[str, Any], data: str
    ) -> tuple[int, str, asyncio.Future[CallbackAnswer]]:
        """A user pressing an inline button; returns (update_id, query_id, answer future)."""
        qid = self.new_id("cbq")
        fut: asyncio.Future[CallbackAnswer] = asyncio.get_running_loop().create_future()
        self.answers[qid] = fut
        query = {"id": qid, "from": sender, "message": message, "data": data}
        query["chat_instance"] = str(abs(chat.id) * 7919 % 10**12)
        return self.push_update("callback_query", query), qid, fut

    # bot events ---------------------------------------------------------------------------------

    def emit(self, chat: Chat, event: BotMessage) -> None:
        """Record a bot event in the chat inbox and tell listeners."""
        chat.events.append(event)
        chat.latest[event.message_id] = event
        chat.signal.fire()
        for listener in self.listeners:
            try:
                result = listener(event)
                if asyncio.iscoroutine(result):
                    task = asyncio.ensure_future(result)
                    self._tasks.add(task)
                    task.add_done_callback(self._tasks.discard)
            except Exception:
                logger.exception("stand-in listener failed")

    # message methods ----------------------------------------------------------------------------

    def _chat(self, params: Params, sending: bool = True) -> Chat:
        """The target chat of a call; 400 if unknown, 403 if that user blocked the bot."""
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        try:
            chat = self.chats.get(int(raw))
        except (TypeError, ValueError):
            chat = None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if sending and chat.id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return chat

    def _send(
        self, method: str, params: Params, chat: Chat, fields: dict[str, Any]
    ) -> dict[str, Any]:
        """Create a bot message in chat, record it and return the Message dict."""
        markup = check_markup(params.get("reply_markup"))
        reply = params.get("reply_parameters")
        if reply is None and params.get("reply_to_message_id"):
            reply = {"message_id": params["reply_to_message_id"]}
        target = None
        if isinstance(reply, dict):
            target = chat.messages.get(int(reply.get("message_id", 0)))
            lenient = reply.get("allow_sending_without_reply") or params.get(
                "allow_sending_without_reply"
            )
            if (target is None or target["message_id"] in chat.deleted) and not lenient:
                raise ApiError(400, "Bad Request: message to be replied not found")
        mid = chat.take_id()
        msg = {"message_id": mid, "from": BOT_FROM, "chat": chat.info, "date": _now()}
        if target is not None:
            msg["reply_to_message"] = {k: v for k, v in target.items() if k != "reply_to_message"}
        msg.update(fields)
        if markup and "inline_keyboard" in markup:
            msg["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
        chat.messages[mid] = msg
        self.stats.sends[chat.id].append(time.monotonic())
        self.emit(chat, BotMessage.from_message(chat.id, method, msg, params, markup, self.files))
        return msg

    def _input_file(self, params: Params, key: str, folder: str) -> StoredFile:
        """Resolve an uploaded file, a known file_id or a URL."""
        value = params.get(key)
        if isinstance(value, str) and value.startswith("attach://"):
            value = params.get(value[9:])
        if isinstance(value, Upload):
            f = self.store_file(value.data, folder, value.filename, value.content_type)
            self.uploads.append(f)
            return f
        if isinstance(value, str) and value in self.files:
            return self.files[value]
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            return self.store_file(b"", folder, value.rsplit("/", 1)[-1])
        if value is None:
            raise ApiError(400, f"Bad Request: there is no {key} in the request")
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    def api_sendmessage(self, params: Params) -> dict[str, Any]:
        """sendMessage (Telegram checks the text before the chat)."""
        text, entities = check_text(params.get("text"), params.get("parse_mode"), 4096)
        chat = self._chat(params)
        fields: dict[str, Any] = {"text": text}
        if entities or params.get("entities"):
            fields["entities"] = entities or params["entities"]
        return self._send("sendMessage", params, chat, fields)

    def api_sendphoto(self, params: Params) -> dict[str, Any]:
        """sendPhoto (upload, file_id or URL)."""
        chat = self._chat(params)
        caption = check_caption(params)
        f = self._input_file(params, "photo", "photos")
        fields = {"photo": [f.photo_size()], **caption}
        return self._send("sendPhoto", params, chat, fields)

    def api_senddocument(self, params: Params) -> dict[str, Any]:
        """sendDocument (upload, file_id or URL)."""
        chat = self._chat(params)
        caption = check_caption(params)
        f = self._input_file(params, "document", "documents")
        return self._send("sendDocument", params, chat, {"document": f.as_document(), **caption})

    def api_sendvoice(self, params: Params) -> dict[str, Any]:
        """sendVoice (upload, file_id or URL)."""
        return self._send_recording("sendVoice", "voice", params)

    def api_sendaudio(self, params: Params) -> dict[str, Any]:
        """sendAudio (upload, file_id or URL)."""
        return self._send_recording("sendAudio", "audio", params)

    def _send_recording(self, method: str, key: str, params: Params) -> dict[str, Any]:
        chat = self._chat(params)
        caption = check_caption(params)
        f = self._input_file(params, key, key)
        duration = params.get("duration")  # the bot's own; a known file's length is not kept
        media = {"file_id": f.file_id, "file_unique_id": f.file_unique_id,
                 "duration": int(duration) if isinstance(duration, int | float) else 0,
                 "file_size": f.size}  # fmt: skip
        if f.mime_type:
            media["mime_type"] = f.mime_type
        return self._send(method, params, chat, {key: media, **caption})

    def api_sendlocation(self, params: Params) -> dict[str, Any]:
        """sendLocation."""
        chat = self._chat(params)
        location = check_location(params)
        return self._send("sendLocation", params, chat, {"location": location})

    def api_sendvenue(self, params: Params) -> dict[str, Any]:
        """sendVenue."""
        chat = self._chat(params)
        location = check_location(params)
        for key in ("title", "address"):
            if not params.get(key):
                raise ApiError(400, f"Bad Request: venue {key} is empty")
        venue = {"location": location, "title": params["title"], "address": params["address"]}
        for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
            if params.get(key):
                venue[key] = params[key]
        return self._send("sendVenue", params, chat, {"venue": venue, "location": location})

    def _editable(self, params: Params) -> tuple[Chat, dict[str, Any]]:
        """The bot message an edit refers to."""
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: MESSAGE_ID_INVALID")
        mid = _message_id(params)
        if not mid and params.get("chat_id") in (None, ""):  # neither message nor inline id
            raise ApiError(400, NO_MESSAGE_ID)
        chat = self._chat(params)
        msg = chat.messages.get(mid)
        if msg is None or msg["message_id"] in chat.deleted:
            raise ApiError(400, "Bad Request: message to edit not found")
        if msg["from"]["id"] != BOT_ID:
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat, msg

    def _edit(self, method: str, params: Params, key: str | None) -> dict[str, Any]:
        """Edit the text (key "text"), caption or only the inline keyboard (key None)."""
        markup = check_markup(params.get("reply_markup"))
        ekey = "entities" if key == "text" else "caption_entities"
        fields: dict[str, Any] = {}
        if key is not None:  # Telegram parses the new text before it looks up the message
            limit, mode = (4096 if key == "text" else 1024), params.get("parse_mode")
            fields[key], entities = check_text(params.get(key), mode, limit, key)
            if entities:
                fields[ekey] = entities
        chat, old = self._editable(params)
        new = {k: v for k, v in old.items() if k != "reply_markup"}
        if key is not None:
            if key not in old and (key == "text" or "text" in old):
                raise ApiError(400, f"Bad Request: there is no {key} in the message to edit")
            new.pop(ekey, None)
            new.update(fields)
        if markup and "inline_keyboard" in markup:
            new["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
        if new == old:  # an omitted reply_markup removes the inline keyboard, as on Telegram
            raise ApiError(400, NOT_MODIFIED)
        new["edit_date"] = _now()
        chat.messages[old["message_id"]] = new
        if key is None:  # the text stays as it was
            event = dataclasses.replace(chat.latest[old["message_id"]], method=method, raw=params)
            event.fill_markup(markup)
            event.edited, event.message = True, new
        else:
            event = BotMessage.from_message(chat.id, method, new, params, markup, self.files)
        self.emit(chat, event)
        return new

    api_editmessagetext = partialmethod(_edit, "editMessageText", key="text")
    api_editmessagecaption = partialmethod(_edit, "editMessageCaption", key="caption")
    api_editmessagereplymarkup = partialmethod(_edit, "editMessageReplyMarkup", key=None)

    def api_deletemessage(self, params: Params) -> bool:
        """deleteMessage (the message stays in history, marked in chat.deleted)."""
        if params.get("chat_id") in (None, ""):
            raise ApiError(400, "Bad Request: chat identifier is not specified")
        mid = _message_id(params)
        if not mid:
            raise ApiError(400, NO_MESSAGE_ID)
        chat = self._chat(params, sending=False)
        if mid not in chat.messages or mid in chat.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        chat.deleted.add(mid)
        return True

    def api_answercallbackquery(self, params: Params) -> bool:
        """answerCallbackQuery: resolves the press() waiting for it."""
        qid = str(params.get("callback_query_id", ""))
        fut = self.answers.pop(qid, None)
        if fut is None:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        answer = CallbackAnswer(params.get("text"), bool(params.get("show_alert")), None, qid)
        answer.url = params.get("url")
        self.callback_answers.append(answer)
        if not fut.done():
            fut.set_result(answer)
        return True

    def api_sendchataction(self, params: Params) -> bool:
        """sendChatAction (Telegram checks the action before the chat)."""
        if str(params.get("action") or "").lower() not in CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self._chat(params)
        return True

    def api_getfile(self, params: Params) -> dict[str, Any]:
        """getFile: a file_path to download from /file/bot<token>/<file_path>."""
        file_id = params.get("file_id")
        if file_id is None or file_id == "":
            raise ApiError(400, "Bad Request: file_id not specified")
        f = self.files.get(str(file_id))
        if f is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": f.file_id, "file_unique_id": f.file_unique_id, "file_size": f.size,
                "file_path": f.file_path}  # fmt: skip

    def api_getchat(self, params: Params) -> dict[str, Any]:
        """getChat (a ChatFullInfo dict)."""
        chat = self._chat(params, sending=False)
        gifts = dict.fromkeys(("unlimited_gifts", "limited_gifts", "unique_gifts"), True)
        gifts.update(premium_subscription=True, gifts_from_channels=True)
        return {**chat.info, "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": gifts}  # fmt: skip


def _now() -> int:
    return int(time.time())


def _message_id(params: Params) -> int:
    """The message_id parameter; 0 when missing or not a positive number, as on Telegram."""
    try:
        mid = int(params.get("message_id") or 0)
    except (TypeError, ValueError):
        return 0
    return max(mid, 0)
