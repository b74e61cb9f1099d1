"""Answering a suggestion: the staff member writes, previews, sends; the worker is told.

The pending answer is a draft (DB first, like the worker's suggestion), so it survives a
restart; `bot_data["answering"]` mirrors it for a cheap check on every text message.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from telegram import ForceReply, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.handlers.common import ack, send, user_lang
from bot.handlers.suggest_flow import clean_text
from bot.i18n import esc, t
from bot.roles import is_staff, staff_only
from bot.storage.staff_repo import NotFound
from bot.storage.views import SuggestionView
from bot.submit import deliver

logger = logging.getLogger(__name__)
NAME = "answer"
MAX_ANSWER = 2000
Key = tuple[int, int]


def _answering(context: BotContext) -> dict[Key, int]:
    return context.bot_data.setdefault("answering", {})  # type: ignore[no-any-return]


def _key(update: Update) -> Key:
    assert update.effective_chat and update.effective_user
    return update.effective_chat.id, update.effective_user.id


async def _set(update: Update, context: BotContext, sid: int, text: str | None) -> None:
    chat_id, user_id = _key(update)
    data: dict[str, Any] = {"sid": sid, "text": text}
    await context.db(context.store.save_draft, NAME, chat_id, user_id, "answer", data)
    _answering(context)[(chat_id, user_id)] = sid


async def _clear(update: Update, context: BotContext) -> None:
    chat_id, user_id = _key(update)
    await context.db(context.store.delete_draft, NAME, chat_id, user_id)
    _answering(context).pop((chat_id, user_id), None)


def _template_buttons(sid: int, templates: list[tuple[int, str, str]]) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(f"📋 {name}", callback_data=f"sa:tpl:{sid}:{tid}")]
            for tid, name, _ in templates[:8]]  # fmt: skip
    return InlineKeyboardMarkup(rows)


@staff_only
async def start_answer(update: Update, context: BotContext) -> None:
    """The 答复 button: ask this staff member for the answer text."""
    query = update.callback_query
    assert query and query.data and update.effective_user
    await ack(update)
    sid = int(query.data.split(":")[2])
    s = await context.db(context.store.get_suggestion_by_id, sid)
    if s is None:
        return
    await _set(update, context, sid, None)
    lang = user_lang(update, context)
    name = update.effective_user.first_name
    prompt = t("staff.answer_prompt", lang, name=name, code=s.code)
    await send(update, context, prompt, reply_markup=ForceReply(selective=True))
    templates = await context.db(context.store.templates)
    if templates:
        text = t("staff.answer_templates", lang)
        await send(update, context, text, reply_markup=_template_buttons(sid, templates))


async def _preview(update: Update, context: BotContext, sid: int, text: str) -> None:
    lang = user_lang(update, context)
    s = await context.db(context.store.get_suggestion_by_id, sid)
    if s is None:
        return
    await _set(update, context, sid, text)
    buttons = InlineKeyboardMarkup([[
        InlineKeyboardButton(t("staff.btn_send", lang), callback_data=f"sa:send:{sid}"),
        InlineKeyboardButton(t("staff.btn_cancel", lang), callback_data=f"sa:x:{sid}"),
    ]])  # fmt: skip
    preview = t("staff.answer_preview", lang, code=s.code, text=text)
    await send(update, context, preview, reply_markup=buttons)


async def capture_answer(update: Update, context: BotContext) -> None:
    """A staff member's text while an answer is pending: that is the answer (preview it)."""
    if _key(update) not in _answering(context):
        return  # not answering: let the other handlers have it
    if not await is_staff(context, _key(update)[1]):  # the role may have been removed
        await _clear(update, context)
        return
    message = update.effective_message
    assert message is not None
    text = clean_text(message.text or "")
    lang = user_lang(update, context)
    if len(text) > MAX_ANSWER:
        await send(update, context, t("staff.answer_too_long", lang, count=len(text),
                                      limit=MAX_ANSWER))  # fmt: skip
    elif text:
        await _preview(update, context, _answering(context)[_key(update)], text)
    raise ApplicationHandlerStop


async def cancel_answer(update: Update, context: BotContext) -> None:
    """/cancel while answering (other /cancel uses fall through)."""
    if _key(update) not in _answering(context):
        return
    await _clear(update, context)
    await send(update, context, t("staff.answer_cancelled", user_lang(update, context)))
    raise ApplicationHandlerStop


async def _send(update: Update, context: BotContext, sid: int, text: str) -> SuggestionView:
    assert update.effective_user
    s = await context.db(context.store.answer, sid, text, update.effective_user.id)
    logger.info("staff %s answered %s", update.effective_user.id, s.code)
    await deliver(context, wait=True)
    return s


async def _report(update: Update, context: BotContext, s: SuggestionView) -> None:
    """Tell the staff member whether the worker got the answer."""
    lang = user_lang(update, context)
    failures = await context.db(context.store.delivery_failures, s.id)
    if s.chat_id is None:
        await send(update, context, t("staff.answer_stored", lang))
    elif failures and failures[-1][0] == "answer":
        await send(update, context, t("staff.answer_undelivered", lang, code=s.code,
                                      error=failures[-1][1]))  # fmt: skip
    else:
        await send(update, context, t("staff.answer_sent", lang, code=s.code))


@staff_only
async def answer_button(update: Update, context: BotContext) -> None:
    """Send / cancel / use-template on the preview."""
    query = update.callback_query
    assert query and query.data
    _, action, sid_text, *rest = query.data.split(":")
    sid, lang = int(sid_text), user_lang(update, context)
    chat_id, user_id = _key(update)
    draft = await context.db(context.store.load_draft, NAME, chat_id, user_id)
    await ack(update)
    if draft is None or draft.data.get("sid") != sid:
        return
    if action == "tpl":
        text = await context.db(context.store.template_text, int(rest[0]))
        if text:
            await _preview(update, context, sid, text)
        return
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(None)
    await _clear(update, context)
    if action == "x" or not draft.data.get("text"):
        await send(update, context, t("staff.answer_cancelled", lang))
        return
    s = await _send(update, context, sid, str(draft.data["text"]))
    await _report(update, context, s)


@staff_only
async def answer_command(update: Update, context: BotContext) -> None:
    """/answer CODE text: answer in one go."""
    lang = user_lang(update, context)
    message = update.effective_message
    parts = (message.text or "").split(maxsplit=2) if message else []
    if len(parts) < 3 or not clean_text(parts[2]):
        await send(update, context, t("staff.answer_usage", lang))
        return
    text = clean_text(parts[2])
    if len(text) > MAX_ANSWER:
        await send(update, context, t("staff.answer_too_long", lang, count=len(text),
                                      limit=MAX_ANSWER))  # fmt: skip
        return
    s = await context.db(context.store.get_suggestion, parts[1])
    if s is None:
        await send(update, context, t("staff.not_found", lang, code=parts[1]))
        return
    try:
        s = await _send(update, context, s.id, text)
    except NotFound:
        await send(update, context, t("staff.not_found", lang, code=parts[1]))
        return
    await _report(update, context, s)


@staff_only
async def templates_command(update: Update, context: BotContext) -> None:
    """/templates: the saved answers."""
    lang = user_lang(update, context)
    rows = await context.db(context.store.templates)
    if not rows:
        await send(update, context, t("staff.templates_empty", lang))
        return
    lines = [t("staff.templates_list", lang)]
    lines += [f"#{tid} <b>{esc(name)}</b>\n{esc(text)}" for tid, name, text in rows]
    await send(update, context, "\n\n".join(lines))


@staff_only
async def template_command(update: Update, context: BotContext) -> None:
    """/template NAME | TEXT: save (or replace) an answer to reuse."""
    assert update.effective_user
    lang = user_lang(update, context)
    message = update.effective_message
    body = (message.text or "").partition(" ")[2] if message else ""
    name, bar, text = (clean_text(x) for x in body.partition("|"))
    if not bar or not name or not text or len(name) > 64 or len(text) > MAX_ANSWER:
        await send(update, context, t("staff.template_usage", lang))
        return
    tid = await context.db(context.store.add_template, name, text, update.effective_user.id)
    await send(update, context, t("staff.template_saved", lang, id=tid))


@staff_only
async def template_delete(update: Update, context: BotContext) -> None:
    """/template_del ID."""
    lang = user_lang(update, context)
    args = context.args or []
    if len(args) != 1 or not args[0].lstrip("#").isdigit():
        await send(update, context, t("staff.template_usage", lang))
        return
    done = await context.db(context.store.delete_template, int(args[0].lstrip("#")))
    await send(update, context, t("staff.template_deleted" if done else "staff.template_usage",
                                  lang))  # fmt: skip


async def load_pending(application: Application) -> None:  # type: ignore[type-arg]
    """After a restart: which staff members were in the middle of an answer."""
    services = application.bot_data["services"]
    states = services.store.conversation_states(NAME)
    drafts = {key: services.store.load_draft(NAME, *key) for key in states}
    application.bot_data["answering"] = {
        key: int(d.data["sid"]) for key, d in drafts.items() if d is not None
    }


def register(app: Application) -> None:  # type: ignore[type-arg]
    text = filters.TEXT & ~filters.COMMAND
    app.add_handler(MessageHandler(text, capture_answer), group=-1)
    app.add_handler(CommandHandler("cancel", cancel_answer), group=-1)
    app.add_handler(CallbackQueryHandler(start_answer, pattern=r"^st:ans:\d+$"))
    app.add_handler(CallbackQueryHandler(answer_button, pattern=r"^sa:(send|x|tpl):\d+"))
    app.add_handler(CommandHandler("answer", answer_command))
    app.add_handler(CommandHandler("templates", templates_command))
    app.add_handler(CommandHandler("template", template_command))
    app.add_handler(CommandHandler("template_del", template_delete))
