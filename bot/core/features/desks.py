"""Desks at work (派单 and 限时办结): handing a case to another desk, extending a deadline
once, and the daily digest with escalation of overdue cases."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta

from bot.catalog import esc, label, t, t_html
from bot.core.actions import Action, Button, Buttons, Message
from bot.core.buttons import InboxOpen, encode
from bot.core.cases import Target, desk_name, desk_target, routing
from bot.core.clock import naive_utc
from bot.core.context import Ctx, Services
from bot.core.dates import due_text
from bot.core.notices import STAFF_LANG
from bot.domain.workdays import add_workdays
from bot.storage import NotFound, suggestions
from bot.storage.views import SuggestionView

logger = logging.getLogger(__name__)
MAX_EXTENSION = 20  # working days one extension may add
DIGEST_BUTTONS = 20  # cases with an "open" button in one digest (Telegram shows ~100)
RATING_REMINDER = timedelta(days=3)


async def reassign(ctx: Ctx, args: list[str]) -> None:
    """/reassign CODE DESK REASON: 转办 to another desk, which gets a card."""
    table = routing(ctx.services)
    desk = table.find_desk(args[1]) if len(args) >= 3 else None
    if desk is None:
        names = "、".join(d.name for d in table.desks) or "-"
        ctx.say(ctx.t("staff.reassign_usage", desks=names))
        return
    reason = " ".join(args[2:])
    target = desk_target(ctx.services, desk.id)
    try:
        s = await ctx.db(suggestions.reassign, args[0], desk.id, target.chat, target.thread,
                         reason, ctx.who.user_id, now=ctx.now())  # fmt: skip
    except NotFound:
        ctx.say(ctx.t("staff.not_found", code=args[0]))
        return
    logger.info("staff %s handed %s to desk %s", ctx.who.user_id, s.code, desk.id)
    ctx.say(ctx.t("staff.reassigned", code=s.code, desk=desk.name))
    _kick(ctx.services)


async def extend(ctx: Ctx, args: list[str]) -> None:
    """/extend CODE DAYS REASON: a later deadline, once per case; the worker is told."""
    days = int(args[1]) if len(args) >= 3 and args[1].isdigit() else 0
    if not 1 <= days <= MAX_EXTENSION:
        ctx.say(ctx.t("staff.extend_usage"))
        return
    s = await ctx.db(suggestions.get, args[0])
    if s is None:
        ctx.say(ctx.t("staff.not_found", code=args[0]))
        return
    start = max(filter(None, (s.due_on, _today(ctx.services))))
    extended = await ctx.db(suggestions.extend, s.id, add_workdays(start, days),
                            " ".join(args[2:]), ctx.who.user_id, now=ctx.now())  # fmt: skip
    if extended is None:
        ctx.say(ctx.t("staff.extend_once", code=s.code))
        return
    ctx.say(ctx.t("staff.extended", code=s.code, due=due_text(extended.due_on, ctx.lang)))
    _kick(ctx.services)


def _today(services: Services) -> date:
    return services.clock.now().astimezone(services.tz).date()


def _kick(services: Services) -> None:
    if services.outbox is not None:
        services.outbox.kick()


# --- the daily digest -------------------------------------------------------------------


async def daily(services: Services) -> list[tuple[int, list[Action]]]:
    """Each desk's digest (due today, overdue, the oldest deadline first); overdue cases
    escalated once to the desk's supervisor; one reminder to rate answers left unrated."""
    today = _today(services)
    now = naive_utc(services.clock.now())
    due = await services.db.run(suggestions.due_by, today)
    by_chat: dict[int, tuple[Target, list[SuggestionView]]] = {}
    grouped: dict[str | None, list[SuggestionView]] = defaultdict(list)
    for s in due:
        grouped[s.desk].append(s)
    for desk_id, cases in grouped.items():
        target = desk_target(services, desk_id)
        if target.chat is not None:
            by_chat.setdefault(target.chat, (target, []))[1].extend(cases)
        for s in cases:
            if s.due_on is not None and s.due_on < today and target.supervisor is not None:
                await services.db.run(suggestions.escalate, s.id, target.supervisor, now=now)
    await services.db.run(suggestions.remind_unrated, now - RATING_REMINDER, now=now)
    _kick(services)
    return [(chat, [_digest(services, target, cases, today)])
            for chat, (target, cases) in by_chat.items()]  # fmt: skip


def _digest(
    services: Services, target: Target, cases: list[SuggestionView], today: date
) -> Message:
    lang = STAFF_LANG
    name = desk_name(services, target.desk) or t("staff.no_desk", lang)
    overdue = sum(1 for s in cases if s.due_on is not None and s.due_on < today)
    lines = [t_html("staff.digest", lang, desk=esc(name), today=esc(due_text(today, lang)),
                    due_today=str(len(cases) - overdue), overdue=str(overdue))]  # fmt: skip
    for s in cases:
        late = s.due_on is not None and s.due_on < today
        category = label("category", s.category, lang) if s.category else "-"
        lines.append(t_html("staff.digest_line", lang, mark="⚠️" if late else "⏳",
                            code=esc(s.code), kind=esc(label("kind", s.kind, lang)),
                            category=esc(category), due=esc(due_text(s.due_on, lang))))  # fmt: skip
    buttons = [Button(s.code, encode(InboxOpen(s.id))) for s in cases[:DIGEST_BUTTONS]]
    return Message("\n".join(lines), Buttons.grid(buttons, 2), thread=target.thread)
