"""Turning a confirmed draft into a committed suggestion."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from telegram import Update

from bot.context import BotContext
from bot.storage.views import SuggestionView

logger = logging.getLogger(__name__)


def draft_fields(draft: dict[str, Any]) -> dict[str, Any]:
    """The suggestion columns a draft fills in."""
    named = draft.get("anonymous") is False
    return {
        "text": draft["text"],
        "attachments": list(draft.get("photos") or []),
        "latitude": draft.get("lat"),
        "longitude": draft.get("lon"),
        "place": draft.get("place"),
        "worker_type": draft.get("worker_type"),
        "anonymous": not named,
        "contact_name": draft.get("name") if named else None,
        "contact_phone": draft.get("phone") if named else None,
        "language": draft.get("lang", "zh"),
        "predicted_category": draft.get("predicted"),
        "confidence": draft.get("confidence"),
        "worker_category": draft.get("worker_category"),
        "category": draft.get("worker_category"),
        "needs_review": bool(draft.get("needs_review")) or not draft.get("worker_category"),
    }


async def submit_draft(
    update: Update, context: BotContext, draft: dict[str, Any], name: str
) -> SuggestionView:
    """Commit the suggestion with its receipt and staff notice (idempotent on the update id).

    The receipt replaces the summary message the worker confirmed on.
    """
    message = update.callback_query.message if update.callback_query else None
    summary_id = message.message_id if message is not None else None
    assert update.effective_chat and update.effective_user
    services = context.services
    view, _created = await context.db(
        context.store.submit,
        user_id=update.effective_user.id,
        chat_id=update.effective_chat.id,
        update_id=update.update_id,
        local_day=datetime.now(services.tz).date(),
        fields=draft_fields(draft),
        announce_to=services.settings.staff_chat_id,
        draft_name=name,
        receipt_in=summary_id,
    )
    logger.info("suggestion %s submitted by user %s", view.code, update.effective_user.id)
    return view


async def deliver(context: BotContext, wait: bool = False) -> None:
    """Deliver what the outbox holds now: in the background, or before returning (`wait`)."""
    outbox = context.services.outbox
    if outbox is None:
        return
    if wait:
        await outbox.flush(context.bot)
    else:
        outbox.kick(context.bot)
