"""Opening a case (受理 -> 派单): where it goes, by when it is answered, and the cards that
show it to staff.

A suggestion, a complaint or a question passed to staff is one kind of case: it is routed
to a desk by the routing file (category x district x worker type x kind), gets a deadline
in working days, and is announced to the desk's chat with a card that is edited whenever
the case changes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.core.actions import Posted
from bot.core.clock import naive_utc
from bot.core.context import Ctx, Services
from bot.core.notices import Look
from bot.domain import Kind
from bot.domain.workdays import add_workdays
from bot.storage import cards, suggestions
from bot.storage.views import SuggestionView
from knowledge import Desk, Routing

logger = logging.getLogger(__name__)
# Working days to answer, when the routing file does not say (see knowledge/README.md).
DEFAULT_LIMITS = {Kind.QUESTION: 1, Kind.SUGGESTION: 5, Kind.COMPLAINT: 10}
SETTINGS_CHAT = 0  # a desk whose chat is `staff` in the routing file: STAFF_CHAT_ID


@dataclass(frozen=True)
class Target:
    """Where a case goes: its desk (None: the one staff chat of the settings), the chat
    and forum topic of its cards, and the supervisor who hears of overdue cases."""

    desk: str | None
    chat: int | None
    thread: int | None = None
    supervisor: int | None = None


def routing(services: Services) -> Routing:
    kb = services.kb
    return kb.routing if kb is not None else Routing.empty()


def target_of(services: Services, desk: Desk | None) -> Target:
    """A desk's chats, `staff` resolved to STAFF_CHAT_ID."""
    staff = services.settings.staff_chat_id
    if desk is None:
        return Target(None, staff)

    def chat(value: int | None) -> int | None:
        return staff if value == SETTINGS_CHAT else value

    return Target(desk.id, chat(desk.chat_id), desk.thread_id, chat(desk.supervisor_chat_id))


def desk_target(services: Services, desk_id: str | None) -> Target:
    """The target of a stored case's desk (a desk removed from the file: the default)."""
    table = routing(services)
    desk = table.desk(desk_id) if desk_id else None
    if desk is None and table.default:
        desk = table.desk(table.default)
    return target_of(services, desk)


def desk_name(services: Services, desk_id: str | None) -> str:
    """A desk's name as staff know it ('' for the one staff chat of the settings)."""
    desk = routing(services).desk(desk_id) if desk_id else None
    return desk.name if desk is not None else (desk_id or "")


def station_name(services: Services, station_id: str) -> str:
    """A station's name as the stations file in use gives it (a removed one: its id)."""
    kb = services.kb
    station = kb.station(station_id) if kb is not None else None
    return station.name if station is not None else station_id


def look(services: Services) -> Look:
    """How notices show desks and stations: by the knowledge files in use now."""
    return Look(desk_name=lambda desk_id: desk_name(services, desk_id),
                today=lambda: services.clock.now().astimezone(services.tz).date(),
                station_name=lambda station_id: station_name(services, station_id))  # fmt: skip


def district_of(services: Services, fields: dict[str, Any]) -> str | None:
    """The district of a shared location, else one named in a typed place."""
    kb = services.kb
    if kb is None:
        return None
    lat, lon = fields.get("latitude"), fields.get("longitude")
    if lat is not None and lon is not None:
        found = kb.districts.of_point(float(lat), float(lon))
        if found is not None:
            return found
    place = fields.get("place")
    return kb.districts.of_text(str(place)) if place else None


def due_date(services: Services, kind: Kind, day: date) -> date:
    """The day a case that arrives on `day` must be answered by."""
    limits = routing(services).limits
    return add_workdays(day, limits.get(kind.value, DEFAULT_LIMITS[kind]))


async def open_case(
    ctx: Ctx,
    kind: Kind,
    fields: dict[str, Any],
    *,
    draft_name: str | None = None,
    receipt_in: int | None = None,
    receipt: bool = True,
) -> SuggestionView:
    """Store the case with its desk, district and deadline; the receipt and the desk's card
    go out through the outbox once it is committed."""
    services, who = ctx.services, ctx.who
    day = services.clock.now().astimezone(services.tz).date()
    district = district_of(services, fields)
    desk = routing(services).route(fields.get("category"), district, fields.get("worker_type"),
                                   kind.value)  # fmt: skip
    target = target_of(services, desk)
    complete = {**fields, "channel": who.channel, "kind": kind.value, "desk": target.desk,
                "district": district, "due_on": due_date(services, kind, day)}  # fmt: skip
    view, _created = await ctx.db(
        suggestions.submit,
        user_id=who.user_id,
        chat_id=who.chat_id,
        update_id=ctx.event.event_id,
        local_day=day,
        fields=complete,
        announce_to=target.chat,
        thread=target.thread,
        draft_name=draft_name,
        receipt_in=receipt_in,
        receipt=receipt,
        now=ctx.now(),
    )
    logger.info("%s %s submitted by user %s to desk %s", kind.value, view.code, who.user_id,
                target.desk or "-")  # fmt: skip
    if services.outbox is not None:
        services.outbox.kick()  # the receipt, and the card for the desk
    return view


async def remember_cards(services: Services, posted: list[Posted]) -> None:
    """Cards posted outside the outbox (/view, a digest): edited with the case from now on."""
    rows = [(p.card, p.chat, p.message_id) for p in posted]
    await services.db.run(cards.add, rows, now=naive_utc(services.clock.now()))
