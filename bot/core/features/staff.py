"""Staff work on suggestions: the buttons on each card, /view and /inbox."""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo

from bot.catalog import esc, label
from bot.core.actions import Button, Buttons
from bot.core.buttons import (
    InboxOpen,
    InboxPage,
    StaffCard,
    StaffCategories,
    StaffSetCategory,
    StaffStatus,
    encode,
)
from bot.core.context import Ctx
from bot.core.features.mine import to_local
from bot.core.notices import staff_buttons, staff_card, text_for_staff
from bot.domain import REVIEW, Status, category_ids
from bot.storage import NotFound, suggestions
from bot.storage.views import SuggestionView

logger = logging.getLogger(__name__)
PAGE_SIZE = 5
PREVIEW = 60


def local_time(value: datetime | None, tz: tzinfo) -> str:
    """A stored naive-UTC time as local `YYYY-MM-DD HH:MM`."""
    return f"{to_local(value, tz):%Y-%m-%d %H:%M}" if value else ""


async def _failure(ctx: Ctx, s: SuggestionView) -> str | None:
    failures = await ctx.db(suggestions.delivery_failures, s.id)
    return failures[-1][1] if failures else None


async def _refresh(ctx: Ctx, s: SuggestionView) -> None:
    """Show the card's new state in place."""
    ctx.edit(staff_card(s, ctx.lang, await _failure(ctx, s)), staff_buttons(s, ctx.lang))


async def change_status(ctx: Ctx, button: StaffStatus) -> None:
    """受理 / 办理中 / 采纳 / 不采纳 on a card."""
    try:
        s = await ctx.db(suggestions.set_status, button.suggestion_id, button.act.status,
                         ctx.who.user_id, now=ctx.now())  # fmt: skip
    except NotFound:
        return
    logger.info("staff %s set %s to %s", ctx.who.user_id, s.code, s.status)
    ctx.toast(ctx.t("staff.updated", status=label("status", s.status, ctx.lang)))
    await _refresh(ctx, s)
    if ctx.services.outbox is not None:
        ctx.services.outbox.kick()


async def pick_category(ctx: Ctx, button: StaffCategories) -> None:
    """Show the categories as buttons on the card."""
    sid = button.suggestion_id
    buttons = [Button(label("category", c, ctx.lang), encode(StaffSetCategory(sid, c)))
               for c in category_ids()]  # fmt: skip
    rows = [
        *Buttons.grid(buttons, 2).rows,
        (Button(ctx.t("staff.btn_back"), encode(StaffCard(sid))),),
    ]
    ctx.edit(None, Buttons(tuple(rows)))


async def set_category(ctx: Ctx, button: StaffSetCategory) -> None:
    """Store the staff's category (it becomes training data); the worker is not told."""
    try:
        s = await ctx.db(suggestions.recategorize, button.suggestion_id, button.category,
                         ctx.who.user_id, now=ctx.now())  # fmt: skip
    except NotFound:
        return
    logger.info("staff %s moved %s to category %s", ctx.who.user_id, s.code, button.category)
    ctx.toast(ctx.t("staff.recategorized", name=label("category", button.category, ctx.lang)))
    await _refresh(ctx, s)


async def back_to_card(ctx: Ctx, button: StaffCard) -> None:
    s = await ctx.db(suggestions.by_id, button.suggestion_id)
    if s is not None:
        await _refresh(ctx, s)


def _history(ctx: Ctx, s: SuggestionView) -> str:
    lang, tz = ctx.lang, ctx.services.tz
    lines = [ctx.t("staff.history")]
    for event in s.events:
        hidden = s.anonymous and event.kind in ("created", "follow_up")
        who = f" · {event.actor_id}" if event.actor_id and not hidden else ""
        what = event.kind
        if event.kind == "status_changed":
            what = f"→ {label('status', str(event.data.get('new')), lang)}"
        elif event.kind == "recategorized":
            what = f"🏷 → {label('category', str(event.data.get('new')), lang)}"
        lines.append(f"{local_time(event.created_at, tz)} {esc(what)}{esc(who)}")
    return "\n".join(lines)


async def view(ctx: Ctx, args: list[str]) -> None:
    """/view CODE: one suggestion with its history and the staff buttons."""
    if not args:
        ctx.say(ctx.t("staff.view_usage"))
        return
    await show(ctx, args[0])


async def show(ctx: Ctx, code: str) -> None:
    s = await ctx.db(suggestions.get, code, with_events=True)
    if s is None:
        ctx.say(ctx.t("staff.not_found", code=code))
        return
    text = staff_card(s, ctx.lang, await _failure(ctx, s)) + "\n\n" + _history(ctx, s)
    ctx.say(text, staff_buttons(s, ctx.lang))


def inbox_filters(args: list[str]) -> tuple[str | None, Status | None] | None:
    category: str | None = None
    status: Status | None = None
    for arg in args:
        if arg in category_ids() or arg == REVIEW:
            category = arg
        elif Status.parse(arg) is not None:
            status = Status(arg)
        else:
            return None
    return category, status


async def _inbox_page(
    ctx: Ctx, category: str | None, status: Status | None, page: int
) -> tuple[str, Buttons | None]:
    lang = ctx.lang
    result = await ctx.db(suggestions.inbox, category, status, page * PAGE_SIZE, PAGE_SIZE)
    if result.total == 0:
        return ctx.t("staff.inbox_empty"), None
    names = (label("category", category, lang) if category else "",
             label("status", status, lang) if status else "")  # fmt: skip
    lines = [ctx.t("staff.inbox_header", filters=" ".join(x for x in names if x),
                   total=result.total)]  # fmt: skip
    tz = ctx.services.tz
    for s in result.items:
        text = text_for_staff(s)  # masked before it is cut: no half of a number shows
        preview = text if len(text) <= PREVIEW else text[:PREVIEW] + "…"
        lines.append(f"<b>{esc(s.code)}</b> {local_time(s.created_at, tz)} "
                     f"【{esc(label('status', s.status, lang))}】\n{esc(preview)}")  # fmt: skip
    rows: list[tuple[Button, ...]] = [
        (Button(f"🔎 {s.code}", encode(InboxOpen(s.id))),) for s in result.items
    ]
    nav = []
    if page > 0:
        nav.append(Button(ctx.t("my.prev"), encode(InboxPage(page - 1, category, status))))
    if result.has_next:
        nav.append(Button(ctx.t("my.next"), encode(InboxPage(page + 1, category, status))))
    if nav:
        rows.append(tuple(nav))
    return "\n\n".join(lines), Buttons(tuple(rows))


async def inbox(ctx: Ctx, args: list[str]) -> None:
    """/inbox [category] [status]: open suggestions, newest first, with buttons."""
    filters = inbox_filters(args)
    if filters is None:
        statuses = ", ".join(Status)
        categories = ", ".join([*category_ids(), REVIEW])
        ctx.say(ctx.t("staff.inbox_usage", categories=categories, statuses=statuses))
        return
    ctx.say(*await _inbox_page(ctx, *filters, 0))


async def inbox_open(ctx: Ctx, button: InboxOpen) -> None:
    s = await ctx.db(suggestions.by_id, button.suggestion_id)
    if s is not None:
        await show(ctx, s.code)


async def inbox_page(ctx: Ctx, button: InboxPage) -> None:
    text, markup = await _inbox_page(ctx, button.category, button.status, button.page)
    ctx.edit(text, markup)
