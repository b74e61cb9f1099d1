"""Stations and the nearest-station search (a KD-tree on unit vectors, one per service)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from knowledge.geo import EARTH_RADIUS_M, chord_to_m, haversine_m, m_to_chord, unit_vectors
from knowledge.hours import OpeningHours
from textnorm import normalize

Bounds = tuple[float, float, float, float]
CITY_MARGIN_M = 15_000.0  # how far past the outermost stations still counts as "in the city"


@dataclass(frozen=True)
class Station:
    """A service point; ``lat``/``lon`` are WGS-84 (converted at load when given as GCJ-02)."""

    id: str
    name: str
    type: str
    district: str
    address: str
    lat: float
    lon: float
    services: tuple[str, ...]
    hours: str
    phone: str = ""
    name_en: str = ""  # optional English (or pinyin) name and address, for English readers
    address_en: str = ""
    opening: OpeningHours = field(init=False, repr=False, compare=False)
    service_set: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "opening", OpeningHours.parse(self.hours))
        object.__setattr__(self, "service_set", frozenset(self.services))

    def is_open(self, at: datetime) -> bool:
        """Open at ``at`` (local Asia/Shanghai time when naive)."""
        return self.opening.is_open(at)

    def next_opening(self, at: datetime) -> datetime | None:
        """When it next opens after ``at``; None when it is open then (or never closes)."""
        return self.opening.next_opening(at)

    def title(self, lang: str = "zh") -> str:
        """The name in ``lang`` (English when the file gives one, else the Chinese name)."""
        return self.name_en if lang.startswith("en") and self.name_en else self.name

    def where(self, lang: str = "zh") -> str:
        """The address in ``lang`` (English when the file gives one)."""
        return self.address_en if lang.startswith("en") and self.address_en else self.address

    def has(self, services: Iterable[str]) -> bool:
        """Offers every one of ``services``."""
        return self.service_set.issuperset(services)


@dataclass(frozen=True)
class StationHit:
    station: Station
    distance_m: float


class StationIndex:
    """Immutable station list with nearest-k search, district lists and the city's extent."""

    def __init__(self, stations: Sequence[Station]) -> None:
        self._stations = tuple(stations)
        self._by_id = {s.id: s for s in self._stations}
        lat = np.array([s.lat for s in self._stations], dtype=float)
        lon = np.array([s.lon for s in self._stations], dtype=float)
        self._xyz = unit_vectors(lat, lon) if self._stations else np.zeros((0, 3))
        self._tree = cKDTree(self._xyz)
        self._everyone = np.arange(len(self._stations), dtype=np.intp)
        self._service_trees = self._build_service_trees()
        self._bounds = _bounds(lat, lon)

    def _build_service_trees(self) -> dict[str, tuple[cKDTree, NDArray[np.intp]]]:
        """One tree per service, so a rare service does not mean scanning the whole city."""
        members: dict[str, list[int]] = {}
        for i, station in enumerate(self._stations):
            for service in station.services:
                members.setdefault(service, []).append(i)
        return {
            key: (cKDTree(self._xyz[idx]), np.array(idx, dtype=np.intp))
            for key, idx in members.items()
        }

    def __len__(self) -> int:
        return len(self._stations)

    def __iter__(self) -> Iterator[Station]:
        return iter(self._stations)

    def get(self, station_id: str) -> Station | None:
        return self._by_id.get(station_id)

    @property
    def all(self) -> tuple[Station, ...]:
        return self._stations

    @property
    def districts(self) -> list[str]:
        """District names in the order they first appear in the file."""
        return list(dict.fromkeys(s.district for s in self._stations))

    @property
    def city_bounds(self) -> Bounds:
        """(south, west, north, east) of the stations, widened by ``CITY_MARGIN_M``."""
        return self._bounds

    def contains_city(self, lat: float, lon: float) -> bool:
        """True when the point is within the city's extent (the stations plus a margin)."""
        south, west, north, east = self._bounds
        return south <= lat <= north and west <= lon <= east

    def nearest(
        self,
        lat: float,
        lon: float,
        *,
        k: int = 5,
        services: Iterable[str] = frozenset(),
        open_at: datetime | None = None,
        max_distance_m: float | None = None,
    ) -> list[StationHit]:
        """The ``k`` nearest stations offering all of ``services`` (and open at ``open_at``)."""
        wanted = frozenset(services)
        source = self._tree_for(wanted)
        if source is None or k <= 0:
            return []
        tree, index = source
        point = unit_vectors(np.array([lat]), np.array([lon]))[0]
        bound = m_to_chord(max_distance_m) if max_distance_m is not None else np.inf
        fetch = min(len(index), max(k * 2, 8))
        while True:
            chords, rows = tree.query(point, k=fetch, distance_upper_bound=bound)
            chords, rows = np.atleast_1d(chords), np.atleast_1d(rows)
            hits = self._accept(chords, index, rows, wanted, open_at, k)
            exhausted = fetch >= len(index) or np.isinf(chords[-1])
            if len(hits) >= k or exhausted:
                return hits
            fetch = min(len(index), fetch * 4)

    def _tree_for(self, wanted: frozenset[str]) -> tuple[cKDTree, NDArray[np.intp]] | None:
        if not wanted:
            return (self._tree, self._everyone) if self._stations else None
        if any(s not in self._service_trees for s in wanted):
            return None
        rarest = min(wanted, key=lambda s: len(self._service_trees[s][1]))
        return self._service_trees[rarest]

    def _accept(
        self,
        chords: NDArray[np.float64],
        index: NDArray[np.intp],
        rows: NDArray[np.intp],
        wanted: frozenset[str],
        open_at: datetime | None,
        k: int,
    ) -> list[StationHit]:
        hits: list[StationHit] = []
        metres = chord_to_m(np.where(np.isinf(chords), 0.0, chords))
        for chord, row, dist in zip(chords, rows, metres, strict=True):
            if np.isinf(chord):
                break
            station = self._stations[index[row]]
            if not station.has(wanted) or (open_at and not station.is_open(open_at)):
                continue
            hits.append(StationHit(station, float(dist)))
            if len(hits) == k:
                break
        return hits

    def in_district(
        self,
        name: str,
        *,
        services: Iterable[str] = frozenset(),
        open_at: datetime | None = None,
    ) -> list[Station]:
        """Stations in a district (matched loosely: 兴隆台 finds 兴隆台区), in file order."""
        wanted = normalize(name).removesuffix("区").removesuffix("县")
        return [
            s
            for s in self._stations
            if wanted
            and wanted in normalize(s.district)
            and s.has(services)
            and (open_at is None or s.is_open(open_at))
        ]

    def brute_force(
        self,
        lat: float,
        lon: float,
        *,
        k: int = 5,
        services: Iterable[str] = frozenset(),
        open_at: datetime | None = None,
    ) -> list[StationHit]:
        """The reference answer for tests and benchmarks: a full scan."""
        wanted = frozenset(services)
        hits = [
            StationHit(s, haversine_m(lat, lon, s.lat, s.lon))
            for s in self._stations
            if s.has(wanted) and (open_at is None or s.is_open(open_at))
        ]
        return sorted(hits, key=lambda h: h.distance_m)[:k]


def _bounds(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> Bounds:
    if not len(lat):
        return (0.0, 0.0, 0.0, 0.0)
    dlat = np.degrees(CITY_MARGIN_M / EARTH_RADIUS_M)
    dlon = dlat / max(0.1, float(np.cos(np.radians(lat.mean()))))
    return (
        float(lat.min() - dlat),
        float(lon.min() - dlon),
        float(lat.max() + dlat),
        float(lon.max() + dlon),
    )
