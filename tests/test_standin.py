"""The Bot API stand-in, driven by a real python-telegram-bot Application over HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)
from telegram.request import HTTPXRequest

from standin import Limits, StandIn
from standin.faults import ApiError, parse_html

TOKEN = "123456:TEST-token"
Context = ContextTypes.DEFAULT_TYPE


@pytest.fixture
async def standin() -> AsyncIterator[StandIn]:
    async with StandIn(tokens={TOKEN}) as server:
        yield server


def build_app(
    standin: StandIn, *handlers: BaseHandler[Any, Any, Any], token: str = TOKEN
) -> Application:
    app = (
        ApplicationBuilder()
        .token(token)
        .base_url(standin.base_url)
        .base_file_url(standin.base_file_url)
        .build()
    )
    for handler in handlers:
        app.add_handler(handler)
    return app


@asynccontextmanager
async def polling(
    standin: StandIn, *handlers: BaseHandler[Any, Any, Any]
) -> AsyncIterator[Application]:
    """A real Application polling the stand-in, stopped in the right order afterwards."""
    app = build_app(standin, *handlers)
    await app.initialize()
    await app.updater.start_polling()
    await app.start()
    try:
        yield app
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def echo(update: Update, context: Context) -> None:
    await update.message.reply_text(update.message.text)


ECHO = MessageHandler(filters.TEXT & ~filters.COMMAND, echo)


async def test_standin_echo_round_trip(standin: StandIn) -> None:
    user = standin.user(1001, first_name="小王")
    async with polling(standin, ECHO):
        await user.send_text("你好")
        first = await user.reply()
        await user.send_text("<b>不是标签</b> & co")
        second = await user.reply()
    assert (first.text, first.method, first.chat_id, first.edited) == (
        "你好",
        "sendMessage",
        1001,
        False,
    )
    assert second.text == "<b>不是标签</b> & co"
    assert second.message_id > first.message_id
    assert standin.pending_updates() == 0
    assert standin.stats.calls["sendmessage"] == 2


async def test_standin_command_handler_fires(standin: StandIn) -> None:
    async def view(update: Update, context: Context) -> None:
        await update.message.reply_text(f"查看 {' '.join(context.args or [])}")

    user = standin.user(1001)
    async with polling(standin, CommandHandler("view", view)):
        await user.send_text("/view NX-1")
        reply = await user.expect("查看")
    assert reply.text == "查看 NX-1"


async def on_button(update: Update, context: Context) -> None:
    query = update.callback_query
    await query.answer(f"收到 {query.data}")
    await query.edit_message_text(f"已{query.data}：<b>{query.message.text}</b>", parse_mode="HTML")


async def ask(update: Update, context: Context) -> None:
    buttons = [[InlineKeyboardButton("确认", callback_data="确认")],
               [InlineKeyboardButton("取消", callback_data="取消")]]  # fmt: skip
    await update.message.reply_text("是否提交？", reply_markup=InlineKeyboardMarkup(buttons))


async def test_standin_button_press_gets_callback_answer(standin: StandIn) -> None:
    user = standin.user(1001)
    async with polling(standin, CommandHandler("ask", ask), CallbackQueryHandler(on_button)):
        await user.send_text("/ask")
        question = await user.reply()
        answer = await user.press("确认", wait_answer=True)
    assert question.buttons == [["确认"], ["取消"]]
    assert question.callback_data == ["确认", "取消"]
    assert (answer.text, answer.show_alert) == ("收到 确认", False)


async def test_standin_edit_is_visible_as_an_edit(standin: StandIn) -> None:
    user = standin.user(1001)
    async with polling(standin, CommandHandler("ask", ask), CallbackQueryHandler(on_button)):
        await user.send_text("/ask")
        question = await user.reply()
        press = await user.press(data="取消")
        edit = await user.reply()
        await press.answer()
    assert edit.edited and edit.method == "editMessageText"
    assert edit.message_id == question.message_id
    assert edit.text == "已取消：是否提交？"
    assert edit.html == "已取消：<b>是否提交？</b>"
    assert edit.buttons == []  # an edit without reply_markup removes the keyboard
    assert [e.message_id for e in user.history] == [question.message_id] * 2


async def test_standin_send_venue(standin: StandIn) -> None:
    async def where(update: Update, context: Context) -> None:
        await update.message.reply_venue(41.12, 122.07, "暖新驿站", "胜利路 1 号")

    user = standin.user(1001)
    async with polling(standin, CommandHandler("where", where)):
        await user.send_text("/where")
        venue = await user.reply()
    assert venue.method == "sendVenue"
    assert venue.venue is not None and venue.venue["title"] == "暖新驿站"
    assert venue.location == {"latitude": 41.12, "longitude": 122.07}
    assert "胜利路 1 号" in str(venue)


async def test_standin_send_document_upload_is_readable(standin: StandIn) -> None:
    async def export(update: Update, context: Context) -> None:
        await update.message.reply_document(
            b"id,name\n1,\xe5\xb0\x8f\xe7\x8e\x8b\n", filename="a.csv"
        )

    user = standin.user(1001)
    async with polling(standin, CommandHandler("export", export)):
        await user.send_text("/export")
        sent = await user.reply()
    assert sent.document is not None
    assert (sent.document.filename, sent.document.data) == ("a.csv", "id,name\n1,小王\n".encode())
    assert standin.uploads == [sent.document]


async def test_standin_get_file_downloads_user_photo(standin: StandIn) -> None:
    photo = b"\xff\xd8\xff\xe0 a jpeg"

    async def on_photo(update: Update, context: Context) -> None:
        file = await context.bot.get_file(update.message.photo[-1].file_id)
        data = await file.download_as_bytearray()
        await update.message.reply_text(
            f"{len(data)} {bytes(data) == photo} {update.message.caption}"
        )

    user = standin.user(1001)
    async with polling(standin, MessageHandler(filters.PHOTO, on_photo)):
        await user.send_photo(photo, caption="事故现场")
        reply = await user.reply()
    assert reply.text == f"{len(photo)} True 事故现场"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"text": "1 < 2", "parse_mode": "HTML"}, "(?i)parse entities: unsupported start tag"),
        ({"text": "A & B", "parse_mode": "HTML"}, "(?i)can't parse entities"),
        ({"text": "<b>bold", "parse_mode": "HTML"}, "(?i)can't find end tag"),
        ({"text": "<p>x</p>", "parse_mode": "HTML"}, '(?i)unsupported start tag "p"'),
        ({"text": "   "}, "(?i)message text is empty"),
        ({"text": "长" * 4097}, "(?i)message is too long"),
        ({"chat_id": 999, "text": "x"}, "(?i)chat not found"),
        ({"text": "x", "reply_markup": InlineKeyboardMarkup(
            [[InlineKeyboardButton("x", callback_data="长" * 22)]])}, "(?i)button_data_invalid"),
    ],
)  # fmt: skip
async def test_standin_send_message_validation(
    standin: StandIn, kwargs: dict[str, Any], error: str
) -> None:
    standin.user(1001)
    app = build_app(standin)
    async with app:
        with pytest.raises(BadRequest, match=error):
            await app.bot.send_message(**{"chat_id": 1001, **kwargs})
        with pytest.raises(BadRequest, match=r"(?i)caption is too long"):
            await app.bot.send_photo(1001, b"jpeg", caption="x" * 1025)
    assert standin.user(1001).history == []


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<b>粗</b> &lt;tag&gt; &amp; &quot;q&quot; &#26262;", '粗 <tag> & "q" 暖'),
        ('<a href="https://x.cn/?a=1&amp;b=2">链接</a>', "链接"),
        ('<pre><code class="language-py">x = 1</code></pre>', "x = 1"),
        ('<span class="tg-spoiler">s</span><tg-spoiler>t</tg-spoiler><blockquote>q</blockquote>',
         "stq"),
    ],
)  # fmt: skip
def test_parse_html_accepts_telegram_subset(html: str, text: str) -> None:
    assert parse_html(html)[0] == text


def test_parse_html_reports_entities_in_utf16() -> None:
    assert parse_html("😀<b>暖新</b>")[1] == [{"type": "bold", "offset": 2, "length": 2}]


@pytest.mark.parametrize(
    "html", ["a < b", "<b>x</i>", "</b>", "<span>x</span>", "x &nbsp; y", "<b x"]
)
def test_parse_html_rejects_invalid(html: str) -> None:
    with pytest.raises(ApiError, match="can't parse entities"):
        parse_html(html)


async def test_standin_long_poll_waits_and_returns_promptly(standin: StandIn) -> None:
    user = standin.user(1001)
    async with build_app(standin) as app:
        poll = asyncio.create_task(app.bot.get_updates(timeout=5))
        await asyncio.sleep(0.3)
        assert not poll.done()
        started = time.monotonic()
        update_id = await user.send_text("到了")
        updates = await asyncio.wait_for(poll, 2)
        assert time.monotonic() - started < 1.5  # not the 5 s timeout
        assert [u.update_id for u in updates] == [update_id]
        assert updates[0].message.text == "到了"
        # Telegram keeps unconfirmed updates; the offset confirms them.
        assert [u.update_id for u in await app.bot.get_updates(timeout=0)] == [update_id]
        assert await app.bot.get_updates(offset=update_id + 1, timeout=0) == ()


async def test_standin_delete_webhook_drops_pending_updates(standin: StandIn) -> None:
    await standin.user(1001).send_text("旧消息")
    async with build_app(standin) as app:
        assert await app.bot.delete_webhook(drop_pending_updates=True)
        assert standin.pending_updates() == 0
        assert await app.bot.get_updates(timeout=0) == ()


async def test_standin_redelivers_unconfirmed_update_to_a_new_application(standin: StandIn) -> None:
    user = standin.user(1001)
    update_id = await user.send_text("第一次")
    async with build_app(standin) as crashed:  # fetches the update but never confirms it
        assert [u.update_id for u in await crashed.bot.get_updates(timeout=0)] == [update_id]
    seen: list[int] = []

    async def record(update: Update, context: Context) -> None:
        seen.append(update.update_id)
        await update.message.reply_text(update.message.text)

    async with polling(standin, MessageHandler(filters.TEXT, record)):
        assert (await user.reply()).text == "第一次"
        standin.redeliver(update_id)  # the same update once more, as after a crash
        assert (await user.reply()).text == "第一次"
    assert seen == [update_id, update_id]
    assert standin.pending_updates() == 0


async def test_standin_group_chat_and_forged_callback(standin: StandIn) -> None:
    staff = standin.group(-100500, "暖新工作人员")
    user = standin.user(1001)

    async def relay(update: Update, context: Context) -> None:
        sender, text = update.effective_user.first_name, update.message.text
        await update.effective_chat.send_message(f"{sender}: {text}")

    async def alert(update: Update, context: Context) -> None:
        await update.callback_query.answer(update.callback_query.data, show_alert=True)

    async with polling(standin, MessageHandler(filters.TEXT, relay), CallbackQueryHandler(alert)):
        await user.in_chat(staff).send_text("收到")
        notice = await staff.expect("收到")
        forged = await user.forge_callback("admin:delete", message_id=notice.message_id)
        answer = await forged.answer()
    assert (notice.chat_id, notice.text) == (-100500, "用户1001: 收到")
    assert (answer.text, answer.show_alert) == ("admin:delete", True)
    assert user.history == []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_standin_webhook_mode(standin: StandIn) -> None:
    user = standin.user(1001)
    port = free_port()
    app = build_app(standin, ECHO)
    await app.initialize()
    await app.updater.start_webhook(
        listen="127.0.0.1", port=port, url_path="hook", secret_token="s3cret-1",
        webhook_url=f"http://127.0.0.1:{port}/hook",
    )  # fmt: skip
    await app.start()
    try:
        for text in ("一", "二", "三"):
            await user.send_text(text)
        assert [m.text for m in await user.replies(3)] == ["一", "二", "三"]
        info = await app.bot.get_webhook_info()
        assert (info.url, info.pending_update_count) == (f"http://127.0.0.1:{port}/hook", 0)
        with pytest.raises(Conflict):
            await app.bot.get_updates()
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


async def test_standin_webhook_retries_a_wrong_secret(standin: StandIn) -> None:
    user = standin.user(1001)
    port = free_port()
    app = build_app(standin, ECHO)
    await app.initialize()
    await app.updater.start_webhook(listen="127.0.0.1", port=port, secret_token="right")
    await app.start()
    try:
        standin.webhook["secret_token"] = "wrong"  # the bot answers 403; Telegram retries
        await user.send_text("重试")
        await asyncio.sleep(0.3)
        assert standin.pending_updates() == 1 and user.history == []
        assert "403" in standin.webhook["last_error_message"]
        standin.webhook["secret_token"] = "right"
        assert (await user.reply()).text == "重试"
    finally:
        await app.updater.stop()
        await app.stop()
        await app.shutdown()


@pytest.fixture
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB 22's timedelta retry_after (reading the int form warns)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.mark.usefixtures("ptb_timedelta")
async def test_standin_fault_429_raises_retry_after(standin: StandIn) -> None:
    standin.user(1001)
    standin.faults.add("sendMessage", kind="429", retry_after=3)
    async with build_app(standin) as app:
        with pytest.raises(RetryAfter) as raised:
            await app.bot.send_message(1001, "x")
        assert raised.value.retry_after == dt.timedelta(seconds=3)
        assert (await app.bot.send_message(1001, "y")).text == "y"


async def test_standin_fault_drop_after_delivers_without_answer(standin: StandIn) -> None:
    user = standin.user(1001)
    standin.faults.add("sendMessage", kind="drop", when="after")
    standin.faults.add("sendMessage", kind="500", chat_id=1001)
    async with build_app(standin) as app:
        with pytest.raises(NetworkError):
            await app.bot.send_message(1001, "送达了")
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await app.bot.send_message(1001, "没送达")
    assert [m.text for m in user.history] == ["送达了"]


@pytest.mark.usefixtures("ptb_timedelta")
async def test_standin_limits_and_blocking(standin: StandIn) -> None:
    standin.limits = Limits(per_chat_per_sec=1, burst=2)
    standin.user(1001)
    standin.user(1002)
    standin.block(1002)
    async with build_app(standin) as app:
        await app.bot.send_message(1001, "1")
        await app.bot.send_message(1001, "2")
        with pytest.raises(RetryAfter):
            await app.bot.send_message(1001, "3")
        with pytest.raises(Forbidden, match="bot was blocked by the user"):
            await app.bot.send_message(1002, "x")
    assert standin.stats.max_in_window(1001) == 2


async def test_standin_wrong_token_is_invalid(standin: StandIn) -> None:
    requests = HTTPXRequest(), HTTPXRequest()
    app = (
        ApplicationBuilder()
        .token("654321:WRONG")
        .base_url(standin.base_url)
        .request(requests[0])
        .get_updates_request(requests[1])
        .build()
    )
    try:
        with pytest.raises(InvalidToken):
            await app.initialize()
    finally:  # a failed initialize() leaves the HTTP clients open
        for request in requests:
            await request.shutdown()
