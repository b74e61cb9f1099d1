"""Questions: free text and /ask go to the FAQ; emergencies first; unknown ones to staff."""

from __future__ import annotations

import contextlib
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.handlers.common import ack, send, user_lang
from bot.handlers.suggest_flow import clean_text
from bot.i18n import esc, t
from knowledge import EMERGENCIES, KnowledgeBase, emergency_kind

logger = logging.getLogger(__name__)
QUESTION_KEY = "pending_question"
MAX_QUESTION = 500


def knowledge(context: BotContext) -> KnowledgeBase:
    holder = context.services.knowledge
    assert holder is not None
    return holder.current


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


async def send_emergency(update: Update, context: BotContext, kind: str, lang: str) -> None:
    """The emergency numbers, before anything else."""
    emergency = EMERGENCIES[kind]
    what = emergency.en if lang == "en" else emergency.zh
    numbers = " / ".join(emergency.numbers)
    await send(update, context, t("ask.emergency", lang, what=what, numbers=numbers))


def _links(kb: KnowledgeBase, entry: object, lang: str) -> InlineKeyboardMarkup | None:
    rows = [[_button(f"📜 {p.title}", f"pol:{p.id}")]
            for pid in getattr(entry, "policies", ()) if (p := kb.policy(pid))]  # fmt: skip
    rows += [[_button(f"📍 {s.name}", f"stn:v:{s.id}")]
             for sid in getattr(entry, "stations", ()) if (s := kb.station(sid))]  # fmt: skip
    return InlineKeyboardMarkup(rows[:4]) if rows else None


async def answer_question(update: Update, context: BotContext, text: str) -> None:
    """Emergency numbers first, then a direct answer, three choices, or an offer to ask staff."""
    lang = user_lang(update, context)
    kind = emergency_kind(text)
    if kind is not None:
        await send_emergency(update, context, kind, lang)
    kb = knowledge(context)
    answer = kb.ask(text)
    if answer.kind == "direct" and answer.entry is not None:
        await send(
            update, context, esc(answer.entry.answer), reply_markup=_links(kb, answer.entry, lang)
        )
        return
    if context.user_data is not None:
        context.user_data[QUESTION_KEY] = text[:MAX_QUESTION]
    if answer.kind == "choices":
        rows = [[_button(hit.entry.question, f"faq:{hit.entry.id}")] for hit in answer.hits[:3]]
        rows.append([_button(t("ask.none_of_these", lang), "faq:-staff")])
        await send(update, context, t("ask.choices", lang), reply_markup=InlineKeyboardMarkup(rows))
        return
    buttons = [
        [_button(t("ask.pass_yes", lang), "faq:-staff"), _button(t("ask.pass_no", lang), "faq:-no")]
    ]
    if kind is None or answer.kind == "unknown":
        await send(
            update, context, t("ask.unknown", lang), reply_markup=InlineKeyboardMarkup(buttons)
        )


async def free_text(update: Update, context: BotContext) -> None:
    """Text outside any conversation: a district name lists its stations, else the FAQ."""
    message = update.effective_message
    assert message is not None
    text = clean_text(message.text or "")
    if not text:
        return
    from bot.handlers.stations import district_of, show_district

    district = district_of(context, text)
    if district is not None:
        await show_district(update, context, district)
        return
    await answer_question(update, context, text)


async def ask_command(update: Update, context: BotContext) -> None:
    """/ask QUESTION (or the menu button): answer from the FAQ."""
    await ack(update)
    text = clean_text(" ".join(context.args or []))
    if not text:
        await send(update, context, t("ask.prompt", user_lang(update, context)))
        return
    await answer_question(update, context, text)


async def faq_button(update: Update, context: BotContext) -> None:
    """A chosen FAQ entry, or passing the question on to staff."""
    query = update.callback_query
    assert query and query.data
    await ack(update)
    lang = user_lang(update, context)
    choice = query.data.removeprefix("faq:")
    if choice in ("-staff", "-no"):
        await _pass_on(update, context, choice == "-staff", lang)
        return
    kb = knowledge(context)
    entry = kb.faq_entry(choice)
    if entry is None:
        await send(update, context, t("ask.expired", lang))
        return
    await send(update, context, esc(entry.answer), reply_markup=_links(kb, entry, lang))


async def _pass_on(update: Update, context: BotContext, yes: bool, lang: str) -> None:
    query = update.callback_query
    if query is not None:
        with contextlib.suppress(TelegramError):
            await query.edit_message_reply_markup(None)
    question = context.user_data.pop(QUESTION_KEY, None) if context.user_data else None
    if not yes:
        await send(update, context, t("ask.not_passed", lang))
        return
    if question is None:
        await send(update, context, t("ask.expired", lang))
        return
    chat, user = update.effective_chat, update.effective_user
    assert chat and user
    await context.db(context.store.add_question, user.id, chat.id, lang, question)
    logger.info("user %s passed a question to staff", user.id)
    await send(update, context, t("ask.passed", lang))
    staff_chat = context.services.settings.staff_chat_id
    if staff_chat is not None:
        try:
            await context.bot.send_message(staff_chat, t("ask.staff_notice", "zh", text=question))
        except TelegramError as exc:  # recorded in the database either way
            logger.warning("could not tell the staff chat about a question: %s", exc)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("ask", ask_command))
    app.add_handler(CallbackQueryHandler(ask_command, pattern="^menu:ask$"))
    app.add_handler(CallbackQueryHandler(faq_button, pattern="^faq:"))


def register_free_text(app: Application) -> None:  # type: ignore[type-arg]
    """Free text in private chats: wired last, after every conversation."""
    private_text = filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND
    app.add_handler(MessageHandler(private_text, free_text))
