"""/stations: the nearest stations from a shared location (or a district), with filters."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.handlers.common import ack, send, user_lang
from bot.handlers.faq import knowledge
from bot.i18n import esc, t, t_html
from classifier.text import normalize
from knowledge import SERVICES, STATION_TYPES, Station

WHERE_KEY = "stations_at"
SHOWN = 5
FILTERS: dict[str, frozenset[str]] = {
    "water": frozenset({"water"}),
    "toilet": frozenset({"toilet"}),
    "rest": frozenset({"rest"}),
    "charging": frozenset({"charging"}),
    "health": frozenset({"blood_pressure"}),
    "open": frozenset(),
    "all": frozenset(),
}


def district_of(context: BotContext, text: str) -> str | None:
    """The district a short text names (大洼 or 大洼区), or None."""
    wanted = normalize(text)
    if len(wanted) > 6:
        return None
    for district in knowledge(context).stations.districts:
        if wanted in (district, district.removesuffix("区").removesuffix("县")):
            return district
    return None


def ask_keyboard(context: BotContext, lang: str) -> ReplyKeyboardMarkup:
    share = KeyboardButton(t("stations.share", lang), request_location=True)
    districts = knowledge(context).stations.districts
    rows = [[share]] + [districts[i : i + 2] for i in range(0, len(districts), 2)]
    return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)


async def stations_command(update: Update, context: BotContext) -> None:
    """Ask for a location, or a district for those who will not share one."""
    await ack(update)
    lang = user_lang(update, context)
    await send(update, context, t("stations.ask", lang), reply_markup=ask_keyboard(context, lang))


def _distance(metres: float | None, lang: str) -> str:
    if metres is None:
        return ""
    if metres < 1000:
        return f"{metres:.0f} {'m' if lang == 'en' else '米'}"
    return f"{metres / 1000:.1f} {'km' if lang == 'en' else '公里'}"


def _item(n: int, station: Station, metres: float | None, now: datetime, lang: str) -> str:
    opened = t("stations.open" if station.is_open(now) else "stations.closed", lang)
    hours = t("stations.hours", lang, hours=station.hours)
    services = "、".join(SERVICES[s].text(lang) for s in station.services if s in SERVICES)
    phone = f"\n   ☎️ {esc(station.phone)}" if station.phone else ""
    kind = STATION_TYPES[station.type].text(lang) if station.type in STATION_TYPES else station.type
    return t_html(
        "stations.item", lang, n=str(n), name=esc(station.name), distance=_distance(metres, lang),
        type=esc(kind), open=opened + hours, services=esc(services), address=esc(station.address),
        phone=phone,
    )  # fmt: skip


def filter_keyboard(lang: str, active: str) -> InlineKeyboardMarkup:
    names = ["water", "toilet", "rest", "charging", "health", "open", "all"]
    buttons = [
        InlineKeyboardButton(("✓ " if key == active else "") + t(f"stations.f_{key}", lang),
                             callback_data=f"stn:f:{key}")
        for key in names
    ]  # fmt: skip
    return InlineKeyboardMarkup([buttons[i : i + 3] for i in range(0, len(buttons), 3)])


def _search(
    context: BotContext, where: dict[str, Any], key: str
) -> list[tuple[Station, float | None]]:
    stations = knowledge(context).stations
    now = datetime.now(context.services.tz)
    open_at = now if key == "open" else None
    if "district" in where:
        found = stations.in_district(where["district"], services=FILTERS[key], open_at=open_at)
        return [(s, None) for s in found]
    hits = stations.nearest(where["lat"], where["lon"], k=SHOWN, services=FILTERS[key],
                            open_at=open_at)  # fmt: skip
    return [(h.station, h.distance_m) for h in hits]


def _render(
    context: BotContext, where: dict[str, Any], key: str, lang: str
) -> tuple[str, list[Any]]:
    found = _search(context, where, key)
    now = datetime.now(context.services.tz)
    label = "" if key == "all" else t("stations.filter", lang, name=t(f"stations.f_{key}", lang))
    if "district" in where:
        header = t_html("stations.district_header", lang, district=esc(where["district"]),
                        filter=label)  # fmt: skip
    else:
        header = t_html("stations.header", lang, filter=label)
    if not found:
        return header + "\n\n" + t("stations.none", lang), []
    items = [_item(i, s, m, now, lang) for i, (s, m) in enumerate(found[:SHOWN], 1)]
    return header + "\n\n" + "\n\n".join(items), found


async def _show(update: Update, context: BotContext, where: dict[str, Any], key: str) -> None:
    """The list with filter buttons, then the nearest (or first) as a venue."""
    lang = user_lang(update, context)
    if context.user_data is not None:
        context.user_data[WHERE_KEY] = where
    text, found = _render(context, where, key, lang)
    query = update.callback_query
    if query is not None and query.message is not None:
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(text, reply_markup=filter_keyboard(lang, key))
    else:
        await send(update, context, text, reply_markup=filter_keyboard(lang, key))
    if found:
        station = found[0][0]
        chat = update.effective_chat
        assert chat is not None
        await context.bot.send_venue(
            chat.id, station.lat, station.lon, station.name, station.address
        )


async def got_location(update: Update, context: BotContext) -> None:
    """A location outside any conversation: the nearest stations."""
    message = update.effective_message
    assert message is not None and message.location is not None
    lat, lon = message.location.latitude, message.location.longitude
    lang = user_lang(update, context)
    stations = knowledge(context).stations
    if not stations.contains_city(lat, lon):
        hits = stations.nearest(lat, lon, k=1)
        km = f"{hits[0].distance_m / 1000:.0f}" if hits else "?"
        await send(update, context, t("stations.outside", lang, km=km),
                   reply_markup=ask_keyboard(context, lang))  # fmt: skip
        return
    await _show(update, context, {"lat": lat, "lon": lon}, "all")


async def show_district(update: Update, context: BotContext, district: str) -> None:
    """Stations of a district, for a worker who will not share a location."""
    await _show(update, context, {"district": district}, "all")


async def filter_button(update: Update, context: BotContext) -> None:
    """Narrow the list to a need (water, toilet, ...) or to those open now."""
    query = update.callback_query
    assert query and query.data
    await ack(update)
    key = query.data.removeprefix("stn:f:")
    where = context.user_data.get(WHERE_KEY) if context.user_data is not None else None
    if key not in FILTERS or where is None:
        await send(update, context, t("stations.again", user_lang(update, context)))
        return
    await _show(update, context, where, key)


async def station_button(update: Update, context: BotContext) -> None:
    """A station linked from an FAQ answer: its details and its venue."""
    query = update.callback_query
    assert query and query.data
    await ack(update)
    station = knowledge(context).station(query.data.removeprefix("stn:v:"))
    if station is None:
        return
    lang = user_lang(update, context)
    now = datetime.now(context.services.tz)
    await send(update, context, _item(1, station, None, now, lang).removeprefix("1. "))
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_venue(chat.id, station.lat, station.lon, station.name, station.address)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("stations", stations_command))
    app.add_handler(CallbackQueryHandler(stations_command, pattern="^menu:stations$"))
    app.add_handler(CallbackQueryHandler(filter_button, pattern="^stn:f:"))
    app.add_handler(CallbackQueryHandler(station_button, pattern="^stn:v:"))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & filters.LOCATION, got_location))
