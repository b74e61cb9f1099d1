"""Messages the bot sends outside a conversation reply: receipts and staff announcements."""

from __future__ import annotations

from typing import Any

from telegram import Bot

from bot.handlers.common import main_menu
from bot.i18n import esc, t, t_html, worker_name
from bot.outbox import Renderer
from bot.storage.views import SuggestionView


async def send_receipt(bot: Bot, chat_id: int, s: SuggestionView, _: dict[str, Any]) -> None:
    """The worker's receipt, with the code to follow the suggestion by."""
    menu = main_menu(s.language)
    await bot.send_message(
        chat_id, t("suggest.receipt", s.language, code=s.code), reply_markup=menu
    )


def staff_text(s: SuggestionView, lang: str = "zh") -> str:
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
    if s.needs_review:
        return t("staff.review", lang)
    if not s.category:
        return t("staff.uncategorized", lang)
    return t("staff.category", lang, name=s.category)


async def send_announcement(bot: Bot, chat_id: int, s: SuggestionView, _: dict[str, Any]) -> None:
    """A new suggestion, in the staff chat."""
    await bot.send_message(chat_id, staff_text(s))


async def send_attachment(bot: Bot, chat_id: int, s: SuggestionView, p: dict[str, Any]) -> None:
    """A photo that came with a suggestion, in the staff chat."""
    file_id = str(p["file"])
    if file_id.startswith("doc:"):
        await bot.send_document(chat_id, file_id.removeprefix("doc:"), caption=s.code)
    else:
        await bot.send_photo(chat_id, file_id, caption=s.code)


RENDERERS: dict[str, Renderer] = {
    "receipt": send_receipt,
    "announce": send_announcement,
    "announce_file": send_attachment,
}
