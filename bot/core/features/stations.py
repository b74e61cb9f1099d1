"""/stations: the nearest stations from a shared location (or a district), with filters."""

from __future__ import annotations

from datetime import datetime

from bot.catalog import esc, label, t, t_html
from bot.core.actions import Button, Buttons, Key, Keys, Request, Venue
from bot.core.buttons import StationFilter, StationFilterKey, StationView, encode
from bot.core.context import Ctx
from bot.core.features.faq import knowledge
from bot.core.places import distance_text, on_earth
from knowledge import Station
from textnorm import normalize

SHOWN = 5
FILTERS: dict[StationFilterKey, frozenset[str]] = {
    StationFilterKey.WATER: frozenset({"water"}),
    StationFilterKey.TOILET: frozenset({"toilet"}),
    StationFilterKey.REST: frozenset({"rest"}),
    StationFilterKey.CHARGING: frozenset({"charging"}),
    StationFilterKey.HEALTH: frozenset({"blood_pressure"}),
    StationFilterKey.OPEN: frozenset(),
    StationFilterKey.ALL: frozenset(),
}
Where = tuple[float, float] | str  # a location, or a district's name


def district_of(ctx: Ctx, text: str) -> str | None:
    """The district a short text names (大洼 or 大洼区), or None."""
    wanted = normalize(text)
    if len(wanted) > 6:
        return None
    for district in knowledge(ctx).stations.districts:
        if wanted in (district, district.removesuffix("区").removesuffix("县")):
            return district
    return None


def ask_keys(ctx: Ctx) -> Keys:
    share = Key(ctx.t("stations.share"), Request.LOCATION)
    districts = [Key(d) for d in knowledge(ctx).stations.districts]
    rows = [(share,), *(tuple(districts[i : i + 2]) for i in range(0, len(districts), 2))]
    return Keys(tuple(rows))


async def stations_command(ctx: Ctx) -> None:
    """Ask for a location, or a district for those who will not share one."""
    ctx.say(ctx.t("stations.ask"), ask_keys(ctx))


def _item(n: int, station: Station, metres: float | None, now: datetime, lang: str) -> str:
    opened = t("stations.open" if station.is_open(now) else "stations.closed", lang)
    hours = t("stations.hours", lang, hours=station.hours)
    services = "、".join(label("service", s, lang) for s in station.services)
    phone = f"\n   ☎️ {esc(station.phone)}" if station.phone else ""
    return t_html(
        "stations.item", lang, n=str(n), name=esc(station.name),
        distance=distance_text(metres, lang), type=esc(label("station_type", station.type, lang)),
        open=opened + hours, services=esc(services), address=esc(station.address), phone=phone,
    )  # fmt: skip


def filter_buttons(lang: str, active: StationFilterKey) -> Buttons:
    buttons = [
        Button(("✓ " if key is active else "") + t(f"stations.f_{key.value}", lang),
               encode(StationFilter(key)))
        for key in StationFilterKey
    ]  # fmt: skip
    return Buttons.grid(buttons, 3)


def _search(ctx: Ctx, where: Where, key: StationFilterKey) -> list[tuple[Station, float | None]]:
    stations = knowledge(ctx).stations
    now = ctx.services.clock.now().astimezone(ctx.services.tz)
    open_at = now if key is StationFilterKey.OPEN else None
    if isinstance(where, str):
        found = stations.in_district(where, services=FILTERS[key], open_at=open_at)
        return [(s, None) for s in found]
    hits = stations.nearest(*where, k=SHOWN, services=FILTERS[key], open_at=open_at)
    return [(h.station, h.distance_m) for h in hits]


def _render(ctx: Ctx, where: Where, key: StationFilterKey) -> tuple[str, list[Station]]:
    found = _search(ctx, where, key)
    now = ctx.services.clock.now().astimezone(ctx.services.tz)
    lang = ctx.lang
    name = t(f"stations.f_{key.value}", lang)
    chosen = "" if key is StationFilterKey.ALL else t("stations.filter", lang, name=name)
    if isinstance(where, str):
        header = t_html("stations.district_header", lang, district=esc(where), filter=chosen)
    else:
        header = t_html("stations.header", lang, filter=chosen)
    if not found:
        return header + "\n\n" + t("stations.none", lang), []
    items = [_item(i, s, m, now, lang) for i, (s, m) in enumerate(found[:SHOWN], 1)]
    return header + "\n\n" + "\n\n".join(items), [s for s, _ in found]


def _show(ctx: Ctx, where: Where, key: StationFilterKey, in_place: bool) -> None:
    """The list with filter buttons, then the nearest (or first) as a venue."""
    ctx.memory.stations_at = where
    text, found = _render(ctx, where, key)
    if in_place:
        ctx.edit(text, filter_buttons(ctx.lang, key))
    else:
        ctx.say(text, filter_buttons(ctx.lang, key))
    if found:
        ctx.out.append(Venue(found[0].lat, found[0].lon, found[0].name, found[0].address))


async def got_location(ctx: Ctx, latitude: float, longitude: float) -> None:
    """A location outside any conversation: the nearest stations."""
    if not on_earth(latitude, longitude):
        ctx.say(ctx.t("stations.again"), ask_keys(ctx))
        return
    stations = knowledge(ctx).stations
    if not stations.contains_city(latitude, longitude):
        hits = stations.nearest(latitude, longitude, k=1)
        km = f"{hits[0].distance_m / 1000:.0f}" if hits else "?"
        ctx.say(ctx.t("stations.outside", km=km), ask_keys(ctx))
        return
    _show(ctx, (latitude, longitude), StationFilterKey.ALL, in_place=False)


async def show_district(ctx: Ctx, district: str) -> None:
    """Stations of a district, for a worker who will not share a location."""
    _show(ctx, district, StationFilterKey.ALL, in_place=False)


async def filter_button(ctx: Ctx, button: StationFilter) -> None:
    """Narrow the list to a need (water, toilet, ...) or to those open now."""
    where = ctx.memory.stations_at
    if where is None:
        ctx.say(ctx.t("stations.again"))
        return
    _show(ctx, where, button.key, in_place=True)


async def station_button(ctx: Ctx, button: StationView) -> None:
    """A station linked from an FAQ answer: its details and its venue."""
    station = knowledge(ctx).station(button.station_id)
    if station is None:
        return
    now = ctx.services.clock.now().astimezone(ctx.services.tz)
    ctx.say(_item(1, station, None, now, ctx.lang).removeprefix("1. "))
    ctx.out.append(Venue(station.lat, station.lon, station.name, station.address))
