"""/delete_me: a worker erases their identity; suggestions stay, unlinked."""

from __future__ import annotations

import contextlib
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.handlers.common import LANG_KEY, SEEN_KEY, ack, send, user_lang
from bot.i18n import t

logger = logging.getLogger(__name__)


async def delete_me(update: Update, context: BotContext) -> None:
    """Ask before erasing anything."""
    lang = user_lang(update, context)
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(t("delete.yes", lang), callback_data="dm:yes"),
        InlineKeyboardButton(t("delete.no", lang), callback_data="dm:no"),
    ]])  # fmt: skip
    await send(update, context, t("delete.confirm", lang), reply_markup=buttons)


async def delete_answer(update: Update, context: BotContext) -> None:
    """Erase (yes) or keep (no)."""
    query = update.callback_query
    assert query and update.effective_user
    await ack(update)
    lang = user_lang(update, context)
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(None)
    if query.data != "dm:yes":
        await send(update, context, t("delete.kept", lang))
        return
    count = await context.db(context.store.erase_identity, update.effective_user.id)
    logger.info(
        "user %s erased their identity (%d suggestions unlinked)", update.effective_user.id, count
    )
    if context.user_data is not None:
        for key in (SEEN_KEY, LANG_KEY):
            context.user_data.pop(key, None)
        context.user_data.clear()
    await send(update, context, t("delete.done", lang, count=count))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("delete_me", delete_me))
    app.add_handler(CallbackQueryHandler(delete_answer, pattern="^dm:(yes|no)$"))
