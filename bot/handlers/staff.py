"""Staff work on suggestions: the buttons on each card, /view and /inbox."""

from __future__ import annotations

import contextlib
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import categories
from bot.context import BotContext
from bot.handlers.common import ack, send, user_lang
from bot.i18n import STATUS, esc, status_name, t
from bot.messages import local_time, staff_card, staff_keyboard
from bot.roles import staff_only
from bot.storage import Status
from bot.storage.staff_repo import NotFound
from bot.storage.views import SuggestionView
from bot.submit import deliver

logger = logging.getLogger(__name__)
ACTIONS = {"acc": Status.RECEIVED, "prog": Status.IN_PROGRESS, "ado": Status.ADOPTED,
           "rej": Status.NOT_ADOPTED}  # fmt: skip
PAGE_SIZE = 5


def _parse(data: str) -> tuple[str, int, str]:
    """`st:<action>:<id>[:<arg>]` -> (action, id, arg)."""
    _, action, sid, *rest = data.split(":")
    return action, int(sid), rest[0] if rest else ""


async def _failure(context: BotContext, s: SuggestionView) -> str | None:
    failures = await context.db(context.store.delivery_failures, s.id)
    return failures[-1][1] if failures else None


async def _refresh(update: Update, context: BotContext, s: SuggestionView) -> None:
    """Show the card's new state in place."""
    query = update.callback_query
    assert query is not None
    lang = user_lang(update, context)
    card = staff_card(s, lang, await _failure(context, s))
    with contextlib.suppress(BadRequest):  # "message is not modified"
        await query.edit_message_text(card, reply_markup=staff_keyboard(s, lang))


@staff_only
async def change_status(update: Update, context: BotContext) -> None:
    """受理 / 办理中 / 采纳 / 不采纳 on a card."""
    query = update.callback_query
    assert query and query.data and update.effective_user
    action, sid, _ = _parse(query.data)
    try:
        s = await context.db(
            context.store.set_status, sid, ACTIONS[action], update.effective_user.id
        )
    except (NotFound, KeyError):
        return await ack(update)
    logger.info("staff %s set %s to %s", update.effective_user.id, s.code, s.status)
    lang = user_lang(update, context)
    await ack(update, t("staff.updated", lang, status=status_name(s.status, lang)))
    await _refresh(update, context, s)
    await deliver(context)


@staff_only
async def pick_category(update: Update, context: BotContext) -> None:
    """Show the categories as buttons on the card."""
    query = update.callback_query
    assert query and query.data
    await ack(update)
    _, sid, _ = _parse(query.data)
    lang = user_lang(update, context)
    buttons = [InlineKeyboardButton(categories.name(cid, lang), callback_data=f"st:set:{sid}:{cid}")
               for cid in categories.ids()]  # fmt: skip
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton(t("staff.btn_back", lang), callback_data=f"st:back:{sid}")])
    with contextlib.suppress(BadRequest):
        await query.edit_message_reply_markup(InlineKeyboardMarkup(rows))


@staff_only
async def set_category(update: Update, context: BotContext) -> None:
    """Store the staff's category (it becomes training data); the worker is not told."""
    query = update.callback_query
    assert query and query.data and update.effective_user
    _, sid, category = _parse(query.data)
    if category not in categories.ids():
        return await ack(update)
    s = await context.db(context.store.recategorize, sid, category, update.effective_user.id)
    logger.info("staff %s moved %s to category %s", update.effective_user.id, s.code, category)
    lang = user_lang(update, context)
    await ack(update, t("staff.recategorized", lang, name=categories.name(category, lang)))
    await _refresh(update, context, s)


@staff_only
async def back_to_card(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query and query.data
    await ack(update)
    _, sid, _ = _parse(query.data)
    s = await context.db(context.store.get_suggestion_by_id, sid)
    if s is not None:
        await _refresh(update, context, s)


def _history(s: SuggestionView, lang: str, context: BotContext) -> str:
    tz = context.services.tz
    lines = [t("staff.history", lang)]
    for event in s.events:
        who = f" · {event.actor_id}" if event.actor_id and not (
            s.anonymous and event.kind in ("created", "follow_up")) else ""  # fmt: skip
        what = event.kind
        if event.kind == "status_changed":
            what = f"→ {status_name(str(event.data.get('new')), lang)}"
        elif event.kind == "recategorized":
            what = f"🏷 → {categories.name(str(event.data.get('new')), lang)}"
        lines.append(f"{local_time(event.created_at, tz)} {esc(what)}{esc(who)}")
    return "\n".join(lines)


@staff_only
async def view(update: Update, context: BotContext) -> None:
    """/view CODE: one suggestion with its history and the staff buttons."""
    if not context.args:
        await send(update, context, t("staff.view_usage", user_lang(update, context)))
        return
    await _show(update, context, context.args[0])


async def _show(update: Update, context: BotContext, code: str) -> None:
    lang = user_lang(update, context)
    s = await context.db(context.store.get_suggestion, code, with_events=True)
    if s is None:
        await send(update, context, t("staff.not_found", lang, code=code))
        return
    text = staff_card(s, lang, await _failure(context, s)) + "\n\n" + _history(s, lang, context)
    await send(update, context, text, reply_markup=staff_keyboard(s, lang))


def _inbox_filters(args: list[str]) -> tuple[str | None, str | None] | None:
    category = status = None
    for arg in args:
        if arg in categories.ids() or arg == categories.REVIEW:
            category = arg
        elif arg in STATUS:
            status = arg
        else:
            return None
    return category, status


async def _inbox_page(
    update: Update, context: BotContext, category: str | None, status: str | None, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    lang = user_lang(update, context)
    result = await context.db(context.store.inbox, category, status, page * PAGE_SIZE, PAGE_SIZE)
    if result.total == 0:
        return t("staff.inbox_empty", lang), None
    label = " ".join(x for x in (categories.name(category, lang) if category else "",
                                 status_name(status, lang) if status else "") if x)  # fmt: skip
    lines = [t("staff.inbox_header", lang, filters=label, total=result.total)]
    tz = context.services.tz
    for s in result.items:
        preview = s.text if len(s.text) <= 60 else s.text[:60] + "…"
        lines.append(f"<b>{esc(s.code)}</b> {local_time(s.created_at, tz)} "
                     f"【{esc(status_name(s.status, lang))}】\n{esc(preview)}")  # fmt: skip
    rows = [[InlineKeyboardButton(f"🔎 {s.code}", callback_data=f"ib:v:{s.id}")]
            for s in result.items]  # fmt: skip
    nav, key = [], f"{category or '-'}:{status or '-'}"
    if page > 0:
        nav.append(InlineKeyboardButton(t("my.prev", lang), callback_data=f"ib:p:{page - 1}:{key}"))
    if result.has_next:
        nav.append(InlineKeyboardButton(t("my.next", lang), callback_data=f"ib:p:{page + 1}:{key}"))
    if nav:
        rows.append(nav)
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


@staff_only
async def inbox(update: Update, context: BotContext) -> None:
    """/inbox [category] [status]: open suggestions, newest first, with buttons."""
    lang = user_lang(update, context)
    filters = _inbox_filters(list(context.args or []))
    if filters is None:
        statuses = ", ".join(STATUS)
        cats = ", ".join([*categories.ids(), categories.REVIEW])
        await send(
            update, context, t("staff.inbox_usage", lang, categories=cats, statuses=statuses)
        )
        return
    text, markup = await _inbox_page(update, context, *filters, 0)
    await send(update, context, text, reply_markup=markup)


@staff_only
async def inbox_button(update: Update, context: BotContext) -> None:
    """Paging and opening items of /inbox."""
    query = update.callback_query
    assert query and query.data
    await ack(update)
    parts = query.data.split(":")
    if parts[1] == "v":
        s = await context.db(context.store.get_suggestion_by_id, int(parts[2]))
        if s is not None:
            await _show(update, context, s.code)
        return
    page, category, status = int(parts[2]), parts[3], parts[4]
    text, markup = await _inbox_page(
        update, context, None if category == "-" else category, None if status == "-" else status,
        page,
    )  # fmt: skip
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(text, reply_markup=markup)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CallbackQueryHandler(change_status, pattern=r"^st:(acc|prog|ado|rej):\d+$"))
    app.add_handler(CallbackQueryHandler(pick_category, pattern=r"^st:cat:\d+$"))
    app.add_handler(CallbackQueryHandler(set_category, pattern=r"^st:set:\d+:\w+$"))
    app.add_handler(CallbackQueryHandler(back_to_card, pattern=r"^st:back:\d+$"))
    app.add_handler(CallbackQueryHandler(inbox_button, pattern=r"^ib:"))
    app.add_handler(CommandHandler("view", view))
    app.add_handler(CommandHandler("inbox", inbox))
