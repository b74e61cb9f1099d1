"""Messages the bot sends on its own (through the outbox): receipts, staff cards, status
changes, answers, follow-ups. Each kind of outbox row renders to actions for one chat."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from bot.catalog import esc, label, t, t_html
from bot.core.actions import Action, Button, Buttons, Document, Edit, Message, Picture
from bot.core.buttons import (
    FollowUp,
    StaffAct,
    StaffAnswer,
    StaffCategories,
    StaffStatus,
    encode,
)
from bot.core.events import Attachment
from bot.core.menu import main_menu
from bot.domain import REVIEW
from bot.export.mask import mask_text
from bot.storage.views import SuggestionView

STAFF_LANG = "zh"
RECEIPT_QUOTE = 200


def receipt(s: SuggestionView, payload: dict[str, Any]) -> list[Action]:
    """The worker's receipt, in place of the summary they confirmed (else a new message)."""
    quoted = s.text if len(s.text) <= RECEIPT_QUOTE else s.text[:RECEIPT_QUOTE] + "…"
    text = t("suggest.receipt", s.language, code=s.code)
    text += "\n\n" + t("suggest.receipt_quote", s.language, text=quoted)
    menu = main_menu(s.language)
    if payload.get("message_id"):
        return [Edit(text, menu, message_id=int(payload["message_id"]), or_send=True)]
    return [Message(text, menu)]


def percent(probability: float | None) -> str:
    """A model's probability in whole percent, rounded down: 0.9996 is 99%, never a certain 100%."""
    return f"{min(99, math.floor((probability or 0.0) * 100 + 1e-9))}%"


def staff_category(s: SuggestionView, lang: str) -> str:
    if s.needs_review or not s.category:
        return t("staff.review", lang)
    shown = s.confidence is not None and s.category == s.predicted_category
    confidence = f" ({percent(s.confidence)})" if shown else ""
    return t("staff.category", lang, name=label("category", s.category, lang) + confidence)


def text_for_staff(s: SuggestionView) -> str:
    """The suggestion's text as staff may see it: an anonymous one with phone numbers,
    IDs, plates and the like masked (as in the export); a named one as typed."""
    return mask_text(s.text) if s.anonymous or s.user_id is None else s.text


def staff_text(s: SuggestionView, lang: str = STAFF_LANG) -> str:
    """A suggestion as staff see it: no identity when it is anonymous, not even a phone
    number or plate typed into the text or the place (masked as in the export)."""
    text, place = s.text, s.place
    if s.anonymous or s.user_id is None:
        who = t("staff.anonymous", lang)
        text = mask_text(text)
        place = mask_text(place) if place else place
    else:
        phone = f" · {s.contact_phone}" if s.contact_phone else ""
        who = f"{s.contact_name or ''}{phone} (id {s.user_id})"
    place = place or (f"{s.latitude:.5f}, {s.longitude:.5f}" if s.latitude is not None else "-")
    worker = (
        label("worker_type", s.worker_type, lang) if s.worker_type else t("suggest.no_place", lang)
    )
    return t_html(
        "staff.new", lang, code=esc(s.code), category=staff_category(s, lang), worker=esc(worker),
        place=esc(place), who=esc(who), text=esc(text),
    )  # fmt: skip


def staff_card(s: SuggestionView, lang: str = STAFF_LANG, failure: str | None = None) -> str:
    """The staff text plus status, follow-up, answer and delivery problems."""
    extra = ""
    if s.followed_up:
        extra += t("staff.followed_up", lang)
    if s.answer:
        extra += t("staff.answer_shown", lang, answer=s.answer)
    if failure:
        extra += t("staff.undelivered", lang, error=failure)
    status = esc(label("status", s.status, lang))
    return t_html("staff.card", lang, body=staff_text(s, lang), status=status, extra=extra)


def staff_buttons(s: SuggestionView, lang: str = STAFF_LANG) -> Buttons:
    """What staff can do with a suggestion."""

    def status(key: str, act: StaffAct) -> Button:
        return Button(t(key, lang), encode(StaffStatus(act, s.id)))

    answer = Button(t("staff.btn_answer", lang), encode(StaffAnswer(s.id)))
    category = Button(t("staff.btn_category", lang), encode(StaffCategories(s.id)))
    accept = status("staff.btn_accept", StaffAct.ACCEPT)
    progress = status("staff.btn_progress", StaffAct.PROGRESS)
    adopt = status("staff.btn_adopt", StaffAct.ADOPT)
    reject = status("staff.btn_reject", StaffAct.REJECT)
    return Buttons(((accept, progress, answer), (category, adopt, reject)))


def announcement(s: SuggestionView, _: dict[str, Any]) -> list[Action]:
    """A new suggestion, in the staff chat, with the staff buttons."""
    return [Message(staff_card(s), staff_buttons(s))]


def attachment(s: SuggestionView, payload: dict[str, Any]) -> list[Action]:
    """A photo that came with a suggestion, in the staff chat."""
    file = Attachment.decode(str(payload["file"]))
    if file.as_document:
        return [Document(file, caption=s.code)]
    return [Picture(file, caption=s.code)]


def status_change(s: SuggestionView, payload: dict[str, Any]) -> list[Action]:
    """Tell the worker their suggestion moved on."""
    status = label("status", str(payload.get("status", s.status)), s.language)
    return [Message(t("worker.status", s.language, code=s.code, status=status))]


def follow_up_buttons(s: SuggestionView) -> Buttons:
    text = t("worker.btn_follow_up", s.language)
    return Buttons(((Button(text, encode(FollowUp(s.id))),),))


def answer(s: SuggestionView, _: dict[str, Any]) -> list[Action]:
    """The staff answer, in the worker's chat, with a way to say it is not solved."""
    lang = s.language
    text = t("worker.answer", lang, code=s.code, answer=s.answer or "",
             status=label("status", s.status, lang))  # fmt: skip
    return [Message(text, None if s.followed_up else follow_up_buttons(s))]


def follow_up(s: SuggestionView, _: dict[str, Any]) -> list[Action]:
    """Tell the staff chat a worker reopened a suggestion."""
    text = t("staff.followup_notice", STAFF_LANG, code=s.code, text=text_for_staff(s))
    return [Message(text, staff_buttons(s))]


Renderer = Callable[[SuggestionView, dict[str, Any]], list[Action]]
RENDERERS: dict[str, Renderer] = {
    "receipt": receipt,
    "announce": announcement,
    "announce_file": attachment,
    "status": status_change,
    "answer": answer,
    "follow_up": follow_up,
}

__all__ = ["RENDERERS", "REVIEW", "percent", "staff_buttons", "staff_card"]
