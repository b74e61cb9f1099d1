"""Small helpers shared by the feature handlers: language, menus, replies."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, tzinfo

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import Application

from bot.context import BotContext
from bot.i18n import lang_of, t

LANG_KEY = "lang"
MENU = ["suggest", "my", "ask", "stations", "policies", "help", "language"]
SEEN_KEY = "seen"


def user_lang(update: Update, context: BotContext) -> str:
    """The user's language: their stored choice, else their Telegram client's language."""
    cached = context.user_data.get(LANG_KEY) if context.user_data is not None else None
    if cached:
        return str(cached)
    user = update.effective_user
    return lang_of(user.language_code if user else None)


async def tell_flooder(app: Application, update: Update) -> None:  # type: ignore[type-arg]
    """The one friendly notice a flooding user gets per cool-down."""
    user, chat = update.effective_user, update.effective_chat
    lang = lang_of(user.language_code if user else None)
    with contextlib.suppress(TelegramError):
        if update.callback_query:
            await update.callback_query.answer(t("flood", lang), show_alert=True)
        elif chat is not None:
            await app.bot.send_message(chat.id, t("flood", lang))


async def remember_user(update: Update, context: BotContext) -> None:
    """On a user's first update in this process: store them and cache their language."""
    user = update.effective_user
    if user is None or user.is_bot or context.user_data is None:
        return
    if context.user_data.get(SEEN_KEY):
        return
    name = user.full_name or None
    stored = await context.db(
        context.store.touch_user, user.id, lang_of(user.language_code), name, user.username
    )
    context.user_data[LANG_KEY] = stored.language or lang_of(user.language_code)
    context.user_data[SEEN_KEY] = True


async def ack(update: Update, text: str | None = None, alert: bool = False) -> None:
    """Answer the button press of `update`, if any, without waiting for Telegram's reply.

    The answer only stops the spinner on the worker's button (or shows a short note), so it
    goes out alongside the real reply instead of before it. An expired query (after a
    restart, or a redelivery) is not an error.
    """
    query = update.callback_query
    if query is None:
        return
    task = asyncio.create_task(_answer(query, text, alert))
    _PENDING_ANSWERS.add(task)
    task.add_done_callback(_PENDING_ANSWERS.discard)


_PENDING_ANSWERS: set[asyncio.Task[None]] = set()


async def _answer(query: CallbackQuery, text: str | None, alert: bool) -> None:
    with contextlib.suppress(TelegramError):
        await query.answer(text, show_alert=alert)


def main_menu(lang: str) -> InlineKeyboardMarkup:
    """The main menu as buttons, two to a row."""
    keys = MENU
    buttons = [InlineKeyboardButton(t(f"menu.{k}", lang), callback_data=f"menu:{k}") for k in keys]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    return InlineKeyboardMarkup(rows)


async def send(update: Update, context: BotContext, text: str, **kwargs: object) -> Message:
    """Send `text` (HTML) to the chat of `update`."""
    chat = update.effective_chat
    assert chat is not None
    return await context.bot.send_message(chat.id, text, **kwargs)  # type: ignore[arg-type]


def to_local(naive_utc: datetime, tz: tzinfo) -> datetime:
    """A stored (naive UTC) timestamp in the bot's time zone."""
    return naive_utc.replace(tzinfo=UTC).astimezone(tz)
