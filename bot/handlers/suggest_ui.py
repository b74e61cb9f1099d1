"""What the suggestion conversation shows: prompts, keyboards and the summary."""

from __future__ import annotations

from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot import categories
from bot.i18n import WORKER_TYPES, esc, t, t_html, worker_name

Draft = dict[str, Any]


def _button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=data)


def worker_keyboard(lang: str) -> InlineKeyboardMarkup:
    """One button per kind of worker."""
    names = {key: pair[1] if lang == "en" else pair[0] for key, pair in WORKER_TYPES.items()}
    buttons = [_button(name, f"sg:w:{key}") for key, name in names.items()]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def location_keyboard(lang: str) -> ReplyKeyboardMarkup:
    """Share-location and skip, as a one-time reply keyboard."""
    share = KeyboardButton(t("suggest.location_button", lang), request_location=True)
    return ReplyKeyboardMarkup(
        [[share], [t("suggest.skip", lang)]], resize_keyboard=True, one_time_keyboard=True
    )


def identity_keyboard(lang: str) -> InlineKeyboardMarkup:
    """Anonymous (first, the default) or named."""
    return InlineKeyboardMarkup(
        [
            [_button(t("suggest.anonymous", lang), "sg:anon")],
            [_button(t("suggest.named", lang), "sg:named")],
        ]
    )


def phone_keyboard(lang: str) -> ReplyKeyboardMarkup:
    """Share-contact and no-phone, as a one-time reply keyboard."""
    share = KeyboardButton(t("suggest.phone_button", lang), request_contact=True)
    return ReplyKeyboardMarkup(
        [[share], [t("suggest.no_phone", lang)]], resize_keyboard=True, one_time_keyboard=True
    )


def confirm_keyboard(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(t("suggest.confirm", lang), "sg:confirm")],
            [
                _button(t("suggest.edit", lang), "sg:edit"),
                _button(t("suggest.cancel", lang), "sg:cancel"),
            ],
        ]
    )


def category_question(draft: Draft, lang: str) -> str:
    """ "Is this about <predicted category>?"."""
    return t("suggest.ask_category", lang, name=categories.name(draft.get("predicted"), lang))


def category_keyboard(lang: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [_button(t("suggest.category_yes", lang), "sg:c:yes")],
            [_button(t("suggest.category_other", lang), "sg:c:pick")],
        ]
    )


def categories_keyboard(lang: str) -> InlineKeyboardMarkup:
    """Every category as a button, two to a row."""
    buttons = [_button(categories.name(cid, lang), f"sg:c:{cid}") for cid in categories.ids()]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def category_text(draft: Draft, lang: str) -> str:
    chosen = draft.get("worker_category")
    if not chosen:
        return t("suggest.category_review", lang)
    return esc(categories.name(chosen, lang))


def edit_keyboard(lang: str) -> InlineKeyboardMarkup:
    """Which part of the draft to change."""
    parts = ["text", "category", "worker", "location", "identity"]
    rows = [[_button(t(f"suggest.edit_{p}", lang), f"sg:e:{p}")] for p in parts]
    rows.append([_button(t("suggest.back", lang), "sg:back")])
    return InlineKeyboardMarkup(rows)


def place_text(draft: Draft, lang: str) -> str:
    """The place as the worker gave it (escaped)."""
    if draft.get("place"):
        return esc(draft["place"])
    if draft.get("lat") is not None:
        return t("suggest.shared_location", lang)
    return t("suggest.no_place", lang)


def identity_text(draft: Draft, lang: str) -> str:
    if draft.get("anonymous", True):
        return t("suggest.identity_anonymous", lang)
    phone = f" · {draft['phone']}" if draft.get("phone") else ""
    return t("suggest.identity_named", lang, name=draft.get("name") or "", phone=phone)


def summary(draft: Draft, lang: str) -> str:
    """The confirmation screen (HTML, user values escaped)."""
    photos = draft.get("photos") or []
    return t_html(
        "suggest.summary",
        lang,
        text=esc(draft.get("text", "")),
        category=category_text(draft, lang),
        worker=esc(worker_name(draft.get("worker_type"), lang)),
        place=place_text(draft, lang),
        identity=identity_text(draft, lang),
        photos=t("suggest.summary_photos", lang, count=len(photos)) if photos else "",
    )
