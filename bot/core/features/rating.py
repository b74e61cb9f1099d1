"""回访评价: the worker rates an answer; 不满意 asks why and reopens the case to its desk."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.actions import Edit
from bot.core.buttons import FollowUp, Rate
from bot.core.cases import desk_target
from bot.core.context import Ctx
from bot.core.notices import rating_buttons
from bot.core.text import clean_text, content_size
from bot.domain import Rating
from bot.storage import suggestions

logger = logging.getLogger(__name__)
MAX_REASON = 200
REASON_WAIT = timedelta(minutes=30)  # a reason typed later than this is a new message


@dataclass(frozen=True)
class Awaited:
    """A 不满意 waiting for its reason: which case, the message with the buttons, since when."""

    suggestion_id: int
    message_id: int | None
    since: datetime


async def rate_button(ctx: Ctx, button: Rate) -> None:
    """满意 / 基本满意 are stored at once; 不满意 asks for a reason first."""
    body_message = getattr(ctx.event.body, "message_id", None)
    if button.rating is Rating.UNSATISFIED:
        ctx.memory.awaiting_reason = Awaited(button.suggestion_id, body_message, ctx.now())
        ctx.say(ctx.t("worker.rate_reason"))
        return
    if await _rate(ctx, button.suggestion_id, button.rating, None):
        ctx.edit(None, None)  # the buttons go: it is rated


async def follow_up(ctx: Ctx, button: FollowUp) -> None:
    """ "Rate" in /my (and the "not solved yet" button of older answers): the choices."""
    s = await ctx.db(suggestions.by_id, button.suggestion_id)
    if s is None or s.user_id != ctx.who.user_id:
        ctx.say(ctx.t("button.refused"))
        return
    if s.rating is not None:
        ctx.say(ctx.t("worker.rate_already"))
        return
    ctx.say(f"<b>{s.code}</b> " + ctx.t("worker.rate_ask"), rating_buttons(s))


def awaiting(ctx: Ctx) -> Awaited | None:
    """The 不满意 this person still owes a reason for, if recent."""
    waiting = ctx.memory.awaiting_reason
    if waiting is not None and ctx.now() - waiting.since > REASON_WAIT:
        ctx.memory.awaiting_reason = waiting = None
    return waiting


async def reason(ctx: Ctx, text: str, waiting: Awaited) -> None:
    """The reason for 不满意: the case goes back to its desk with it."""
    said = clean_text(text)
    if not said or content_size(said) < 2 or len(said) > MAX_REASON:
        ctx.say(ctx.t("worker.rate_reason_short", limit=MAX_REASON))
        return
    ctx.memory.awaiting_reason = None
    if await _rate(ctx, waiting.suggestion_id, Rating.UNSATISFIED, said) and waiting.message_id:
        ctx.out.append(Edit(None, None, message_id=waiting.message_id))


async def _rate(ctx: Ctx, suggestion_id: int, rating: Rating, why: str | None) -> bool:
    s = await ctx.db(suggestions.by_id, suggestion_id)
    if s is None:
        ctx.say(ctx.t("button.refused"))
        return False
    target = desk_target(ctx.services, s.desk)
    outcome, rated = await ctx.db(
        suggestions.rate, suggestion_id, ctx.who.user_id, rating, reason=why,
        desk_chat=target.chat, supervisor_chat=target.supervisor, now=ctx.now(),
    )  # fmt: skip
    if rated is None:
        key = {"already": "worker.rate_already", "not_answered": "worker.follow_up_open"}
        ctx.say(ctx.t(key.get(outcome, "button.refused")))
        return outcome == "already"
    logger.info("user %s rated %s: %s (%s)", ctx.who.user_id, rated.code, rating, outcome)
    if outcome == "rated":
        ctx.say(ctx.t("worker.rated"))
    else:
        ctx.say(ctx.t("worker.reopened", code=rated.code))
    if ctx.services.outbox is not None:
        ctx.services.outbox.kick()
    return True
