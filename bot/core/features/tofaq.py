"""An answered question becomes FAQ knowledge: staff propose it as another phrasing of an
entry, or as a new entry with their answer; admins accept it (`nuanxin kb accept`)."""

from __future__ import annotations

import asyncio
import logging
from functools import partial

from bot.core.actions import Button, Buttons
from bot.core.buttons import FaqAct, StaffCard, ToFaq, ToFaqEntry, encode
from bot.core.context import Ctx
from bot.core.notices import staff_buttons
from bot.domain import Kind
from bot.storage import suggestions
from bot.storage.views import SuggestionView
from knowledge import KnowledgeError
from knowledge.proposals import ProposalKind, propose

logger = logging.getLogger(__name__)
CHOICES = 3  # FAQ entries offered as the question's home
LABEL = 40


async def _answered_question(ctx: Ctx, suggestion_id: int) -> SuggestionView | None:
    s = await ctx.db(suggestions.by_id, suggestion_id)
    if s is None or s.kind != Kind.QUESTION or not s.answer:
        ctx.toast(ctx.t("staff.to_faq_not_yet"), alert=True)
        return None
    return s


async def to_faq(ctx: Ctx, button: ToFaq) -> None:
    """📚 on a card: the FAQ entries the question may be another phrasing of, or new."""
    s = await _answered_question(ctx, button.suggestion_id)
    if s is None:
        return
    if button.act is FaqAct.NEW:
        await _propose(ctx, s, ProposalKind.NEW_ENTRY, None)
        return
    kb = ctx.services.kb
    hits = kb.ask(s.text).hits[:CHOICES] if kb is not None else []
    rows = [(Button(ctx.t("staff.to_faq_entry", question=_short(h.entry.question)),
                    encode(ToFaqEntry(s.id, h.entry.id))),) for h in hits]  # fmt: skip
    rows.append((Button(ctx.t("staff.to_faq_new"), encode(ToFaq(s.id, FaqAct.NEW))),))
    rows.append((Button(ctx.t("staff.btn_back"), encode(StaffCard(s.id))),))
    ctx.edit(None, Buttons(tuple(rows)))


async def to_faq_entry(ctx: Ctx, button: ToFaqEntry) -> None:
    s = await _answered_question(ctx, button.suggestion_id)
    if s is not None:
        await _propose(ctx, s, ProposalKind.ALTERNATIVE, button.entry_id)


async def _propose(ctx: Ctx, s: SuggestionView, kind: ProposalKind, entry: str | None) -> None:
    holder = ctx.services.knowledge
    if holder is None:
        return
    write = partial(propose, holder.directory, kind, s.text, entry_id=entry, case_code=s.code,
                    answer=s.answer, proposed_by=ctx.who.name or str(ctx.who.user_id),
                    max_bytes=ctx.services.settings.knowledge_max_bytes)  # fmt: skip
    try:
        proposal = await asyncio.to_thread(write)
    except (KnowledgeError, OSError) as exc:  # a broken proposals file: the admins fix it
        logger.warning("could not propose %s for the FAQ: %s", s.code, exc)
        ctx.toast(ctx.t("staff.to_faq_failed"), alert=True)
        return
    logger.info("staff %s proposed %s for the FAQ as %s", ctx.who.user_id, s.code, proposal.id)
    ctx.toast(ctx.t("staff.to_faq_done", id=proposal.id), alert=True)
    ctx.edit(None, staff_buttons(s, ctx.lang))


def _short(text: str) -> str:
    return text if len(text) <= LABEL else text[: LABEL - 1] + "…"
