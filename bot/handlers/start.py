"""/start, /help, /language and the main menu buttons that are not conversations."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.handlers.common import LANG_KEY, ack, main_menu, send, user_lang
from bot.i18n import t
from bot.roles import is_staff


async def start(update: Update, context: BotContext) -> None:
    """Greet the user and show the main menu."""
    lang = user_lang(update, context)
    user = update.effective_user
    name = user.first_name if user else ""
    await send(update, context, t("start", lang, name=name), reply_markup=main_menu(lang))


async def help_command(update: Update, context: BotContext) -> None:
    """Explain every command (staff also see theirs)."""
    lang = user_lang(update, context)
    text = t("help", lang) + t("help.privacy", lang)
    if update.effective_user and await is_staff(context, update.effective_user.id):
        text += t("help.staff", lang)
    await send(update, context, text)


async def switch_language(update: Update, context: BotContext) -> None:
    """Toggle between Chinese and English, remembered for this user."""
    lang = "en" if user_lang(update, context) == "zh" else "zh"
    if context.user_data is not None:
        context.user_data[LANG_KEY] = lang
    if update.effective_user:
        await context.db(context.store.set_user_fields, update.effective_user.id, language=lang)
    await ack(update)
    await send(update, context, t("language.set", lang), reply_markup=main_menu(lang))


async def menu_help(update: Update, context: BotContext) -> None:
    """The help button of the main menu."""
    await ack(update)
    await help_command(update, context)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Wire this feature's handlers."""
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))
    app.add_handler(CommandHandler("language", switch_language))
    app.add_handler(CallbackQueryHandler(switch_language, pattern="^menu:language$"))
    app.add_handler(CallbackQueryHandler(menu_help, pattern="^menu:help$"))
