"""What /view shows of a case besides its card: the worker's photos, the place as a map pin,
and the history in words (who did what, when).

An anonymous case stays anonymous here too: the worker's own steps are "the worker", never
their name or id, a reason they typed is masked as in the export, and a picture they sent
as a file is shown re-encoded from its pixels, as the outbox relays it to the desk.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from bot.catalog import esc, label, t, t_html
from bot.core import images
from bot.core.actions import Action, Picture, Recording, Venue
from bot.core.channels import kept, with_bytes
from bot.core.context import Ctx
from bot.core.dates import due_text
from bot.core.events import Attachment, stored_file
from bot.core.features.mine import to_local
from bot.core.ports import DeliveryError
from bot.domain.voice import VoiceNote
from bot.export.mask import mask_text
from bot.storage.views import EventView, SuggestionView

logger = logging.getLogger(__name__)
ANSWER_QUOTE = 40  # an answer in the history is a reminder; the card shows the latest whole

# The worker's own steps: shown as "the worker" whoever the actor id is (it is gone after
# /delete_me, and an anonymous worker's id must not show).
WORKER_KINDS = frozenset({"created", "follow_up", "rated", "reopened"})
WORKER = "history.by_worker"
SYSTEM = "history.by_system"  # the bot's own steps (an overdue case escalated)
UNKNOWN = "history.other"
# the kinds whose reason is shown ("reopened" carries the reason of the rating before it)
REASONED = frozenset({"rated", "reassigned", "extended"})


@dataclass(frozen=True)
class HistoryLook:
    """What the history needs besides the case: language, time zone, desk names and the
    staff's display names."""

    lang: str
    tz: tzinfo
    desk_name: Callable[[str | None], str]
    names: dict[int, str]


Values = dict[str, str]
Render = Callable[[SuggestionView, dict[str, Any], HistoryLook], Values]


def _plain(_: SuggestionView, __: dict[str, Any], ___: HistoryLook) -> Values:
    return {}


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _status(_: SuggestionView, data: dict[str, Any], look: HistoryLook) -> Values:
    old, new = _text(data.get("old")), _text(data.get("new"))
    return {"old": label("status", old, look.lang) or "-", "new": label("status", new, look.lang)}


def _category(_: SuggestionView, data: dict[str, Any], look: HistoryLook) -> Values:
    return {"category": label("category", _text(data.get("new")), look.lang)}


def _answered(_: SuggestionView, data: dict[str, Any], __: HistoryLook) -> Values:
    text = _text(data.get("text"))
    return {"text": text if len(text) <= ANSWER_QUOTE else text[:ANSWER_QUOTE] + "…"}


def _rated(_: SuggestionView, data: dict[str, Any], look: HistoryLook) -> Values:
    return {"rating": label("rating", _text(data.get("rating")), look.lang)}


def _reopened(_: SuggestionView, data: dict[str, Any], __: HistoryLook) -> Values:
    return {"times": _text(data.get("times") or 1)}


def _desk(desk: object, look: HistoryLook) -> str:
    return look.desk_name(_text(desk) or None) or t("staff.no_desk", look.lang)


def _reassigned(_: SuggestionView, data: dict[str, Any], look: HistoryLook) -> Values:
    return {"old": _desk(data.get("old"), look), "new": _desk(data.get("new"), look)}


def _day(value: object, lang: str) -> str:
    try:
        return due_text(date.fromisoformat(str(value)), lang) if value else "-"
    except ValueError:
        return str(value)


def _extended(_: SuggestionView, data: dict[str, Any], look: HistoryLook) -> Values:
    return {"old": _day(data.get("old"), look.lang), "new": _day(data.get("new"), look.lang)}


# event kind -> its catalog text and the values that text needs (see bot/storage/suggestions.py
# for the data each event carries)
KINDS: dict[str, tuple[str, Render]] = {
    "created": ("history.created", _plain),
    "status_changed": ("history.status_changed", _status),
    "recategorized": ("history.recategorized", _category),
    "answered": ("history.answered", _answered),
    "follow_up": ("history.follow_up", _plain),
    "reopened": ("history.reopened", _reopened),
    "rated": ("history.rated", _rated),
    "reassigned": ("history.reassigned", _reassigned),
    "extended": ("history.extended", _extended),
    "escalated": ("history.escalated", _plain),
}


def actor_ids(s: SuggestionView) -> set[int]:
    """The staff whose names the history shows (never the worker's own id)."""
    return {e.actor_id for e in s.events if e.actor_id is not None and not _by_worker(s, e)}


def _by_worker(s: SuggestionView, event: EventView) -> bool:
    # a staff member who is also the worker of an anonymous case is "the worker" there too
    own = s.anonymous and event.actor_id is not None and event.actor_id == s.user_id
    return event.kind in WORKER_KINDS or own


def _who(s: SuggestionView, event: EventView, look: HistoryLook) -> str:
    if _by_worker(s, event):
        return t(WORKER, look.lang)
    if event.actor_id is None:
        return t(SYSTEM, look.lang)
    return esc(look.names.get(event.actor_id, str(event.actor_id)))


def _reason(s: SuggestionView, event: EventView, lang: str) -> str:
    """The reason given with a reassignment, an extension, a rating or a reopening; a
    worker's own words masked on an anonymous case."""
    reason = _text(event.data.get("reason")).strip()
    if not reason or event.kind not in REASONED:
        return ""
    if _by_worker(s, event) and (s.anonymous or s.user_id is None):
        reason = mask_text(reason)
    return t("history.reason", lang, reason=reason)


def _what(s: SuggestionView, event: EventView, look: HistoryLook) -> str:
    found = KINDS.get(event.kind)
    if found is None:  # a kind newer than this code: shown by its name
        return t(UNKNOWN, look.lang, kind=event.kind)
    key, render = found
    return t(key, look.lang, **render(s, event.data, look)) + _reason(s, event, look.lang)


def _when(value: datetime, tz: tzinfo) -> str:
    return f"{to_local(value, tz):%Y-%m-%d %H:%M}"


def history_lines(s: SuggestionView, look: HistoryLook) -> list[str]:
    """One line per event, oldest first: local time, who, what happened (HTML)."""
    return [_line(s, event, look) for event in s.events]


def _line(s: SuggestionView, event: EventView, look: HistoryLook) -> str:
    return t_html("history.line", look.lang, time=_when(event.created_at, look.tz),
                  who=_who(s, event, look), what=_what(s, event, look))  # fmt: skip


def place_pin(s: SuggestionView) -> Venue | None:
    """The shared location as a map pin: titled with its district (else the case's code),
    addressed with the place the worker named (masked when anonymous) or the coordinates."""
    if s.latitude is None or s.longitude is None:
        return None
    place = s.place
    if place and (s.anonymous or s.user_id is None):
        place = mask_text(place)
    address = place or f"{s.latitude:.5f}, {s.longitude:.5f}"
    return Venue(s.latitude, s.longitude, title=s.district or s.code, address=address)


async def photos(ctx: Ctx, s: SuggestionView) -> list[Action]:
    """The worker's photos again. A photo sent as a photo goes by the channel's reference
    (the channel re-encoded it and dropped its metadata); a picture sent as a file is
    re-encoded from its pixels here, never relayed as the file the phone wrote (GPS
    position and all). A picture that cannot be had is left out (and logged). Voice
    notes go again by their reference."""
    shown: list[Action] = []
    for file in _attachments(s.attachments):
        if isinstance(file, VoiceNote):
            recording = await _recording(ctx, s, file)
            if recording is not None:
                shown.append(recording)
            continue
        if not file.as_document:
            shown.append(Picture(file, caption=s.code))
            continue
        clean = await _pixels_only(ctx, s, file)
        if clean is not None:
            shown.append(Picture(clean, caption=s.code))
    return shown


async def _recording(ctx: Ctx, s: SuggestionView, note: VoiceNote) -> Recording | None:
    """A voice note by the channel's reference; one the bot keeps (recorded on the web) as
    its bytes."""
    files, recording = ctx.services.files, Recording(note, caption=s.code)
    if files is None:
        return None if kept(note) else recording
    try:
        return await with_bytes(files, recording)
    except DeliveryError as exc:
        logger.warning("a voice note of %s not shown: %s", s.code, exc)
        return None


def _attachments(stored: Iterable[str]) -> list[Attachment | VoiceNote]:
    return [stored_file(item) for item in stored]


async def _pixels_only(ctx: Ctx, s: SuggestionView, file: Attachment) -> bytes | None:
    files = ctx.services.files
    if files is None:
        logger.warning("no way to read files on this channel: a picture of %s not shown", s.code)
        return None
    try:
        data = await files.fetch(file, images.MAX_BYTES)
        return await asyncio.to_thread(images.without_metadata, data)
    except (DeliveryError, images.NotAnImage) as exc:
        logger.warning("a picture of %s not shown: %s", s.code, exc)
        return None
