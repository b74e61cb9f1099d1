"""Contract tests: the Bot API stand-in answers every method the bot uses the way Telegram does.

Each row of ROWS calls one Bot API method through a real python-telegram-bot ``Bot`` pointed at
the stand-in, so PTB parses the answer (``Message.de_json`` and friends), and checks the raw JSON
PTB received: ``{"ok": true, "result": ...}`` where ``result`` has every field the Bot API
documentation marks as required for the method's return type, with the documented JSON type, and
no ``null`` anywhere (Telegram leaves out absent optional fields).

Where the required fields come from: https://core.telegram.org/bots/api, Bot API 10.0 (the version
python-telegram-bot 22.8 implements), sections "Available types" (User, Chat, ChatFullInfo,
AcceptedGiftTypes, Message, PhotoSize, Document, Location, Venue, File, BotCommand,
CallbackQuery), "Getting updates" (Update, WebhookInfo) and each method's "Returns" sentence.
A field is required when its description does not start with "Optional."; these are also the
required constructor arguments of PTB's classes. A few rows ask for more than the type requires
(the ``text`` of a sent text message, the ``photo`` of a sent photo): what that call must return.

Error answers follow api.telegram.org: an unknown method and a malformed token answer HTTP 404
"Not Found", a well-formed token that belongs to no bot answers 401 "Unauthorized" (observed, and
documented in PTB's telegram/request/_baserequest.py); a missing parameter answers 400 with the
description Telegram's Bot API server produces (github.com/tdlib/telegram-bot-api,
telegram-bot-api/Client.cpp).
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeDefault,
    CallbackQuery,
    Chat,
    ChatFullInfo,
    File,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    TelegramObject,
    Update,
    User,
    WebhookInfo,
)
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.request import HTTPXRequest

from standin import FakeUser, StandIn
from standin.state import State

BOT_DIR = Path(__file__).resolve().parents[1] / "bot"
USER_ID = 1001
GROUP_ID = -1001234567
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("确认", callback_data="确认")]])
JPEG = b"\xff\xd8\xff\xe0 a jpeg"

# --- the documented shapes ---------------------------------------------------------------------
# A spec is a JSON type (int, str, bool; float means any JSON number), a frozenset of allowed
# strings, a dict of required fields, a one-element list (a non-empty array of that spec) or True
# (the literal true that boolean methods return).
Spec = Any

USER: Spec = {"id": int, "is_bot": bool, "first_name": str}
CHAT: Spec = {"id": int, "type": frozenset({"private", "group", "supergroup", "channel"})}
MESSAGE: Spec = {"message_id": int, "date": int, "chat": CHAT}
BOT_MESSAGE: Spec = {**MESSAGE, "from": USER}  # a bot's own message always names its sender
TEXT_MESSAGE: Spec = {**BOT_MESSAGE, "text": str}
EDITED_MESSAGE: Spec = {**BOT_MESSAGE, "edit_date": int}
PHOTO_SIZE: Spec = {"file_id": str, "file_unique_id": str, "width": int, "height": int}
DOCUMENT: Spec = {"file_id": str, "file_unique_id": str}
LOCATION: Spec = {"latitude": float, "longitude": float}
VENUE: Spec = {"location": LOCATION, "title": str, "address": str}
FILE: Spec = {"file_id": str, "file_unique_id": str}
RECORDING: Spec = {"file_id": str, "file_unique_id": str, "duration": int}  # Voice, Audio
GIFT_TYPES = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription",
              "gifts_from_channels")  # fmt: skip
CHAT_FULL_INFO: Spec = {**CHAT, "accent_color_id": int, "max_reaction_count": int,
                        "accepted_gift_types": dict.fromkeys(GIFT_TYPES, bool)}  # fmt: skip
WEBHOOK_INFO: Spec = {"url": str, "has_custom_certificate": bool, "pending_update_count": int}
BOT_COMMAND: Spec = {"command": str, "description": str}
CALLBACK_QUERY: Spec = {"id": str, "from": USER, "chat_instance": str, "message": MESSAGE}
INLINE_KEYBOARD: Spec = {"inline_keyboard": [[{"text": str}]]}

_JSON_NAMES = {int: "integer", str: "string", bool: "boolean", float: "number"}


def shape_errors(value: Any, spec: Spec, path: str = "result") -> list[str]:
    """Every way value breaks spec, as readable paths."""
    if spec is True:
        return [] if value is True else [f"{path}: expected true, got {value!r}"]
    if isinstance(spec, frozenset):
        return [] if value in spec else [f"{path}: {value!r} is not one of {sorted(spec)}"]
    if isinstance(spec, dict):
        return _object_errors(value, spec, path)
    if isinstance(spec, list):
        return _array_errors(value, spec[0], path)
    if _is_json_type(value, spec):
        return []
    return [f"{path}: expected {_JSON_NAMES[spec]}, got {value!r}"]


def _is_json_type(value: Any, kind: type) -> bool:
    # bool is an int subclass in Python but a different JSON type
    if kind is float:
        return type(value) in (int, float)
    return type(value) is kind


def _object_errors(value: Any, spec: dict[str, Spec], path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: expected an object, got {value!r}"]
    errors = [f"{path}.{key}: missing" for key in spec if key not in value]
    for key, sub in spec.items():
        if key in value:
            errors += shape_errors(value[key], sub, f"{path}.{key}")
    return errors


def _array_errors(value: Any, item: Spec, path: str) -> list[str]:
    if not isinstance(value, list) or not value:
        return [f"{path}: expected a non-empty array, got {value!r}"]
    return [e for i, v in enumerate(value) for e in shape_errors(v, item, f"{path}[{i}]")]


def null_paths(value: Any, path: str = "result") -> list[str]:
    """Where value holds a JSON null (Telegram omits absent fields instead)."""
    if value is None:
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in null_paths(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in null_paths(v, f"{path}[{i}]")]
    return []


def test_shape_errors_catches_wrong_answers() -> None:
    """The checker itself: a missing field, a bool posing as an int, a null, an empty array."""
    assert shape_errors({"id": 1, "is_bot": True, "first_name": "x"}, USER) == []
    assert shape_errors({"id": True, "is_bot": True}, USER) == [
        "result.first_name: missing",
        "result.id: expected integer, got True",
    ]
    assert shape_errors([], [BOT_COMMAND]) == ["result: expected a non-empty array, got []"]
    assert shape_errors({"id": 1, "type": "secret"}, CHAT) != []
    assert null_paths({"a": [1, None]}) == ["result.a[1]"]


# --- a real Bot that keeps the raw answers it parsed -------------------------------------------


@dataclass
class Answer:
    """One HTTP answer PTB received from the stand-in."""

    method: str
    status: int
    body: Any


class RecordingRequest(HTTPXRequest):
    """PTB's own HTTP client, also keeping every Bot API answer (not file downloads)."""

    def __init__(self, log: list[Answer]) -> None:
        super().__init__()
        self.log = log

    async def do_request(
        self, url: str, method: str, *args: Any, **kwargs: Any
    ) -> tuple[int, bytes]:
        status, payload = await super().do_request(url, method, *args, **kwargs)
        if "/file/bot" not in url:
            self.log.append(Answer(url.rsplit("/", 1)[-1], status, json.loads(payload)))
        return status, payload


@dataclass
class Ctx:
    """What a table row works with: the stand-in, a Bot on it, a user and the answer log."""

    standin: StandIn
    bot: Bot
    user: FakeUser
    log: list[Answer] = field(default_factory=list)

    def answer(self, method: str) -> Answer:
        """The newest answer to method (camelCase, as PTB names the endpoint)."""
        for answer in reversed(self.log):
            if answer.method == method:
                return answer
        raise AssertionError(f"PTB never received an answer to {method}: {self.log}")

    async def sent(self, text: str = "是否提交？") -> Message:
        """A bot message with an inline keyboard, to edit, delete or press."""
        return await self.bot.send_message(USER_ID, text, reply_markup=KEYBOARD)


@pytest.fixture
async def ctx(standin: StandIn) -> AsyncIterator[Ctx]:
    """A real telegram.Bot on the stand-in (built like bot/app.py), recording its answers."""
    log: list[Answer] = []
    bot = Bot(
        standin.token,
        base_url=f"{standin.url}/bot",
        base_file_url=f"{standin.url}/file/bot",
        request=RecordingRequest(log),
        get_updates_request=RecordingRequest(log),
    )
    standin.group(GROUP_ID, "暖新工作人员")
    async with bot:
        yield Ctx(standin, bot, standin.user(USER_ID), log)


# --- the table: one row per method (and per interesting variant) -------------------------------

Call = Callable[[Ctx], Awaitable[object]]


@dataclass(frozen=True)
class Row:
    """One Bot API call: what to do, the shape of its result and PTB's class for it."""

    method: str
    call: Call
    result: Spec
    parsed: type[TelegramObject] | None = None  # None: the method returns True
    variant: str = ""

    @property
    def id(self) -> str:
        return f"{self.method}-{self.variant}" if self.variant else self.method


async def _text_update(c: Ctx) -> object:
    await c.user.send_text("你好")
    return await c.bot.get_updates(timeout=0)


async def _callback_update(c: Ctx) -> object:
    await c.sent()
    await c.user.press("确认")
    return await c.bot.get_updates(timeout=0)


async def _webhook_info_when_set(c: Ctx) -> object:
    await c.bot.set_webhook(
        "https://bot.example/hook", max_connections=5, allowed_updates=["message"]
    )
    return await c.bot.get_webhook_info()


async def _my_commands(c: Ctx) -> object:
    # Telegram treats a missing scope as the default scope: the list set here must be found
    await c.bot.set_my_commands([("help", "帮助")])
    return await c.bot.get_my_commands(scope=BotCommandScopeDefault())


async def _my_commands_by_language(c: Ctx) -> object:
    await c.bot.set_my_commands([BotCommand("start", "开始")], language_code="zh")
    return await c.bot.get_my_commands(language_code="zh")


async def _edit_text(c: Ctx) -> object:
    sent = await c.sent("旧")
    return await c.bot.edit_message_text("新", USER_ID, sent.message_id)


async def _edit_markup(c: Ctx) -> object:
    sent = await c.sent()
    other = InlineKeyboardMarkup([[InlineKeyboardButton("取消", callback_data="取消")]])
    return await c.bot.edit_message_reply_markup(USER_ID, sent.message_id, reply_markup=other)


async def _edit_caption(c: Ctx) -> object:
    sent = await c.bot.send_photo(USER_ID, JPEG, caption="旧")
    return await c.bot.edit_message_caption(USER_ID, sent.message_id, caption="新")


async def _delete(c: Ctx) -> object:
    sent = await c.sent()
    return await c.bot.delete_message(USER_ID, sent.message_id)


async def _answer_callback(c: Ctx) -> object:
    await c.sent()
    press = await c.user.press("确认")
    return await c.bot.answer_callback_query(press.query_id, text="收到")


async def _get_file(c: Ctx) -> object:
    await c.user.send_photo(JPEG)
    (update,) = await c.bot.get_updates(timeout=0)
    assert update.message is not None
    return await c.bot.get_file(update.message.photo[-1].file_id)


ROWS = [
    # what python-telegram-bot calls on its own: start-up, polling, webhook, shutdown
    Row("getMe", lambda c: c.bot.get_me(), {**USER, "username": str}, User),
    Row("getUpdates", _text_update, [{"update_id": int, "message": TEXT_MESSAGE}],
        Update, "message"),
    Row("getUpdates", _callback_update, [{"update_id": int, "callback_query": CALLBACK_QUERY}],
        Update, "callback_query"),
    Row("setWebhook", lambda c: c.bot.set_webhook("https://bot.example/hook", secret_token="s-1"),
        True),
    Row("deleteWebhook", lambda c: c.bot.delete_webhook(drop_pending_updates=True), True),
    Row("getWebhookInfo", lambda c: c.bot.get_webhook_info(), WEBHOOK_INFO, WebhookInfo),
    Row("getWebhookInfo", _webhook_info_when_set,
        {**WEBHOOK_INFO, "max_connections": int, "allowed_updates": [str]}, WebhookInfo, "set"),
    Row("close", lambda c: c.bot.close(), True),
    Row("logOut", lambda c: c.bot.log_out(), True),
    # the command menu and profile (bot/app.py publishes the menu per language)
    Row("setMyCommands", lambda c: c.bot.set_my_commands([("help", "帮助")], language_code="zh"),
        True),
    Row("getMyCommands", _my_commands, [BOT_COMMAND], BotCommand, "default-scope"),
    Row("getMyCommands", _my_commands_by_language, [BOT_COMMAND], BotCommand, "language"),
    Row("deleteMyCommands", lambda c: c.bot.delete_my_commands(), True),
    Row("setChatMenuButton", lambda c: c.bot.set_chat_menu_button(), True),
    Row("setMyName", lambda c: c.bot.set_my_name("暖新"), True),
    Row("setMyDescription", lambda c: c.bot.set_my_description("暖新小助手"), True),
    Row("setMyShortDescription", lambda c: c.bot.set_my_short_description("暖新"), True),
    # what the bot's handlers call
    Row("sendMessage", lambda c: c.bot.send_message(USER_ID, "<b>你好</b>", parse_mode="HTML"),
        TEXT_MESSAGE, Message),
    Row("sendMessage", lambda c: c.bot.send_message(GROUP_ID, "新报告"), TEXT_MESSAGE, Message,
        "group"),
    Row("sendMessage", lambda c: c.sent(), {**TEXT_MESSAGE, "reply_markup": INLINE_KEYBOARD},
        Message, "keyboard"),
    Row("editMessageText", _edit_text, {**TEXT_MESSAGE, **EDITED_MESSAGE}, Message),
    Row("editMessageReplyMarkup", _edit_markup,
        {**EDITED_MESSAGE, "reply_markup": INLINE_KEYBOARD}, Message),
    Row("editMessageCaption", _edit_caption, {**EDITED_MESSAGE, "caption": str}, Message),
    Row("deleteMessage", _delete, True),
    Row("answerCallbackQuery", _answer_callback, True),
    Row("sendPhoto", lambda c: c.bot.send_photo(USER_ID, JPEG, caption="现场"),
        {**BOT_MESSAGE, "photo": [PHOTO_SIZE], "caption": str}, Message),
    Row("sendDocument", lambda c: c.bot.send_document(USER_ID, b"id\n1\n", filename="a.csv"),
        {**BOT_MESSAGE, "document": DOCUMENT}, Message),
    Row("sendVoice", lambda c: c.bot.send_voice(USER_ID, b"OggS\x00", duration=3),
        {**BOT_MESSAGE, "voice": RECORDING}, Message),
    Row("sendAudio", lambda c: c.bot.send_audio(USER_ID, b"ID3\x03", duration=30),
        {**BOT_MESSAGE, "audio": RECORDING}, Message),
    Row("sendVenue", lambda c: c.bot.send_venue(USER_ID, 41.12, 122.07, "暖新驿站", "胜利路 1 号"),
        {**BOT_MESSAGE, "venue": VENUE, "location": LOCATION}, Message),
    Row("sendLocation", lambda c: c.bot.send_location(USER_ID, 41.12, 122.07),
        {**BOT_MESSAGE, "location": LOCATION}, Message),
    Row("sendChatAction", lambda c: c.bot.send_chat_action(USER_ID, ChatAction.TYPING), True),
    Row("getFile", _get_file, {**FILE, "file_path": str}, File),
    Row("getChat", lambda c: c.bot.get_chat(USER_ID), CHAT_FULL_INFO, ChatFullInfo, "private"),
    Row("getChat", lambda c: c.bot.get_chat(GROUP_ID), {**CHAT_FULL_INFO, "title": str},
        ChatFullInfo, "supergroup"),
]  # fmt: skip


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
async def test_method_answers_documented_shape(ctx: Ctx, row: Row) -> None:
    try:
        returned = await row.call(ctx)
    except TelegramError as exc:  # PTB reports a 404 as InvalidToken: show the raw answer
        pytest.fail(f"{row.method} failed with {exc!r}; last answer: {ctx.log[-1:]}")
    answer = ctx.answer(row.method)
    assert answer.status == 200, answer
    assert answer.body["ok"] is True and "result" in answer.body, answer.body
    assert shape_errors(answer.body["result"], row.result) == [], answer.body["result"]
    assert null_paths(answer.body["result"]) == []
    assert_parsed(returned, row.parsed)


def assert_parsed(returned: object, parsed: type[TelegramObject] | None) -> None:
    """PTB turned the answer into its class, without fields it does not know (api_kwargs)."""
    if parsed is None:
        assert returned is True
        return
    items = returned if isinstance(returned, tuple) else (returned,)
    assert items, "an empty array where the row expects items"
    for item in items:
        assert isinstance(item, parsed), item
        assert item.api_kwargs == {}, f"fields PTB does not know: {item.api_kwargs}"


# --- every implemented method, and every method the bot calls, has a row ----------------------

TABLE = {row.method.lower() for row in ROWS}
# What python-telegram-bot itself calls: initialize(), start_polling(), start_webhook()
PTB_OWN_CALLS = ("getMe", "deleteWebhook", "getUpdates", "setWebhook")
# Receivers of Telegram calls in bot/ code: a Bot, an Update's message, chat or callback query
_CALL = re.compile(
    r"\b(?:bot|query|callback_query|message|effective_message|chat|effective_chat)\.(\w+)\("
)
# Shortcut methods of Message, CallbackQuery and Chat, by the Bot API method they call
SHORTCUTS = {
    "answer": "answerCallbackQuery", "reply_text": "sendMessage", "reply_html": "sendMessage",
    "reply_markdown_v2": "sendMessage", "reply_photo": "sendPhoto",
    "reply_document": "sendDocument", "reply_venue": "sendVenue",
    "reply_location": "sendLocation", "reply_chat_action": "sendChatAction",
    "edit_text": "editMessageText", "edit_caption": "editMessageCaption",
    "edit_reply_markup": "editMessageReplyMarkup", "delete": "deleteMessage",
    "delete_message": "deleteMessage", "get_file": "getFile",
}  # fmt: skip


def implemented_methods() -> set[str]:
    """Bot API methods the stand-in answers: api_* on State, _api_* on StandIn (lower case)."""
    state = {name.removeprefix("api_") for name in dir(State) if name.startswith("api_")}
    server = {name.removeprefix("_api_") for name in dir(StandIn) if name.startswith("_api_")}
    return state | server


def test_every_implemented_method_has_a_row() -> None:
    implemented = implemented_methods()
    assert {"sendmessage", "getchat", "getupdates"} <= implemented  # the listing itself works
    untested = sorted(implemented - TABLE)
    assert untested == [], f"stand-in methods without a row in ROWS: {untested}"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _calls_api(cls: type, name: str) -> bool:
    """Whether cls.name is a PTB shortcut that calls the Bot API."""
    method = getattr(cls, name, None)
    return callable(method) and "get_bot()" in inspect.getsource(method)


def api_method(name: str) -> str | None:
    """The Bot API method behind a Python call name, None if it is not a Telegram call."""
    if name in SHORTCUTS:
        return SHORTCUTS[name]
    if callable(getattr(Bot, name, None)) and hasattr(Bot, _camel(name)):
        return _camel(name)
    if any(_calls_api(cls, name) for cls in (Message, CallbackQuery, Chat)):
        raise AssertionError(f"add the PTB shortcut {name!r} to SHORTCUTS")
    return None


def bot_calls() -> set[str]:
    """Bot API methods called from the bot's code in bot/."""
    names = {m for p in BOT_DIR.rglob("*.py") for m in _CALL.findall(p.read_text("utf-8"))}
    return {method for name in names if (method := api_method(name)) is not None}


def test_every_method_the_bot_calls_has_a_row() -> None:
    called = bot_calls()
    assert "sendMessage" in called  # the scan itself works
    missing = sorted(m for m in called | set(PTB_OWN_CALLS) if m.lower() not in TABLE)
    assert missing == [], f"methods the bot calls without a row in ROWS: {missing}"


# --- errors look like Telegram's ---------------------------------------------------------------


async def raw_call(url: str, params: dict[str, Any] | None = None) -> tuple[int, Any]:
    """POST params as JSON, as any HTTP client may; returns (status, decoded body)."""
    async with aiohttp.ClientSession() as session, session.post(url, json=params or {}) as r:
        return r.status, await r.json()


def error(code: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": code, "description": description}


async def test_unknown_method_is_not_found(standin: StandIn) -> None:
    status, body = await raw_call(f"{standin.base_url}{standin.token}/sendTelepathy")
    assert (status, body) == (404, error(404, "Not Found"))


async def test_method_names_are_case_insensitive(standin: StandIn) -> None:
    status, body = await raw_call(f"{standin.base_url}{standin.token}/GETME")
    assert status == 200 and body["result"]["is_bot"] is True


async def test_parameters_may_come_in_the_query_string(standin: StandIn) -> None:
    standin.user(USER_ID)
    url = f"{standin.base_url}{standin.token}/getChat?chat_id={USER_ID}"
    async with aiohttp.ClientSession() as session, session.get(url) as r:
        assert r.status == 200 and (await r.json())["result"]["id"] == USER_ID


@pytest.mark.parametrize("tokens", [None, {"123456:TEST-token"}], ids=["any", "configured"])
@pytest.mark.parametrize("path", ["/botnot-a-token/getMe", "/bot/getMe", "/file/botnope/a.jpg"])
async def test_malformed_token_is_not_found(tokens: set[str] | None, path: str) -> None:
    async with StandIn(tokens=tokens) as server:
        assert await raw_call(server.url + path) == (404, error(404, "Not Found"))


async def test_wrong_token_is_unauthorized() -> None:
    async with StandIn(tokens={"123456:TEST-token"}) as server:
        answer = await raw_call(f"{server.base_url}654321:WRONG-token/getMe")
        download = await raw_call(f"{server.base_file_url}654321:WRONG-token/photos/x.jpg")
    assert answer == download == (401, error(401, "Unauthorized"))


MISSING = [
    ("sendMessage", {"text": "x"}, "chat_id is empty"),
    ("sendMessage", {"chat_id": USER_ID}, "message text is empty"),
    ("sendMessage", {}, "message text is empty"),  # Telegram reads the text first
    ("sendPhoto", {"chat_id": USER_ID}, "there is no photo in the request"),
    ("sendDocument", {"chat_id": USER_ID}, "there is no document in the request"),
    ("sendLocation", {"chat_id": USER_ID, "longitude": 122.07}, "latitude is empty"),
    ("sendLocation", {"chat_id": USER_ID, "latitude": 41.12}, "longitude is empty"),
    ("sendVenue", {"chat_id": USER_ID, "address": "胜利路"}, "latitude is empty"),
    ("editMessageText", {"text": "新"}, "message identifier is not specified"),
    ("editMessageText", {"chat_id": USER_ID, "message_id": 1}, "message text is empty"),
    ("editMessageText", {"message_id": 1, "text": "新"}, "chat_id is empty"),
    ("editMessageReplyMarkup", {}, "message identifier is not specified"),
    ("editMessageCaption", {}, "message identifier is not specified"),
    ("deleteMessage", {"message_id": 1}, "chat identifier is not specified"),
    ("deleteMessage", {"chat_id": USER_ID}, "message identifier is not specified"),
    ("answerCallbackQuery", {},
     "query is too old and response timeout expired or query ID is invalid"),
    ("sendChatAction", {"chat_id": USER_ID}, "wrong parameter action in request"),
    ("getFile", {}, "file_id not specified"),
    ("getChat", {}, "chat_id is empty"),
    ("setMyCommands", {"commands": [{"command": "help"}]},
     'can\'t parse BotCommand: Can\'t find field "description"'),
]  # fmt: skip


@pytest.mark.parametrize(("method", "params", "description"), MISSING)
async def test_missing_parameter_is_bad_request(
    standin: StandIn, method: str, params: dict[str, Any], description: str
) -> None:
    standin.user(USER_ID)
    status, body = await raw_call(f"{standin.base_url}{standin.token}/{method}", params)
    assert (status, body) == (400, error(400, f"Bad Request: {description}"))
    assert standin.user(USER_ID).history == []  # nothing reached the chat
