"""/start, /help, /language and the main menu; `/start st_<id>` from a station's poster.

A poster at a station carries the deep link `https://t.me/<bot>?start=st_<station id>`;
Telegram then sends `/start st_<station id>`. Telegram's start payloads are at most 64
characters of `A-Za-z0-9_-`, so a station whose id holds a "." cannot have a poster link
(give it an id without one). A payload that is not well-formed, or names no station in the
stations file in use, gets the normal greeting and nothing else.
"""

from __future__ import annotations

import re

from bot.catalog import Lang, t
from bot.core import buttons as b
from bot.core.actions import Button, Buttons
from bot.core.context import Ctx
from bot.core.features import stations
from bot.core.features.faq import knowledge
from bot.core.menu import main_menu
from bot.storage import users
from knowledge import Station

# a deep-link payload naming a station: the knowledge files' id pattern without "."
# (Telegram does not carry "." in a start payload); 3 + 40 characters, within its 64
STATION_PAYLOAD = re.compile(r"st_([A-Za-z0-9][A-Za-z0-9_-]{0,39})")


async def start(ctx: Ctx, args: str = "") -> None:
    """Greet the person and show the main menu; from a station's poster, then what they
    can do there."""
    # a web rider has no name: "师傅" is how riders are addressed anyway
    name = ctx.who.first_name or ctx.t("start.no_name")
    ctx.say(ctx.t("start", name=name), main_menu(ctx.lang))
    station = poster_station(ctx, args)
    if station is not None:
        ctx.say(ctx.t("start.station", station=station.title(ctx.lang)),
                station_buttons(ctx.lang, station))  # fmt: skip


def poster_station(ctx: Ctx, payload: str) -> Station | None:
    """The station a well-formed `st_<id>` payload names (None for anything else)."""
    found = STATION_PAYLOAD.fullmatch(payload)
    kb = ctx.services.kb
    if found is None or kb is None:
        return None
    return kb.station(found.group(1))


def station_buttons(lang: str, station: Station) -> Buttons:
    """Report a problem here, the stations around, a question: one to a row."""
    report = Button(t("start.station_report", lang), b.encode(b.StationReport(station.id)))
    nearby = Button(t("start.station_nearby", lang), b.encode(b.StationNearby(station.id)))
    ask = Button(t("start.station_ask", lang), b.encode(b.Menu(b.MenuItem.ASK)))
    return Buttons(((report,), (nearby,), (ask,)))


async def nearby(ctx: Ctx, button: b.StationNearby) -> None:
    """The station list around a poster's station (asked for a place when it is gone)."""
    station = knowledge(ctx).station(button.station_id)
    if station is None:  # removed from the file since the poster was scanned
        await stations.stations_command(ctx)
        return
    await stations.got_location(ctx, station.lat, station.lon)


async def help_command(ctx: Ctx) -> None:
    """Every command a person can use (staff also see theirs)."""
    text = ctx.t("help") + ctx.t("help.privacy")
    if await ctx.is_staff():
        text += ctx.t("help.staff")
    ctx.say(text)


async def switch_language(ctx: Ctx) -> None:
    """Toggle between Chinese and English, remembered for this person."""
    lang = Lang.EN if ctx.lang is Lang.ZH else Lang.ZH
    ctx.memory.lang = lang
    await ctx.db(users.set_fields, ctx.who.user_id, language=lang.value, now=ctx.now())
    ctx.say(t("language.set", lang), main_menu(lang))


async def menu_title(ctx: Ctx) -> None:
    """Text (or anything else) nobody else takes, in a private chat: the menu."""
    ctx.say(ctx.t("menu.title"), main_menu(ctx.lang))
