"""/my: a worker's own suggestions, newest first, five to a page."""

from __future__ import annotations

from datetime import tzinfo

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.context import BotContext
from bot.handlers.common import ack, send, to_local, user_lang
from bot.i18n import esc, status_name, t, t_html
from bot.storage.staff_repo import CLOSED
from bot.storage.views import Page, SuggestionView
from bot.submit import deliver

PAGE_SIZE = 5
PREVIEW = 80


def _item(s: SuggestionView, lang: str, tz: tzinfo) -> str:
    text = s.text if len(s.text) <= PREVIEW else s.text[:PREVIEW] + "…"
    created = to_local(s.created_at, tz)
    line = t_html(
        "my.item",
        lang,
        code=esc(s.code),
        date=f"{created:%Y-%m-%d}",
        status=esc(status_name(s.status, lang)),
        text=esc(text),
    )
    if s.answer:
        line += "\n" + t("my.answer", lang, answer=s.answer)
    return line


def render_page(page: Page, lang: str, tz: tzinfo) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and the paging buttons of one page of /my."""
    if page.total == 0:
        return t("my.empty", lang), None
    parts = [t("my.header", lang, total=page.total)]
    parts += [_item(s, lang, tz) for s in page.items]
    pages = (page.total + page.limit - 1) // page.limit
    number = page.offset // page.limit + 1
    if pages > 1:
        parts.append(t("my.page", lang, page=number, pages=pages))
    rows = [
        [
            InlineKeyboardButton(
                f"{t('worker.btn_follow_up', lang)} {s.code}", callback_data=f"fu:{s.id}"
            )
        ]
        for s in page.items
        if s.answer and not s.followed_up and s.status in CLOSED
    ]
    buttons = []
    if page.offset > 0:
        buttons.append(InlineKeyboardButton(t("my.prev", lang), callback_data=f"my:{number - 2}"))
    if page.has_next:
        buttons.append(InlineKeyboardButton(t("my.next", lang), callback_data=f"my:{number}"))
    if buttons:
        rows.append(buttons)
    return "\n\n".join(parts), InlineKeyboardMarkup(rows) if rows else None


async def _page(update: Update, context: BotContext, number: int) -> tuple[str, object]:
    assert update.effective_user
    user_id = update.effective_user.id
    page = await context.db(
        context.store.user_suggestions, user_id, offset=number * PAGE_SIZE, limit=PAGE_SIZE
    )
    return render_page(page, user_lang(update, context), context.services.tz)


async def my_command(update: Update, context: BotContext) -> None:
    """List the worker's suggestions (first page)."""
    await ack(update)
    text, markup = await _page(update, context, 0)
    await send(update, context, text, reply_markup=markup)


async def my_page(update: Update, context: BotContext) -> None:
    """Another page, in place."""
    query = update.callback_query
    assert query and query.data
    await ack(update)
    try:
        number = max(0, int(query.data.removeprefix("my:")))
    except ValueError:
        return
    text, markup = await _page(update, context, number)
    await query.edit_message_text(text, reply_markup=markup)  # type: ignore[arg-type]


async def follow_up(update: Update, context: BotContext) -> None:
    """“Not solved yet” on an answered suggestion: reopen it once and tell staff."""
    query = update.callback_query
    assert query and query.data and update.effective_user
    await ack(update)
    lang = user_lang(update, context)
    sid = int(query.data.removeprefix("fu:"))
    staff_chat = context.services.settings.staff_chat_id
    outcome, s = await context.db(
        context.store.follow_up, sid, update.effective_user.id, staff_chat
    )
    if s is None:
        key = {"already": "worker.follow_up_once", "still_open": "worker.follow_up_open"}
        await send(update, context, t(key.get(outcome, "button.refused"), lang))
        return
    await send(update, context, t("worker.followed_up", lang, code=s.code))
    await deliver(context)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("my", my_command))
    app.add_handler(CallbackQueryHandler(my_command, pattern="^menu:my$"))
    app.add_handler(CallbackQueryHandler(my_page, pattern=r"^my:\d+$"))
    app.add_handler(CallbackQueryHandler(follow_up, pattern=r"^fu:\d+$"))
