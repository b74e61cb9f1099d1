"""Stations: coordinates, opening hours, nearest with filters, districts and the city's extent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from knowledge import (
    SERVICES,
    STATION_TYPES,
    OpeningHours,
    Station,
    StationIndex,
    gcj02_to_wgs84,
    haversine_m,
    load_knowledge,
    sample_dir,
    wgs84_to_gcj02,
)
from knowledge.hours import HoursError

# Published WGS-84 / GCJ-02 pairs (the test vectors of the eviltransform library).
PAIRS = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]


@pytest.mark.parametrize(("wgs", "gcj"), PAIRS)
def test_gcj02_to_wgs84_matches_known_pairs(wgs, gcj):
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)
    assert haversine_m(*gcj02_to_wgs84(*gcj), *wgs) < 0.01


def test_gcj02_leaves_points_outside_china_alone():
    assert gcj02_to_wgs84(48.8566, 2.3522) == (48.8566, 2.3522)


@pytest.mark.parametrize(
    ("hours", "at", "expected"),
    [
        ("24h", "03:00", True),
        ("08:00-20:00", "07:59", False),
        ("08:00-20:00", "08:00", True),
        ("08:00-20:00", "20:00", False),
        ("07:00-12:00,14:00-21:00", "13:00", False),
        ("07:00-12:00,14:00-21:00", "14:30", True),
        ("20:00-06:00", "23:30", True),
        ("20:00-06:00", "05:59", True),
        ("20:00-06:00", "06:00", False),
        ("20:00-06:00", "12:00", False),
        ("18:00-24:00", "23:59", True),
        ("０８：００－２０：００", "09:00", True),  # full-width, as typed with a Chinese IME
    ],
)
def test_opening_hours_is_open(hours, at, expected):
    hour, minute = map(int, at.split(":"))
    assert OpeningHours.parse(hours).is_open(datetime(2026, 7, 1, hour, minute)) is expected


def test_opening_hours_converts_aware_times_to_china():
    hours = OpeningHours.parse("08:00-20:00")
    assert hours.is_open(datetime(2026, 7, 1, 1, 0, tzinfo=UTC)) is True  # 09:00 in Panjin
    assert hours.is_open(datetime(2026, 7, 1, 13, 0, tzinfo=UTC)) is False  # 21:00


@pytest.mark.parametrize("text", ["", "always", "8-20", "08:00-25:00", "10:00-10:00"])
def test_opening_hours_rejects_bad_text(text):
    with pytest.raises(HoursError):
        OpeningHours.parse(text)


def station(sid: str, lat: float, lon: float, services: str, hours: str = "24h") -> Station:
    return Station(sid, sid, "union", "兴隆台区", "-", lat, lon, tuple(services.split()), hours)


# Along one street, about 1.1 km apart.
STREET = [
    station("a", 41.100, 122.070, "water toilet", "08:00-20:00"),
    station("b", 41.110, 122.070, "water charging", "20:00-06:00"),
    station("c", 41.120, 122.070, "water toilet charging"),
    station("d", 41.130, 122.070, "water blood_pressure", "07:00-12:00,14:00-21:00"),
]


@pytest.mark.parametrize(
    ("services", "at", "expected"),
    [
        (set(), None, ["a", "b", "c", "d"]),
        ({"charging"}, None, ["b", "c"]),
        ({"toilet", "charging"}, None, ["c"]),
        ({"blood_pressure"}, None, ["d"]),
        ({"lodging"}, None, []),
        (set(), datetime(2026, 7, 1, 23, 0), ["b", "c"]),
        (set(), datetime(2026, 7, 1, 13, 0), ["a", "c"]),
        (set(), datetime(2026, 7, 2, 5, 30), ["b", "c"]),
        ({"charging"}, datetime(2026, 7, 1, 10, 0), ["c"]),
    ],
)
def test_nearest_filters_by_services_and_open_now(services, at, expected):
    index = StationIndex(STREET)
    hits = index.nearest(41.099, 122.070, k=5, services=services, open_at=at)
    assert [h.station.id for h in hits] == expected
    brute = index.brute_force(41.099, 122.070, k=5, services=services, open_at=at)
    assert [(h.station.id, round(h.distance_m)) for h in hits] == [
        (h.station.id, round(h.distance_m)) for h in brute
    ]


def test_nearest_reports_distances_in_metres():
    hits = StationIndex(STREET).nearest(41.100, 122.070, k=2)
    assert [(h.station.id, round(h.distance_m)) for h in hits] == [("a", 0), ("b", 1112)]


def test_nearest_on_an_empty_index_finds_nothing():
    assert StationIndex([]).nearest(41.1, 122.0) == []


@pytest.fixture(scope="module")
def kb():
    return load_knowledge(sample_dir())


def test_sample_has_every_district_and_type(kb):
    assert kb.stations.districts == ["兴隆台区", "双台子区", "大洼区", "盘山县"]
    assert {s.type for s in kb.stations} == set(STATION_TYPES)
    assert 40 <= len(kb.stations) <= 60
    assert {svc for s in kb.stations for svc in s.services} <= set(SERVICES)


@pytest.mark.parametrize(
    ("lat", "lon", "inside"),
    [
        (41.1194, 122.0708, True),  # Xinglongtai, the city centre
        (41.0, 122.08, True),  # Dawa
        (41.8057, 123.4315, False),  # Shenyang
        (39.9042, 116.4074, False),  # Beijing
        (51.5072, -0.1276, False),  # London
    ],
)
def test_contains_city_tells_a_worker_outside_panjin(kb, lat, lon, inside):
    assert kb.stations.contains_city(lat, lon) is inside


def test_in_district_matches_short_names_and_filters(kb):
    all_dawa = kb.stations.in_district("大洼")
    assert all_dawa and {s.district for s in all_dawa} == {"大洼区"}
    at_night = kb.stations.in_district("大洼区", open_at=datetime(2026, 7, 1, 2, 0))
    assert all(s.is_open(datetime(2026, 7, 1, 2, 0)) for s in at_night)
    assert len(at_night) < len(all_dawa)
    assert kb.stations.in_district("沈阳") == []


def test_sample_nearest_with_toilet_open_at_night(kb):
    night = datetime(2026, 7, 1, 2, 30)
    hits = kb.stations.nearest(41.1194, 122.0708, k=3, services={"toilet"}, open_at=night)
    assert len(hits) == 3
    assert all(h.station.is_open(night) and "toilet" in h.station.services for h in hits)
    assert [h.distance_m for h in hits] == sorted(h.distance_m for h in hits)


def test_sample_gcj02_rows_are_converted(kb):
    # u-xlt-05 is written in GCJ-02 in the sample; it is stored in WGS-84.
    stored = kb.station("u-xlt-05")
    assert stored is not None
    assert wgs84_to_gcj02(stored.lat, stored.lon) == pytest.approx((41.136308, 122.070062))
