"""/policies: the city's policies and hotlines, one screen each, with buttons."""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.handlers.common import ack, send, user_lang
from bot.handlers.faq import knowledge
from bot.i18n import esc, t


def _list(context: BotContext, lang: str) -> tuple[str, InlineKeyboardMarkup]:
    rows = [[InlineKeyboardButton(f"📜 {p.title}", callback_data=f"pol:l:{p.id}")]
            for p in knowledge(context).policies]  # fmt: skip
    return t("policies.list", lang), InlineKeyboardMarkup(rows)


async def policies_command(update: Update, context: BotContext) -> None:
    """The list of policies as buttons."""
    await ack(update)
    text, markup = _list(context, user_lang(update, context))
    await send(update, context, text, reply_markup=markup)


async def policy_button(update: Update, context: BotContext) -> None:
    """One policy on one screen, or back to the list: in place when pressed on the list."""
    query = update.callback_query
    assert query and query.data
    await ack(update)
    lang = user_lang(update, context)
    pid = query.data.removeprefix("pol:")
    in_place = pid == "-list" or pid.startswith("l:")
    pid = pid.removeprefix("l:")
    if pid == "-list":
        text, markup = _list(context, lang)
    else:
        policy = knowledge(context).policy(pid)
        if policy is None:
            await send(update, context, t("policies.missing", lang))
            return
        back = InlineKeyboardButton(t("policies.back", lang), callback_data="pol:-list")
        text, markup = esc(policy.text()), InlineKeyboardMarkup([[back]])
    if in_place:
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(text, reply_markup=markup)
        return
    await send(update, context, text, reply_markup=markup)  # a link under an FAQ answer


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("policies", policies_command))
    app.add_handler(CallbackQueryHandler(policies_command, pattern="^menu:policies$"))
    app.add_handler(CallbackQueryHandler(policy_button, pattern="^pol:"))
