"""Messages the bot sends outside a conversation reply: receipts, staff cards, notifications."""

from __future__ import annotations

import logging
import math
from datetime import tzinfo
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from bot import categories
from bot.handlers.common import main_menu
from bot.i18n import esc, status_name, t, t_html, worker_name
from bot.outbox import Renderer
from bot.storage.views import SuggestionView

STAFF_LANG = "zh"
RECEIPT_QUOTE = 200
logger = logging.getLogger(__name__)


async def send_receipt(bot: Bot, chat_id: int, s: SuggestionView, p: dict[str, Any]) -> None:
    """The worker's receipt, in place of the summary they confirmed (else a new message)."""
    menu = main_menu(s.language)
    quoted = s.text if len(s.text) <= RECEIPT_QUOTE else s.text[:RECEIPT_QUOTE] + "…"
    text = t("suggest.receipt", s.language, code=s.code)
    text += "\n\n" + t("suggest.receipt_quote", s.language, text=quoted)
    if p.get("message_id"):
        try:
            await bot.edit_message_text(text, chat_id, int(p["message_id"]), reply_markup=menu)
            return
        except BadRequest as exc:  # deleted, or too old to edit: a new message then
            logger.info("receipt for %s as a new message: %s", s.code, exc)
    await bot.send_message(chat_id, text, reply_markup=menu)


def staff_text(s: SuggestionView, lang: str = STAFF_LANG) -> str:
    """A suggestion as staff see it: no identity when it is anonymous."""
    if s.anonymous or s.user_id is None:
        who = t("staff.anonymous", lang)
    else:
        phone = f" · {s.contact_phone}" if s.contact_phone else ""
        who = f"{s.contact_name or ''}{phone} (id {s.user_id})"
    place = s.place or (f"{s.latitude:.5f}, {s.longitude:.5f}" if s.latitude is not None else "-")
    return t_html(
        "staff.new",
        lang,
        code=esc(s.code),
        category=staff_category(s, lang),
        worker=esc(worker_name(s.worker_type, lang)),
        place=esc(place),
        who=esc(who),
        text=esc(s.text),
    )


def staff_category(s: SuggestionView, lang: str) -> str:
    if s.needs_review or not s.category:
        return t("staff.review", lang)
    shown = s.confidence is not None and s.category == s.predicted_category
    confidence = f" ({percent(s.confidence)})" if shown else ""
    return t("staff.category", lang, name=categories.name(s.category, lang) + confidence)


def percent(probability: float | None) -> str:
    """A model's probability in whole percent, rounded down: 0.9996 is 99%, never a certain 100%."""
    return f"{min(99, math.floor((probability or 0.0) * 100 + 1e-9))}%"


def staff_card(s: SuggestionView, lang: str = STAFF_LANG, failure: str | None = None) -> str:
    """The staff text plus status, follow-up, answer and delivery problems."""
    extra = ""
    if s.followed_up:
        extra += t("staff.followed_up", lang)
    if s.answer:
        extra += t("staff.answer_shown", lang, answer=s.answer)
    if failure:
        extra += t("staff.undelivered", lang, error=failure)
    return t_html(
        "staff.card", lang, body=staff_text(s, lang), status=esc(status_name(s.status, lang)),
        extra=extra,
    )  # fmt: skip


def staff_keyboard(s: SuggestionView, lang: str = STAFF_LANG) -> InlineKeyboardMarkup:
    """What staff can do with a suggestion."""

    def button(key: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            t(f"staff.btn_{key}", lang), callback_data=f"st:{action}:{s.id}"
        )

    return InlineKeyboardMarkup(
        [
            [button("accept", "acc"), button("progress", "prog"), button("answer", "ans")],
            [button("category", "cat"), button("adopt", "ado"), button("reject", "rej")],
        ]
    )


async def send_announcement(bot: Bot, chat_id: int, s: SuggestionView, _: dict[str, Any]) -> None:
    """A new suggestion, in the staff chat, with the staff buttons."""
    await bot.send_message(chat_id, staff_card(s), reply_markup=staff_keyboard(s))


async def send_attachment(bot: Bot, chat_id: int, s: SuggestionView, p: dict[str, Any]) -> None:
    """A photo that came with a suggestion, in the staff chat."""
    file_id = str(p["file"])
    if file_id.startswith("doc:"):
        await bot.send_document(chat_id, file_id.removeprefix("doc:"), caption=s.code)
    else:
        await bot.send_photo(chat_id, file_id, caption=s.code)


async def send_status(bot: Bot, chat_id: int, s: SuggestionView, p: dict[str, Any]) -> None:
    """Tell the worker their suggestion moved on."""
    status = status_name(str(p.get("status", s.status)), s.language)
    await bot.send_message(chat_id, t("worker.status", s.language, code=s.code, status=status))


def follow_up_keyboard(s: SuggestionView) -> InlineKeyboardMarkup:
    text = t("worker.btn_follow_up", s.language)
    return InlineKeyboardMarkup([[InlineKeyboardButton(text, callback_data=f"fu:{s.id}")]])


async def send_answer(bot: Bot, chat_id: int, s: SuggestionView, _: dict[str, Any]) -> None:
    """The staff answer, in the worker's chat, with a way to say it is not solved."""
    lang = s.language
    text = t("worker.answer", lang, code=s.code, answer=s.answer or "",
             status=status_name(s.status, lang))  # fmt: skip
    markup = None if s.followed_up else follow_up_keyboard(s)
    await bot.send_message(chat_id, text, reply_markup=markup)


async def send_follow_up(bot: Bot, chat_id: int, s: SuggestionView, _: dict[str, Any]) -> None:
    """Tell the staff chat a worker reopened a suggestion."""
    text = t("staff.followup_notice", STAFF_LANG, code=s.code, text=s.text)
    await bot.send_message(chat_id, text, reply_markup=staff_keyboard(s))


RENDERERS: dict[str, Renderer] = {
    "receipt": send_receipt,
    "announce": send_announcement,
    "announce_file": send_attachment,
    "status": send_status,
    "answer": send_answer,
    "follow_up": send_follow_up,
}


def local_time(value: Any, tz: tzinfo) -> str:
    """A stored naive-UTC timestamp as local `YYYY-MM-DD HH:MM`."""
    from bot.handlers.common import to_local

    return f"{to_local(value, tz):%Y-%m-%d %H:%M}" if value else ""
