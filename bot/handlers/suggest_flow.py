"""The machinery of the suggestion conversation: drafts, checks, and asking the next step.

Every step writes the draft and its next state to the database before it replies, so a
worker continues at the same step after the bot restarts (see `bot.persistence`); memory
only caches the draft of a worker this process has seen.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import ConversationHandler

from bot.context import BotContext
from bot.handlers import suggest_ui as ui
from bot.handlers.common import ack, send, user_lang
from bot.i18n import t

NAME = "suggest"
TEXT, CATEGORY, WORKER, LOCATION, IDENTITY, PHONE, CONFIRM = (
    "text", "category", "worker", "location", "identity", "phone", "confirm",
)  # fmt: skip
END = ConversationHandler.END
MAX_TEXT = 1000
MAX_PLACE = 100
MAX_PHOTOS = 5
MAX_IMAGE_BYTES = 10 * 1024 * 1024
SKIP_WORDS = {t("suggest.skip", lang) for lang in ("zh", "en")} | {"跳过", "skip"}
NO_PHONE_WORDS = {t("suggest.no_phone", lang) for lang in ("zh", "en")}

Draft = dict[str, Any]


def draft_key(update: Update) -> tuple[int, int]:
    assert update.effective_chat and update.effective_user
    return update.effective_chat.id, update.effective_user.id


DRAFT_KEY = "suggest_draft"


async def load(update: Update, context: BotContext) -> Draft | None:
    """The worker's draft: from memory when this process wrote it, else from the database."""
    cached = context.user_data.get(DRAFT_KEY) if context.user_data is not None else None
    if cached is not None:
        return dict(cached)
    chat_id, user_id = draft_key(update)
    draft = await context.db(context.store.load_draft, NAME, chat_id, user_id)
    return draft.data if draft else None


async def save(update: Update, context: BotContext, state: str, draft: Draft) -> None:
    """Write the draft and its state (the database first; memory is only a cache)."""
    chat_id, user_id = draft_key(update)
    await context.db(context.store.save_draft, NAME, chat_id, user_id, state, draft)
    if context.user_data is not None:
        context.user_data[DRAFT_KEY] = dict(draft)


async def drop(update: Update, context: BotContext) -> None:
    """Forget the draft (cancel, timeout)."""
    forget_cached(context)
    chat_id, user_id = draft_key(update)
    await context.db(context.store.delete_draft, NAME, chat_id, user_id)


def forget_cached(context: BotContext) -> None:
    """Drop the in-memory copy only (the database row is gone already)."""
    if context.user_data is not None:
        context.user_data.pop(DRAFT_KEY, None)


async def lost(update: Update, context: BotContext) -> object:
    """The draft is gone (expired or lost in a crash): say so plainly and end."""
    await ack(update)
    lang = user_lang(update, context)
    await send(
        update, context, t("suggest.restart_needed", lang), reply_markup=ReplyKeyboardRemove()
    )
    return END


def clean_text(text: str) -> str:
    """Drop invisible and control characters (keeping line breaks) and outer spaces."""
    kept = (ch for ch in text if ch in "\n" or unicodedata.category(ch) not in ("Cc", "Cf", "Co"))
    return "".join(kept).strip()


def text_problem(text: str) -> tuple[str, dict[str, int]] | None:
    """Why `text` cannot be a suggestion (a text key and its values), or None."""
    if not text:
        return "suggest.empty", {}
    if len(text) > MAX_TEXT:
        return "suggest.too_long", {"count": len(text), "limit": MAX_TEXT}
    if not any(unicodedata.category(ch)[0] in "LN" for ch in text):
        return "suggest.no_words", {}
    return None


def next_state(draft: Draft) -> str:
    """The first unanswered step (or the summary while editing)."""
    if draft.get("predicted") and not draft.get("needs_review") and not draft.get("category_done"):
        return CATEGORY  # a new text gets its category checked, even while editing
    if draft.pop("editing", False):
        return CONFIRM
    if not draft.get("worker_type"):
        return WORKER
    if not draft.get("location_done"):
        return LOCATION
    if "anonymous" not in draft:
        return IDENTITY
    if draft["anonymous"] is False and not draft.get("phone_done"):
        return PHONE
    return CONFIRM


async def ask(update: Update, context: BotContext, state: str, draft: Draft) -> str:
    """Save the draft at `state` and show that step's question."""
    await save(update, context, state, draft)
    text, markup = _prompt(state, draft, draft.get("lang", "zh"))
    await send(update, context, text, reply_markup=markup)
    return state


def _prompt(state: str, draft: Draft, lang: str) -> tuple[str, Any]:
    """The question of a step and its keyboard (only that step's is built)."""
    if state == CONFIRM:
        return ui.summary(draft, lang), ui.confirm_keyboard(lang)
    if state == CATEGORY:
        return ui.category_question(draft, lang), ui.category_keyboard(lang)
    keyboards: dict[str, Callable[[str], Any]] = {
        TEXT: lambda _lang: ReplyKeyboardRemove(),
        WORKER: ui.worker_keyboard,
        LOCATION: ui.location_keyboard,
        IDENTITY: ui.identity_keyboard,
        PHONE: ui.phone_keyboard,
    }
    return t(f"suggest.ask_{state}", lang), keyboards[state](lang)


async def advance(update: Update, context: BotContext, draft: Draft) -> str:
    """Go to the next unanswered step."""
    return await ask(update, context, next_state(draft), draft)


async def noted(update: Update, context: BotContext, draft: Draft) -> None:
    """Acknowledge a reply-keyboard answer and take that keyboard away."""
    await send(
        update, context, t("suggest.noted", draft["lang"]), reply_markup=ReplyKeyboardRemove()
    )


async def reprompt(update: Update, context: BotContext, hint: str, state: str) -> None:
    """Say what the step needs and show its question (and buttons) again."""
    draft = await load(update, context)
    if draft is None:
        await lost(update, context)
        return
    await send(update, context, t(hint, draft.get("lang", "zh")))
    await ask(update, context, state, draft)
