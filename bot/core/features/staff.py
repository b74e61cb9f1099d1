"""Staff work on suggestions: the buttons on each card, /view and /inbox."""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo

from bot.catalog import esc, label
from bot.core.actions import Button, Buttons, Message
from bot.core.buttons import (
    InboxOpen,
    InboxPage,
    StaffCard,
    StaffCategories,
    StaffSetCategory,
    StaffStatus,
    encode,
)
from bot.core.cases import desk_name, look, routing, target_of
from bot.core.context import Ctx
from bot.core.features import casefile
from bot.core.features.mine import to_local
from bot.core.filters import Filters, usage_names
from bot.core.filters import parse as parse_filters
from bot.core.notices import staff_buttons, staff_card, text_for_staff
from bot.domain import Kind, category_ids
from bot.storage import NotFound, suggestions, users
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
    card = staff_card(s, ctx.lang, await _failure(ctx, s), look(ctx.services))
    ctx.edit(card, staff_buttons(s, ctx.lang))


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


async def _history(ctx: Ctx, s: SuggestionView) -> str:
    """The case's events in words, in the staff member's language, with who did each."""
    names = await ctx.db(users.names, casefile.actor_ids(s))
    history = casefile.HistoryLook(ctx.lang, ctx.services.tz, look(ctx.services).desk_name, names)
    return "\n".join([ctx.t("staff.history"), *casefile.history_lines(s, history)])


async def view(ctx: Ctx, args: list[str]) -> None:
    """/view CODE: the whole case: its card (history and staff buttons), the worker's
    photos and the place on a map."""
    if not args:
        ctx.say(ctx.t("staff.view_usage"))
        return
    await show(ctx, args[0])


async def show(ctx: Ctx, code: str) -> None:
    s = await ctx.db(suggestions.get, code, with_events=True)
    if s is None:
        ctx.say(ctx.t("staff.not_found", code=code))
        return
    card = staff_card(s, ctx.lang, await _failure(ctx, s), look(ctx.services))
    ctx.out.append(Message(card + "\n\n" + await _history(ctx, s), staff_buttons(s, ctx.lang),
                           card=s.id))  # fmt: skip
    ctx.out.extend(await casefile.photos(ctx, s))
    pin = casefile.place_pin(s)
    if pin is not None:
        ctx.out.append(pin)


def chat_desks(ctx: Ctx, filters: Filters) -> tuple[str | None, ...] | None:
    """Whose cases a list shows: the desk asked for; else, in a desk's chat, that chat's
    desks (None: cases of no desk, in the settings' staff chat); else every desk."""
    if filters.desk is not None:
        return (filters.desk,)
    if filters.all_desks or ctx.who.private:
        return None
    services = ctx.services
    table = routing(services)
    here = [d.id for d in table.desks if target_of(services, d).chat == ctx.who.chat_id]
    if not here or len(here) == len(table.desks):
        return None  # one chat for every desk (or none of them): everything
    if ctx.who.chat_id == services.settings.staff_chat_id:
        return (*here, None)
    return tuple(here)


async def _inbox_page(ctx: Ctx, filters: Filters, page: int) -> tuple[str, Buttons | None]:
    lang = ctx.lang
    desks = chat_desks(ctx, filters)
    result = await ctx.db(suggestions.inbox, filters.category, filters.status,
                          page * PAGE_SIZE, PAGE_SIZE, kind=filters.kind, desks=desks)  # fmt: skip
    if result.total == 0:
        return ctx.t("staff.inbox_empty"), None
    names = (
        label("category", filters.category, lang) if filters.category else "",
        label("status", filters.status, lang) if filters.status else "",
        label("kind", filters.kind, lang) if filters.kind else "",
        " ".join(desk_name(ctx.services, d) or ctx.t("staff.no_desk") for d in desks or ()),
    )
    shown = " ".join(x for x in names if x)
    lines = [ctx.t("staff.inbox_header", filters=f" {shown}" if shown else "",
                   total=result.total)]  # fmt: skip
    tz = ctx.services.tz
    for s in result.items:
        text = text_for_staff(s)  # masked before it is cut: no half of a number shows
        preview = text if len(text) <= PREVIEW else text[:PREVIEW] + "…"
        kind = "" if s.kind == Kind.SUGGESTION else f"{label('kind', s.kind, lang)} · "
        lines.append(f"<b>{esc(s.code)}</b> {local_time(s.created_at, tz)} {esc(kind)}"
                     f"【{esc(label('status', s.status, lang))}】\n{esc(preview)}")  # fmt: skip
    rows: list[tuple[Button, ...]] = [
        (Button(f"🔎 {s.code}", encode(InboxOpen(s.id))),) for s in result.items
    ]

    def to(number: int) -> str:
        return encode(InboxPage(number, filters.category, filters.status, filters.kind,
                                filters.desk, filters.all_desks))  # fmt: skip

    nav = []
    if page > 0:
        nav.append(Button(ctx.t("my.prev"), to(page - 1)))
    if result.has_next:
        nav.append(Button(ctx.t("my.next"), to(page + 1)))
    if nav:
        rows.append(tuple(nav))
    return "\n\n".join(lines), Buttons(tuple(rows))


async def inbox(ctx: Ctx, args: list[str]) -> None:
    """/inbox [category] [status] [kind] [desk|全部]: open cases, newest first, with
    buttons; names in Chinese or English. In a desk's chat, that desk's cases."""
    table = routing(ctx.services)
    filters, unknown = parse_filters(args, table)
    if unknown:
        ctx.say(ctx.t("staff.inbox_usage", bad=unknown[0], **usage_names(table, ctx.lang)))
        return
    ctx.say(*await _inbox_page(ctx, filters, 0))


async def inbox_open(ctx: Ctx, button: InboxOpen) -> None:
    s = await ctx.db(suggestions.by_id, button.suggestion_id)
    if s is not None:
        await show(ctx, s.code)


async def inbox_page(ctx: Ctx, button: InboxPage) -> None:
    filters = Filters(button.category, button.status, button.kind, button.desk, button.all_desks)
    text, markup = await _inbox_page(ctx, filters, button.page)
    ctx.edit(text, markup)
