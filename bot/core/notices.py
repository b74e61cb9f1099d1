"""Messages the bot sends on its own (through the outbox): receipts, staff cards, status
changes, answers, follow-ups. Each kind of outbox row renders to actions for one chat."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.catalog import esc, label, t, t_html
from bot.core.actions import Action, Button, Buttons, Document, Edit, Message, Picture, Recording
from bot.core.buttons import (
    FaqAct,
    Rate,
    StaffAct,
    StaffAnswer,
    StaffCategories,
    StaffStatus,
    ToFaq,
    encode,
)
from bot.core.dates import due_text
from bot.core.events import stored_file
from bot.core.menu import main_menu
from bot.domain import CLOSED, REVIEW, Kind, Rating
from bot.domain.channels import ChannelName
from bot.domain.voice import VoiceNote, voice_notes
from bot.export.mask import mask_text
from bot.storage.views import SuggestionView

STAFF_LANG = "zh"
RECEIPT_QUOTE = 200


@dataclass(frozen=True)
class Look:
    """What rendering needs besides the case: the desks' names (from the routing file,
    which admins may edit while cases wait) and the stations' names (the stations file)."""

    desk_name: Callable[[str | None], str] = field(default=lambda desk: desk or "")
    station_name: Callable[[str], str] = field(default=lambda station: station)
    today: Callable[[], date | None] = field(default=lambda: None)  # overdue marks


PLAIN = Look()


def kind_label(s: SuggestionView, lang: str) -> str:
    return label("kind", s.kind, lang)


def voice_placeholder(voices: Sequence[VoiceNote], lang: str = STAFF_LANG) -> str:
    """The stored text of a case told by voice alone ("（语音，12 秒）", in the staff's
    language): the text column must hold words, and staff read it where the text would be.
    `is_voice_only` tells it from typed text; no column or flag is needed for that."""
    return t("voice.placeholder", lang, seconds=sum(v.seconds for v in voices))


def is_voice_only(s: SuggestionView) -> bool:
    """Nothing typed: the case's text is its voice notes' placeholder."""
    voices = voice_notes(s.attachments)
    return bool(voices) and s.text == voice_placeholder(voices)


def receipt(s: SuggestionView, payload: dict[str, Any], _: Look = PLAIN) -> list[Action]:
    """The worker's receipt, in place of the summary they confirmed (else a new message)."""
    quoted = s.text if len(s.text) <= RECEIPT_QUOTE else s.text[:RECEIPT_QUOTE] + "…"
    if is_voice_only(s):  # the placeholder in the worker's own language
        quoted = voice_placeholder(voice_notes(s.attachments), s.language)
    text = t("suggest.receipt", s.language, code=s.code, kind=kind_label(s, s.language),
             due=due_text(s.due_on, s.language))  # fmt: skip
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
    if s.district and s.district not in place:
        place = f"{s.district} · {place}" if place != "-" else s.district
    worker = (
        label("worker_type", s.worker_type, lang) if s.worker_type else t("suggest.no_place", lang)
    )
    return t_html(
        "staff.new", lang, code=esc(s.code), category=staff_category(s, lang), worker=esc(worker),
        place=esc(place), who=esc(who), text=esc(text),
    )  # fmt: skip


def case_line(s: SuggestionView, lang: str, look: Look) -> str:
    """Kind, desk and deadline (marked when it has passed and the case is open)."""
    desk = look.desk_name(s.desk) or t("staff.no_desk", lang)
    today = look.today()
    due = due_text(s.due_on, lang)
    if today is not None and s.due_on is not None and s.due_on < today and s.status not in CLOSED:
        due += t("staff.overdue_mark", lang)
    return t_html("staff.case_line", lang, kind=esc(kind_label(s, lang)), desk=esc(desk),
                  due=esc(due))  # fmt: skip


def staff_card(
    s: SuggestionView,
    lang: str = STAFF_LANG,
    failure: str | None = None,
    look: Look = PLAIN,
) -> str:
    """The staff text plus status, kind, desk, deadline, reopenings, answer, rating and
    delivery problems."""
    extra = case_line(s, lang, look)
    if s.station_id:
        extra += t("start.station_line", lang, station=look.station_name(s.station_id))
    if s.channel == ChannelName.WEB:
        extra += t("staff.web_line", lang)
    if s.reopened:
        extra += t("staff.reopened_line", lang, times=s.reopened)
    elif s.followed_up:
        extra += t("staff.followed_up", lang)
    if s.answer:
        extra += t("staff.answer_shown", lang, answer=s.answer)
    if s.rating:
        extra += t("staff.rating_line", lang, rating=label("rating", s.rating, lang))
    if failure:
        extra += t("staff.undelivered", lang, error=failure)
    extra += voice_line(s, lang)
    status = esc(label("status", s.status, lang))
    return t_html("staff.card", lang, body=staff_text(s, lang), status=status, extra=extra)


def voice_line(s: SuggestionView, lang: str = STAFF_LANG) -> str:
    """ "🎤 附语音 2 段，共 30 秒" on a card whose case has voice notes ('' otherwise)."""
    voices = voice_notes(s.attachments)
    if not voices:
        return ""
    return t("voice.staff_line", lang, count=len(voices), seconds=sum(v.seconds for v in voices))


def staff_buttons(s: SuggestionView, lang: str = STAFF_LANG) -> Buttons:
    """What staff can do with a case; an answered question can become FAQ knowledge."""

    def status(key: str, act: StaffAct) -> Button:
        return Button(t(key, lang), encode(StaffStatus(act, s.id)))

    answer = Button(t("staff.btn_answer", lang), encode(StaffAnswer(s.id)))
    category = Button(t("staff.btn_category", lang), encode(StaffCategories(s.id)))
    accept = status("staff.btn_accept", StaffAct.ACCEPT)
    progress = status("staff.btn_progress", StaffAct.PROGRESS)
    adopt = status("staff.btn_adopt", StaffAct.ADOPT)
    reject = status("staff.btn_reject", StaffAct.REJECT)
    rows: list[tuple[Button, ...]] = [(accept, progress, answer), (category, adopt, reject)]
    if s.kind == Kind.QUESTION and s.answer:
        to_faq = Button(t("staff.btn_to_faq", lang), encode(ToFaq(s.id, FaqAct.PICK)))
        rows.append((to_faq,))
    return Buttons(tuple(rows))


def _thread(payload: dict[str, Any]) -> int | None:
    thread = payload.get("thread")
    return int(thread) if thread is not None else None


def announcement(s: SuggestionView, payload: dict[str, Any], look: Look = PLAIN) -> list[Action]:
    """A new case, in its desk's chat, with the staff buttons: a card, kept up to date."""
    return [Message(staff_card(s, look=look), staff_buttons(s), card=s.id, thread=_thread(payload))]


def card(s: SuggestionView, payload: dict[str, Any], look: Look = PLAIN) -> list[Action]:
    """A card posted before, edited to show the case as it is now."""
    text = staff_card(s, failure=payload.get("failure"), look=look)
    return [Edit(text, staff_buttons(s), message_id=int(payload["message_id"]))]


def attachment(s: SuggestionView, payload: dict[str, Any], _: Look = PLAIN) -> list[Action]:
    """A photo or a voice note that came with a suggestion, in the staff chat."""
    file = stored_file(str(payload["file"]))
    if isinstance(file, VoiceNote):
        return [Recording(file, caption=s.code, thread=_thread(payload))]
    if file.as_document:
        return [Document(file, caption=s.code, thread=_thread(payload))]
    return [Picture(file, caption=s.code, thread=_thread(payload))]


def status_change(s: SuggestionView, payload: dict[str, Any], _: Look = PLAIN) -> list[Action]:
    """Tell the worker their suggestion moved on."""
    lang = s.language
    status = label("status", str(payload.get("status", s.status)), lang)
    return [Message(t("worker.status", lang, code=s.code, status=status, kind=kind_label(s, lang)))]


def rating_buttons(s: SuggestionView) -> Buttons:
    """满意 / 基本满意 / 不满意 under an answer."""
    row = tuple(Button(label("rating", r, s.language), encode(Rate(s.id, r))) for r in Rating)
    return Buttons((row,))


def answer(s: SuggestionView, _: dict[str, Any], __: Look = PLAIN) -> list[Action]:
    """The staff answer, in the worker's chat, asking them to rate it (回访评价)."""
    lang = s.language
    text = t("worker.answer", lang, code=s.code, answer=s.answer or "", kind=kind_label(s, lang),
             status=label("status", s.status, lang))  # fmt: skip
    if s.rating is not None:
        return [Message(text)]
    return [Message(text + "\n\n" + t("worker.rate_ask", lang), rating_buttons(s))]


def rate_reminder(s: SuggestionView, _: dict[str, Any], __: Look = PLAIN) -> list[Action]:
    """The one reminder to rate an answer."""
    if s.rating is not None:  # rated since it was queued
        return []
    lang = s.language
    text = t("worker.rate_reminder", lang, code=s.code, kind=kind_label(s, lang))
    return [Message(text, rating_buttons(s))]


def extended(s: SuggestionView, payload: dict[str, Any], _: Look = PLAIN) -> list[Action]:
    """Tell the worker their case's new deadline."""
    lang = s.language
    due = due_text(date.fromisoformat(str(payload["due"])), lang)
    return [Message(t("worker.extended", lang, code=s.code, kind=kind_label(s, lang), due=due))]


def follow_up(s: SuggestionView, payload: dict[str, Any], look: Look = PLAIN) -> list[Action]:
    """Tell the desk (or its supervisor) that a worker reopened a case, and why."""
    key = "staff.supervisor_notice" if payload.get("supervisor") else "staff.reopen_notice"
    reason = str(payload.get("reason") or "-")
    if s.anonymous or s.user_id is None:
        reason = mask_text(reason)
    text = t_html(key, STAFF_LANG, code=esc(s.code), times=str(max(s.reopened, 1)),
                  reason=esc(reason), text=esc(text_for_staff(s)))  # fmt: skip
    return [Message(text, staff_buttons(s), card=s.id)]


def escalation(s: SuggestionView, _: dict[str, Any], look: Look = PLAIN) -> list[Action]:
    """An overdue case, to the desk's supervisor."""
    desk = look.desk_name(s.desk) or t("staff.no_desk", STAFF_LANG)
    text = t_html("staff.escalation", STAFF_LANG, code=esc(s.code),
                  due=esc(due_text(s.due_on, STAFF_LANG)), desk=esc(desk),
                  text=esc(text_for_staff(s)))  # fmt: skip
    return [Message(text, staff_buttons(s), card=s.id)]


Renderer = Callable[[SuggestionView, dict[str, Any], Look], list[Action]]
RENDERERS: dict[str, Renderer] = {
    "receipt": receipt,
    "announce": announcement,
    "announce_file": attachment,
    "card": card,
    "status": status_change,
    "answer": answer,
    "rate_reminder": rate_reminder,
    "extended": extended,
    "follow_up": follow_up,
    "escalation": escalation,
}

__all__ = ["RENDERERS", "REVIEW", "percent", "staff_buttons", "staff_card"]
