"""The station list end to end: open first, pages, combined filters, one pin per search,
navigation links, places named in a text, and English."""

from __future__ import annotations

import functools
import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from bot.catalog import label, t
from bot.core.clock import ManualClock
from bot.core.features.stations import amap_url
from bot.settings import Settings
from knowledge import KnowledgeBase, Station, load_knowledge, sample_dir, wgs84_to_gcj02
from standin import BotMessage, FakeUser, StandIn
from tests.botkit import RunningBot
from tests.harness import said

NOON = datetime(2026, 6, 10, 4, 0, tzinfo=UTC)  # 12:00 in Panjin
NIGHT = datetime(2026, 6, 9, 19, 45, tzinfo=UTC)  # 03:45 in Panjin
PANJIN = (41.1197, 122.0709)
OPEN = t("stations.open", "zh")
HREF = re.compile(r'href="([^"]+)"')


@functools.cache
def sample() -> KnowledgeBase:
    return load_knowledge(sample_dir())


def by_id(station_id: str) -> Station:
    station = sample().station(station_id)
    assert station is not None
    return station


def names_in(message: BotMessage, lang: str = "zh") -> list[str]:
    """The stations a list shows, in order (by their names in `lang`)."""
    shown = [(message.content.find(s.title(lang)), s.title(lang)) for s in sample().stations]
    return [name for at, name in sorted(shown) if at >= 0]


def is_venue(message: BotMessage) -> bool:
    return message.method == "sendVenue"


def nearest_open(services: frozenset[str], at: datetime) -> Station:
    hits = sample().stations.nearest(*PANJIN, k=1, services=services, open_at=at)
    return hits[0].station


async def running(settings: Settings, at: datetime) -> AsyncIterator[RunningBot]:
    bot = RunningBot(settings, clock=ManualClock(at))
    await bot.start()
    yield bot
    await bot.stop()


@pytest.fixture
async def night_bot(bot_settings: Settings) -> AsyncIterator[RunningBot]:
    """The bot at 03:45 in Panjin, when most stations are closed."""
    async for bot in running(bot_settings, NIGHT):
        yield bot


@pytest.fixture
async def noon_bot(bot_settings: Settings) -> AsyncIterator[RunningBot]:
    async for bot in running(bot_settings, NOON):
        yield bot


async def nothing_more(worker: FakeUser) -> None:
    """No message came after the last one expected (the next one is the answer to /help)."""
    await worker.send_text("/help")
    await worker.expect_next(lambda m: not is_venue(m) and not m.edited)


async def test_open_stations_first_and_closed_ones_say_when_they_open(
    night_bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await worker.send_text("兴隆台")
    listing = await worker.expect_next(said("stations.district_header", district="兴隆台区"))
    everyone = sample().stations.in_district("兴隆台区")
    open_now = [s for s in everyone if s.is_open(NIGHT)]
    assert 0 < len(open_now) < 5  # the sample at night: a few 24-hour stations
    expected = [*open_now, *(s for s in everyone if not s.is_open(NIGHT))][:5]
    assert names_in(listing) == [s.name for s in expected]
    first_closed = listing.content.index(expected[len(open_now)].name)
    assert listing.content.rfind(OPEN) < first_closed  # every 🟢 before the first closed one
    assert said("stations.opens_morning", time="06:30").search(listing.content)
    assert said("stations.page", first=1, last=5, total=len(everyone)).search(listing.content)
    pin = await worker.expect_next(is_venue)
    assert pin.venue is not None and pin.venue["title"] == open_now[0].name  # open, not closed


async def test_more_pages_through_the_list_in_place(
    night_bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await worker.send_text("兴隆台区")
    first = await worker.expect_next(said("stations.district_header", district="兴隆台区"))
    await worker.expect_next(is_venue)
    total = len(sample().stations.in_district("兴隆台区"))
    seen = names_in(first)
    start = 5
    while start < total:
        await worker.press(t("stations.more", "zh"))
        page = await worker.expect_next(said("stations.page", first=start + 1))
        assert page.edited and page.message_id == first.message_id
        assert f"\n{start + 1}. " in "\n" + page.content
        assert not set(names_in(page)) & set(seen)
        seen += names_in(page)
        start += 5
    assert len(seen) == total
    assert t("stations.more", "zh") not in [b for row in page.buttons for b in row]
    await worker.press(t("stations.first", "zh"))
    back = await worker.expect_next(said("stations.page", first=1, last=5, total=total))
    assert names_in(back) == names_in(first)
    await nothing_more(worker)  # paging sent no pin


async def test_filters_combine_and_all_clears_them(noon_bot: RunningBot, standin: StandIn) -> None:
    charging, open_now = t("stations.f_charging", "zh"), t("stations.f_open", "zh")
    moves = nearest_open(frozenset({"charging"}), NOON) != nearest_open(frozenset(), NOON)
    worker = standin.user(1001)
    await worker.send_location(*PANJIN)
    await worker.expect_next(said("stations.header", filter=""))
    await worker.expect_next(is_venue)
    await worker.press(charging)
    alone = t("stations.filter", "zh", name=charging)
    await worker.expect_next(said("stations.header", filter=alone))
    if moves:
        await worker.expect_next(is_venue)
    await worker.press(open_now)  # 充电 stays on
    both = t("stations.filter", "zh", name=f"{charging}、{open_now}")
    listing = await worker.expect_next(said("stations.header", filter=both))
    buttons = [b for row in listing.buttons for b in row]
    assert f"✓ {charging}" in buttons and f"✓ {open_now}" in buttons
    assert f"✓ {t('stations.f_all', 'zh')}" not in buttons
    shown = [s for s in sample().stations if s.name in names_in(listing)]
    assert shown and all("charging" in s.services and s.is_open(NOON) for s in shown)
    assert OPEN in listing.content and not said("stations.opens_today").search(listing.content)
    await worker.press(f"✓ {charging}")  # off again: "open now" stays on
    only_open = t("stations.filter", "zh", name=open_now)
    await worker.expect_next(said("stations.header", filter=only_open))
    if moves:
        await worker.expect_next(is_venue)
    await worker.press(t("stations.f_all", "zh"))
    cleared = await worker.expect_next(said("stations.header", filter=""))
    assert [b for row in cleared.buttons for b in row if b.startswith("✓")] == [
        f"✓ {t('stations.f_all', 'zh')}"
    ]
    await nothing_more(worker)


async def test_one_pin_per_search_replaced_when_the_nearest_open_match_changes(
    noon_bot: RunningBot, standin: StandIn
) -> None:
    plain = nearest_open(frozenset(), NOON)
    charging = nearest_open(frozenset({"charging"}), NOON)
    water = nearest_open(frozenset({"water"}), NOON)
    assert charging.id != plain.id and water.id == plain.id  # what the sample gives at noon
    worker = standin.user(1001)
    await worker.send_location(*PANJIN)
    await worker.expect_next(said("stations.header", filter=""))
    first_pin = await worker.expect_next(is_venue)
    assert first_pin.venue is not None and first_pin.venue["title"] == plain.name
    await worker.press(data="stn:f:water")  # same nearest open station: the pin stays
    await worker.expect_next(said("stations.header"))
    await worker.press(data="stn:f:water")
    await worker.expect_next(said("stations.header", filter=""))
    await worker.press(data="stn:f:charging")  # another station: the pin is replaced
    await worker.expect_next(said("stations.header"))
    second_pin = await worker.expect_next(is_venue)
    assert second_pin.venue is not None and second_pin.venue["title"] == charging.name
    assert worker.deleted_ids == {first_pin.message_id}
    await worker.press(data="stn:f:charging")
    await worker.expect_next(said("stations.header", filter=""))
    third_pin = await worker.expect_next(is_venue)
    assert third_pin.venue is not None and third_pin.venue["title"] == plain.name
    assert worker.deleted_ids == {first_pin.message_id, second_pin.message_id}
    await nothing_more(worker)
    venues = [m for m in worker.history if is_venue(m) and m.message_id not in worker.deleted_ids]
    assert len(venues) == 1  # one pin on the screen, not a pile


async def test_no_pin_when_nothing_is_open(night_bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    await worker.send_text("大洼哪有厕所")
    listing = await worker.expect_next(said("stations.district_header", district="大洼区"))
    toilets = sample().stations.in_district("大洼区", services={"toilet"})
    if any(s.is_open(NIGHT) for s in toilets):
        await worker.expect_next(is_venue)
    else:
        assert said("stations.none_open").search(listing.content)
    await nothing_more(worker)


async def test_each_station_has_a_navigation_link_in_gcj02(
    night_bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001)
    await worker.send_text("双台子区")
    listing = await worker.expect_next(said("stations.district_header", district="双台子区"))
    links = [html.unescape(h) for h in HREF.findall(listing.html or "")]
    assert len(links) == len(names_in(listing)) == 5
    for link in links:
        query = parse_qs(urlsplit(link).query)
        assert link.startswith("https://uri.amap.com/marker?")
        assert query["src"] == ["nuanxin"] and query["coordinate"] == ["gaode"]
        station = next(s for s in sample().stations if s.name == query["name"][0])
        lat, lon = wgs84_to_gcj02(station.lat, station.lon)
        assert query["position"] == [f"{lon:.6f},{lat:.6f}"]
        assert abs(lat - station.lat) + abs(lon - station.lon) > 0.001  # shifted, not WGS-84


def test_navigation_link_shifts_a_known_point_to_gcj02() -> None:
    """A published WGS-84 / GCJ-02 pair (Shanghai) comes out as the GCJ-02 position."""
    station = Station("x", "上海 测试&站", "union", "-", "-", 31.1774276, 121.5272106, (), "24h")
    url = amap_url(station, "zh")
    assert "position=121.531542,31.175304&" in url
    assert parse_qs(urlsplit(url).query)["name"] == ["上海 测试&站"]  # & and space encoded


PHRASES = [
    ("哪里有驿站 兴隆台", "兴隆台区", ()),
    ("双台子区有驿站吗", "双台子区", ()),
    ("大洼哪有厕所", "大洼区", ("toilet",)),
    ("辽河油田附近能充电吗", "兴隆台区", ("charging",)),
    ("田庄台有喝水的地方没", "大洼区", ("water",)),
    ("兴隆台区的驿站", "兴隆台区", ()),
]


async def test_a_place_in_a_text_lists_its_stations(noon_bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1001)
    for text, district, filters in PHRASES:
        await worker.send_text(text)
        names = "、".join(t(f"stations.f_{f}", "zh") for f in filters)
        chosen = t("stations.filter", "zh", name=names) if filters else ""
        listing = await worker.expect_next(
            said("stations.district_header", district=district, filter=chosen)
        )
        on = [b for row in listing.buttons for b in row if b.startswith("✓")]
        assert on == [f"✓ {t(f'stations.f_{f}', 'zh')}" for f in filters] or (
            not filters and on == [f"✓ {t('stations.f_all', 'zh')}"]
        )
        await worker.expect_next(is_venue)


@pytest.mark.parametrize("text", ["我想投诉兴隆台的驿站太脏", "红海滩门票多少钱"])
async def test_a_text_about_something_else_is_not_a_search(
    noon_bot: RunningBot, standin: StandIn, text: str
) -> None:
    worker = standin.user(1001)
    await worker.send_text(text)
    reply = await worker.reply()
    assert not is_venue(reply) and not any(d.startswith("stn:") for d in reply.callback_data)


async def test_english_names_buttons_and_commas(night_bot: RunningBot, standin: StandIn) -> None:
    worker = standin.user(1002, "Sam", language_code="en")
    await worker.send_text("/stations")
    prompt = await worker.expect_next(said("stations.ask", "en"))
    buttons = [b["text"] for row in prompt.keyboard[1:] for b in row]
    assert buttons == [sample().districts.english(d) for d in sample().stations.districts]
    assert "Dawa District" in buttons
    await worker.send_text("Dawa District")  # the English button, typed back
    listing = await worker.expect_next(
        said("stations.district_header", "en", district="Dawa District")
    )
    shown = names_in(listing, "en")
    assert shown and not re.search(r"[\u4e00-\u9fff]", listing.content)  # no Chinese left
    assert "、" not in listing.content
    assert f"{label('service', 'water', 'en')}, {label('service', 'toilet', 'en')}" in (
        listing.content
    )
    assert "Drivers' Home" in listing.content or "Drivers&#x27; Home" in listing.content
    assert said("stations.opens_morning", "en").search(listing.content)
    pin = await worker.expect_next(is_venue)
    assert pin.venue is not None and pin.venue["title"] in shown
    assert not re.search(r"[\u4e00-\u9fff]", pin.venue["address"])
