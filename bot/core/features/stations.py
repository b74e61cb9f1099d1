"""/stations: stations near a shared location, in a district or near a place named in a text.

Open stations come first, closed ones after with the time they open; filters combine (a
service and "open now"); the list pages in place ("more"); one map pin per search shows the
nearest open match, replaced (not repeated) when a filter changes it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.catalog import esc, label, t, t_html
from bot.core import places
from bot.core.actions import Button, Buttons, Delete, Key, Keys, Pinned, Request, Venue
from bot.core.buttons import StationFilter, StationFilterKey, StationMore, StationView, encode
from bot.core.context import Ctx, Services
from bot.core.features.faq import knowledge
from bot.core.memory import StationSearch
from bot.core.places import distance_text, on_earth
from knowledge import KnowledgeBase, Station
from knowledge.districts import Place, district_key, fold

SHOWN = 5  # stations per page
MAX_QUERY = 40  # characters: a longer text is a question or a story, not a place
NIGHT_ENDS = 5  # before 05:00, a station opening this morning opens "明早" for a night rider
SERVICES: dict[StationFilterKey, frozenset[str]] = {
    StationFilterKey.WATER: frozenset({"water"}),
    StationFilterKey.TOILET: frozenset({"toilet"}),
    StationFilterKey.REST: frozenset({"rest"}),
    StationFilterKey.CHARGING: frozenset({"charging"}),
    StationFilterKey.HEALTH: frozenset({"blood_pressure"}),
}
Where = tuple[float, float] | str  # a location, or a district's name

# Words a text asking for stations in a place may hold besides the place (folded forms).
# A service word also switches its filter on; anything else left over means the text is
# about something else ("我想投诉兴隆台的驿站太脏" is a complaint, not a search).
FILTER_WORDS: dict[StationFilterKey, tuple[str, ...]] = {
    StationFilterKey.WATER: ("喝水", "饮水", "饮用水", "热水", "开水", "接水", "打水", "water"),
    StationFilterKey.TOILET: ("厕所", "卫生间", "洗手间", "如厕", "toilets", "toilet", "restroom"),
    StationFilterKey.REST: ("休息", "歇脚", "歇会", "歇一会"),
    StationFilterKey.CHARGING: ("充电桩", "充电", "换电", "charging", "charge"),
    StationFilterKey.HEALTH: ("测血压", "量血压", "血压", "测血糖", "血糖"),
    StationFilterKey.OPEN: ("开着", "开门", "营业", "opennow"),
}
STATION_WORDS = (
    "工会驿站", "司机之家", "的士驿站", "暖新驿站", "爱心驿站", "驿站", "站点", "服务站", "服务点",
    "地方", "stations", "station", "drivers'home",
)  # fmt: skip
FILLER_WORDS = (
    "请问", "我想找", "想找", "帮我找", "帮我查", "查一下", "找一下", "看一下", "看看", "查查",
    "哪里有", "哪儿有", "在哪里", "在哪儿", "哪里", "哪儿", "在哪", "哪有", "哪个", "哪些",
    "有没有", "有吗", "没有", "附近的", "附近", "周边", "周围", "那边", "这边", "那儿", "这儿",
    "一带", "能不能", "可不可以", "可以", "最近的", "最近", "现在", "还", "都", "所有", "全部",
    "一下", "几个", "什么", "有", "吗", "没", "不", "呢", "吧", "啊", "呀", "嘛", "的", "哪", "能",
    "个", "在", "里", "找", "查",
    "where", "are", "is", "there", "any", "the", "in", "near", "around", "nearby", "find", "show",
    "me", "list", "of", "a",
)  # fmt: skip
_PUNCTUATION = re.compile(r"[\W_]+")


def _bare(word: str) -> str:
    """A word as it is matched: folded, without spaces or punctuation."""
    return _PUNCTUATION.sub("", fold(word))


_WORD_FILTER = {_bare(w): key for key, words in FILTER_WORDS.items() for w in words}
_WORDS = sorted({*_WORD_FILTER, *map(_bare, STATION_WORDS), *map(_bare, FILLER_WORDS)}, key=len)
_WORD = re.compile("|".join(re.escape(w) for w in reversed(_WORDS)))  # longest first


@dataclass(frozen=True)
class Found:
    """A station in the list, with its distance (None for a district) and whether open."""

    station: Station
    metres: float | None
    open: bool


# --- asking -------------------------------------------------------------------------------


def ask_keys(ctx: Ctx) -> Keys:
    kb = knowledge(ctx)
    share = Key(ctx.t("stations.share"), Request.LOCATION)
    districts = [Key(kb.districts.title(d, ctx.lang)) for d in kb.stations.districts]
    rows = [(share,), *(tuple(districts[i : i + 2]) for i in range(0, len(districts), 2))]
    return Keys(tuple(rows))


async def stations_command(ctx: Ctx) -> None:
    """Ask for a location, or a district for those who will not share one."""
    ctx.say(ctx.t("stations.ask"), ask_keys(ctx))


# --- a place named in a text ----------------------------------------------------------------


@dataclass(frozen=True)
class PlaceQuery:
    """What a text asking for stations names: the place, and the filters its words ask for."""

    place: Place
    filters: frozenset[StationFilterKey]


def _place(kb: KnowledgeBase, text: str) -> Place | None:
    """The district or landmark a text names; without a districts file, the stations'
    own district names (兴隆台区 or 兴隆台)."""
    if len(kb.districts):
        return kb.districts.place_of(text)
    folded = fold(text)
    keys = {k: d for d in kb.stations.districts for k in (fold(d), district_key(d)) if k}
    for key in sorted(keys, key=len, reverse=True):
        if key in folded:
            return Place(keys[key], key, landmark=False)
    return None


def place_query(kb: KnowledgeBase, text: str) -> PlaceQuery | None:
    """The place and filters of a text that asks only for stations in a place ("大洼哪有厕所",
    "双台子区有驿站吗"); None when anything else is left once the place, station words,
    service words and question words are taken out."""
    folded = fold(text)
    if not folded or len(folded) > MAX_QUERY:
        return None
    place = _place(kb, folded)
    if place is None:
        return None
    parts = [_PUNCTUATION.sub("", part) for part in folded.split(place.key, 1)]
    if any(_WORD.sub("", part) for part in parts):
        return None
    words = [w for part in parts for w in _WORD.findall(part)]
    return PlaceQuery(place, frozenset(_WORD_FILTER[w] for w in words if w in _WORD_FILTER))


async def from_text(ctx: Ctx, text: str) -> bool:
    """A typed text asking for stations in a district or near a landmark: the list, with
    the filters its words ask for. False (nothing done) for any other text."""
    query = place_query(knowledge(ctx), text)
    if query is None:
        return False
    # a landmark without coordinates of its own stands for its district
    filters = frozenset(k.value for k in query.filters)
    _first(ctx, StationSearch(query.place.district, filters))
    return True


# --- the list --------------------------------------------------------------------------------


def _now(ctx: Ctx) -> datetime:
    return ctx.services.clock.now().astimezone(ctx.services.tz)


def _keys(search: StationSearch) -> frozenset[StationFilterKey]:
    return frozenset(StationFilterKey(value) for value in search.filters)


def _search(ctx: Ctx, search: StationSearch) -> list[Found]:
    """Every match, open ones first (by distance, or in file order for a district)."""
    stations, now = knowledge(ctx).stations, _now(ctx)
    keys = _keys(search)
    services: frozenset[str] = frozenset().union(*(SERVICES.get(k, frozenset()) for k in keys))
    open_at = now if StationFilterKey.OPEN in keys else None
    where = search.where
    hits: list[tuple[Station, float | None]]
    if isinstance(where, str):
        hits = [(s, None) for s in stations.in_district(where, services=services, open_at=open_at)]
    else:
        near = stations.nearest(*where, k=len(stations), services=services, open_at=open_at)
        hits = [(h.station, h.distance_m) for h in near]
    found = [Found(s, m, s.is_open(now)) for s, m in hits]
    return sorted(found, key=lambda f: not f.open)  # stable: keeps the order within each


def _opens(station: Station, now: datetime, lang: str) -> str:
    """⚪ closed, and when it opens next: today, tomorrow morning (for a night rider), or
    tomorrow."""
    at = station.next_opening(now)
    if at is None:
        return t("stations.closed", lang)
    time = at.strftime("%H:%M")
    if at.date() == now.date():
        key = "stations.opens_morning" if now.hour < NIGHT_ENDS else "stations.opens_today"
    elif at.date() == (now + timedelta(days=1)).date() and at.hour < 12:
        key = "stations.opens_morning"
    else:
        key = "stations.opens_tomorrow"
    return t(key, lang, time=time)


def amap_url(station: Station, lang: str) -> str:
    """A link that opens Amap (the app when installed) at the station."""
    return places.amap_url(station.lat, station.lon, station.title(lang))


def _item(n: int, found: Found, now: datetime, lang: str) -> str:
    station = found.station
    opened = t("stations.open", lang) if found.open else _opens(station, now, lang)
    hours = t("stations.hours", lang, hours=station.hours)
    services = t("stations.sep", lang).join(label("service", s, lang) for s in station.services)
    phone = f"\n   ☎️ {esc(station.phone)}" if station.phone else ""
    return t_html(
        "stations.item", lang, n=str(n), name=esc(station.title(lang)),
        distance=distance_text(found.metres, lang),
        type=esc(label("station_type", station.type, lang)), open=opened + hours,
        services=esc(services), address=esc(station.where(lang)),
        nav=t("stations.nav", lang, url=amap_url(station, lang)), phone=phone,
    )  # fmt: skip


def _header(ctx: Ctx, search: StationSearch) -> str:
    lang = ctx.lang
    active = [k for k in StationFilterKey if k.value in search.filters]
    names = t("stations.sep", lang).join(t(f"stations.f_{k.value}", lang) for k in active)
    chosen = t("stations.filter", lang, name=names) if active else ""
    if isinstance(search.where, str):
        district = knowledge(ctx).districts.title(search.where, lang)
        return t_html("stations.district_header", lang, district=esc(district), filter=chosen)
    return t_html("stations.header", lang, filter=chosen)


def _text(ctx: Ctx, search: StationSearch, found: Sequence[Found]) -> str:
    lang, now = ctx.lang, _now(ctx)
    header = _header(ctx, search)
    if not found:
        return header + "\n\n" + t("stations.none", lang)
    page = found[search.start : search.start + SHOWN]
    items = [_item(search.start + i, f, now, lang) for i, f in enumerate(page, 1)]
    parts = [header]
    if not found[0].open:
        parts.append(t("stations.none_open", lang))
    text = "\n\n".join([*parts, *items])
    if len(found) > SHOWN:
        last = search.start + len(page)
        text += "\n\n" + t("stations.page", lang, first=search.start + 1, last=last,
                           total=len(found))  # fmt: skip
    return text


def _buttons(lang: str, search: StationSearch, total: int) -> Buttons:
    """The filters as toggles (✓ on those switched on; 全部 clears them), and the pages."""

    def toggle(key: StationFilterKey) -> Button:
        on = key.value in search.filters if key is not StationFilterKey.ALL else not search.filters
        return Button(("✓ " if on else "") + t(f"stations.f_{key.value}", lang),
                      encode(StationFilter(key)))  # fmt: skip

    toggles = [toggle(k) for k in StationFilterKey if k is not StationFilterKey.ALL]
    rows = list(Buttons.grid(toggles, 3).rows)
    last: list[Button] = [toggle(StationFilterKey.ALL)]
    if search.start + SHOWN < total:
        last.append(Button(t("stations.more", lang), encode(StationMore(search.start + SHOWN))))
    elif search.start > 0:
        last.append(Button(t("stations.first", lang), encode(StationMore(0))))
    return Buttons((*rows, tuple(last)))


def _pin(ctx: Ctx, station: Station) -> Venue:
    lang = ctx.lang
    return Venue(station.lat, station.lon, station.title(lang), station.where(lang),
                 pin_for=ctx.who)  # fmt: skip


def _nearest_open(found: Sequence[Found]) -> Station | None:
    return found[0].station if found and found[0].open else None


def _first(ctx: Ctx, search: StationSearch) -> None:
    """A new search: the list, then a pin on the nearest open match (none when none is)."""
    ctx.memory.stations = search
    found = _search(ctx, search)
    ctx.say(_text(ctx, search, found), _buttons(ctx.lang, search, len(found)))
    target = _nearest_open(found)
    search.pinned = target.id if target is not None else None
    if target is not None:
        ctx.out.append(_pin(ctx, target))


def _again(ctx: Ctx, search: StationSearch) -> None:
    """The same search changed (a filter, a page): the list in place; the pin replaced
    only when the nearest open match is another station."""
    found = _search(ctx, search)
    search.start = search.start if search.start < len(found) else 0
    ctx.edit(_text(ctx, search, found), _buttons(ctx.lang, search, len(found)))
    target = _nearest_open(found)
    target_id = target.id if target is not None else None
    if target_id == search.pinned:
        return
    if search.pin is not None:
        chat, message_id = search.pin
        ctx.out.append(Delete(message_id, chat))
        search.pin = None
    search.pinned = target_id
    if target is not None:
        ctx.out.append(_pin(ctx, target))


def pinned(services: Services, pins: Sequence[Pinned]) -> None:
    """The channel sent these pins: remember where, so a newer one can replace them."""
    for pin in pins:
        search = services.memories.of(pin.who).stations
        if search is not None:
            search.pin = (pin.chat, pin.message_id)


# --- events --------------------------------------------------------------------------------


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
    _first(ctx, StationSearch((latitude, longitude)))


async def show_district(ctx: Ctx, district: str) -> None:
    """Stations of a district, for a worker who will not share a location."""
    _first(ctx, StationSearch(district))


async def filter_button(ctx: Ctx, button: StationFilter) -> None:
    """Switch a filter on or off (全部: all off); the others stay as they are."""
    search = ctx.memory.stations
    if search is None:
        ctx.say(ctx.t("stations.again"), ask_keys(ctx))
        return
    if button.key is StationFilterKey.ALL:
        search.filters = frozenset()
    else:
        search.filters = search.filters ^ {button.key.value}
    search.start = 0
    _again(ctx, search)


async def more_button(ctx: Ctx, button: StationMore) -> None:
    """The next page of the list (or back to the first)."""
    search = ctx.memory.stations
    if search is None:
        ctx.say(ctx.t("stations.again"), ask_keys(ctx))
        return
    search.start = button.start
    _again(ctx, search)


async def station_button(ctx: Ctx, button: StationView) -> None:
    """A station linked from an FAQ answer: its details and its venue."""
    station = knowledge(ctx).station(button.station_id)
    if station is None:
        return
    now = _now(ctx)
    found = Found(station, None, station.is_open(now))
    ctx.say(_item(1, found, now, ctx.lang).removeprefix("1. "))
    lang = ctx.lang
    ctx.out.append(Venue(station.lat, station.lon, station.title(lang), station.where(lang)))
