"""The application-wide error handler, and answers for what no other handler took."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import BadRequest, NetworkError
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext, UserFacingError
from bot.handlers.common import ack, main_menu, send, user_lang
from bot.i18n import t

logger = logging.getLogger(__name__)


async def on_error(update: object, context: BotContext) -> None:
    """Known failures show their text; bugs are logged and get a short apology."""
    error = context.error
    if isinstance(error, UserFacingError):
        key, values = error.key, error.values
    elif isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        # Telegram unreachable even after the retries: known, not a bug; the user may not
        # even get this apology, but the next update will be served normally.
        logger.warning("Bot API unreachable in update %s: %s", _update_id(update), error)
        key, values = "error", {}
    else:
        logger.error("unhandled error in update %s", _update_id(update), exc_info=error)
        key, values = "error", {}
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    lang = user_lang(update, context)
    try:
        await ack(update)
        await send(update, context, t(key, lang, **values))
    except Exception:  # the chat may be unreachable; the error is logged above already
        logger.warning("could not tell chat %s about an error", update.effective_chat.id)


def _update_id(update: object) -> object:
    return update.update_id if isinstance(update, Update) else None


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command nobody handles."""
    await send(update, context, t("unknown_command", user_lang(update, context)))


async def free_text(update: Update, context: BotContext) -> None:
    """Text outside any conversation: show the menu."""
    lang = user_lang(update, context)
    await send(update, context, t("menu.title", lang), reply_markup=main_menu(lang))


async def unknown_button(update: Update, context: BotContext) -> None:
    """A button nobody handles (an old keyboard, or forged data): stop the spinner."""
    await ack(update, t("button.expired", user_lang(update, context)))


def register_last(app: Application) -> None:  # type: ignore[type-arg]
    """Catch-alls; wire them after every feature."""
    app.add_handler(CallbackQueryHandler(unknown_button))
    app.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, unknown_command))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, free_text))
    app.add_error_handler(on_error)  # type: ignore[arg-type]
