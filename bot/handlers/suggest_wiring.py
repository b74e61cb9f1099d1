"""The suggestion conversation's wiring: states, fallbacks, timeout, and its loose ends.

The steps themselves are in `bot.handlers.suggest`; this module only puts them together and
answers what falls outside a step (a timeout, another command, an old button).
"""

from __future__ import annotations

import warnings
from typing import Any

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.context import BotContext
from bot.handlers.common import ack, send, user_lang
from bot.handlers.suggest import (
    back_to_summary,
    bad_document,
    begin,
    cancel,
    confirm,
    edit_menu,
    edit_part,
    got_category,
    got_identity,
    got_location,
    got_phone,
    got_text,
    got_worker,
    stale_button,
    want_button,
    want_location,
    want_text,
)
from bot.handlers.suggest_flow import (
    CATEGORY,
    CONFIRM,
    IDENTITY,
    LOCATION,
    NAME,
    PHONE,
    TEXT,
    WORKER,
    ask,
    draft_key,
    drop,
    lost,
)
from bot.i18n import t


async def timed_out(update: Update, context: BotContext) -> None:
    """Fifteen idle minutes: end the conversation and say so."""
    await drop(update, context)
    chat_id, _ = draft_key(update)
    lang = user_lang(update, context)
    await context.bot.send_message(
        chat_id, t("suggest.timeout", lang), reply_markup=ReplyKeyboardRemove()
    )


async def resume(update: Update, context: BotContext) -> None:
    """A button of an earlier step (its answer is already in): show the current step again.

    After a crash the bot may have moved on (the draft is written first) without the worker
    ever seeing the next question; this puts it back in front of them.
    """
    await ack(update)
    chat_id, user_id = draft_key(update)
    draft = await context.db(context.store.load_draft, NAME, chat_id, user_id)
    if draft is None:
        await lost(update, context)
        return
    await ask(update, context, draft.state, draft.data)


async def busy(update: Update, context: BotContext) -> None:
    """Another command or button during the conversation: keep the step."""
    lang = user_lang(update, context)
    if update.callback_query:
        await ack(update, t("suggest.busy", lang), alert=True)
        return
    await send(update, context, t("suggest.busy", lang))


async def help_inside(update: Update, context: BotContext) -> None:
    """/help works inside the conversation and keeps the step."""
    from bot.handlers.start import help_command

    await help_command(update, context)


def _filters() -> dict[str, Any]:
    image_doc = filters.Document.IMAGE
    return {
        "text": (filters.TEXT & ~filters.COMMAND) | filters.PHOTO | image_doc,
        "doc": filters.Document.ALL & ~image_doc,
        "other": filters.ALL & ~filters.COMMAND,
    }


def build(conversation_timeout: float) -> ConversationHandler:  # type: ignore[type-arg]
    """All the conversation wiring in one place."""
    f = _filters()
    typed = filters.TEXT & ~filters.COMMAND
    states: dict[object, list[Any]] = {
        TEXT: [
            MessageHandler(f["text"], got_text),
            MessageHandler(f["doc"], bad_document),
            MessageHandler(f["other"], want_text),
        ],
        CATEGORY: [
            CallbackQueryHandler(got_category, pattern="^sg:c:"),
            MessageHandler(f["other"], want_button(CATEGORY)),
        ],
        WORKER: [
            CallbackQueryHandler(got_worker, pattern="^sg:w:"),
            MessageHandler(f["other"], want_button(WORKER)),
        ],
        LOCATION: [
            MessageHandler(filters.LOCATION | typed, got_location),
            MessageHandler(f["other"], want_location),
        ],
        IDENTITY: [
            CallbackQueryHandler(got_identity, pattern="^sg:(anon|named)$"),
            MessageHandler(f["other"], want_button(IDENTITY)),
        ],
        PHONE: [MessageHandler(f["other"], got_phone)],
        CONFIRM: [
            CallbackQueryHandler(confirm, pattern="^sg:confirm$"),
            CallbackQueryHandler(edit_menu, pattern="^sg:edit$"),
            CallbackQueryHandler(back_to_summary, pattern="^sg:back$"),
            CallbackQueryHandler(edit_part, pattern="^sg:e:"),
            MessageHandler(f["other"], want_button(CONFIRM)),
        ],
        ConversationHandler.TIMEOUT: [TypeHandler(Update, timed_out)],
    }
    fallbacks: list[Any] = [
        CommandHandler("cancel", cancel),
        CallbackQueryHandler(cancel, pattern="^sg:cancel$"),
        CommandHandler("help", help_inside),
        MessageHandler(filters.COMMAND, busy),
        CallbackQueryHandler(resume, pattern="^sg:"),
        CallbackQueryHandler(busy),
    ]
    entry = [
        CommandHandler("suggest", begin),
        CallbackQueryHandler(begin, pattern="^menu:suggest$"),
    ]
    with warnings.catch_warnings():
        # We use per_message=False on purpose: the state belongs to the worker, not to a message.
        warnings.filterwarnings("ignore", message="If 'per_message=False'")
        return ConversationHandler(
            entry_points=entry,  # type: ignore[arg-type]
            states=states,
            fallbacks=fallbacks,
            name=NAME,
            persistent=True,
            allow_reentry=True,
            conversation_timeout=conversation_timeout,
        )


async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    """/cancel outside a conversation."""
    await send(update, context, t("suggest.nothing_to_cancel", user_lang(update, context)))


def register(app: Application, conversation_timeout: float) -> None:  # type: ignore[type-arg]
    """Wire the conversation, and the answers for its buttons outside it."""
    app.add_handler(build(conversation_timeout))
    app.add_handler(CallbackQueryHandler(stale_button, pattern="^sg:"))
    app.add_handler(CommandHandler("cancel", nothing_to_cancel))
