"""District boundaries: which district a point or a typed place name is in.

Pure Python: a handful of polygons with a few dozen corners each, so ray casting over a
bounding-box prefilter is fast enough and needs no geometry library.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from textnorm import normalize

Point = tuple[float, float]  # (lat, lon), WGS-84
_SUFFIXES = ("区", "县", "市", "旗")  # county-level units: 兴隆台区, 盘山县, 大石桥市, …旗
_EN_SUFFIXES = ("district", "county", "city")  # Xinglongtai District -> xinglongtai


def fold(text: str) -> str:
    """A text folded for loose matching: NFKC, lower case, no whitespace at all."""
    return "".join(normalize(text).split())


def district_key(name: str) -> str:
    """The short form people type: 兴隆台区 -> 兴隆台, 盘山县 -> 盘山.

    A one-character remainder (新区 -> 新) would match half the city's texts, so a name that
    short keeps its suffix.
    """
    key = fold(name)
    for suffix in _SUFFIXES:
        short = key.removesuffix(suffix)
        if short != key:
            return short if len(short) >= 2 else key
    return key


def english_key(name: str) -> str:
    """The short form of an English name: "Xinglongtai District" -> xinglongtai."""
    key = fold(name)
    for suffix in _EN_SUFFIXES:
        short = key.removesuffix(suffix)
        if short != key and len(short) >= 3:
            return short
    return key


@dataclass(frozen=True)
class Place:
    """A place a text names: a district (its name, short form or English name), or a
    landmark inside one (an alias). ``key`` is the folded text that matched."""

    district: str
    key: str
    landmark: bool


@dataclass(frozen=True)
class District:
    """One county-level division: its name, place names inside it, and its boundary."""

    name: str
    aliases: tuple[str, ...]
    boundary: tuple[Point, ...]  # corners in order; the last joins the first
    en: str = ""  # the English name, for English readers ("" when the file gives none)
    box: tuple[float, float, float, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lats = [p[0] for p in self.boundary] or [0.0]
        lons = [p[1] for p in self.boundary] or [0.0]
        object.__setattr__(self, "box", (min(lats), min(lons), max(lats), max(lons)))

    def contains(self, lat: float, lon: float) -> bool:
        """Point in polygon by ray casting (even-odd rule); a point on an edge may go
        either way, which is fine for boundaries drawn to a few hundred metres."""
        south, west, north, east = self.box
        if not (south <= lat <= north and west <= lon <= east) or len(self.boundary) < 3:
            return False
        inside = False
        previous = self.boundary[-1]
        for corner in self.boundary:
            (lat1, lon1), (lat2, lon2) = previous, corner
            if (lat1 > lat) != (lat2 > lat):
                crossing = lon1 + (lat - lat1) * (lon2 - lon1) / (lat2 - lat1)
                if lon < crossing:
                    inside = not inside
            previous = corner
        return inside


class Districts:
    """The city's districts in file order; immutable. ``Districts.empty()`` knows none."""

    def __init__(self, districts: Sequence[District] = ()) -> None:
        self._districts = tuple(districts)
        self._by_key = {district_key(d.name): d.name for d in self._districts}
        self._by_key.update({fold(d.name): d.name for d in self._districts})
        self._text_keys = self._build_text_keys()
        self._landmarks = {fold(a) for d in self._districts for a in d.aliases if fold(a)}

    @classmethod
    def empty(cls) -> Districts:
        """No districts file: no point and no text has a district."""
        return cls(())

    def _build_text_keys(self) -> tuple[tuple[str, str], ...]:
        """(folded key, district name) for names, short forms and aliases, longest first so
        that at one position "大洼区" wins over "大洼" (same district either way)."""
        keys: dict[str, str] = {}
        for d in self._districts:
            english = (fold(d.en), english_key(d.en)) if d.en else ()
            for text in (d.name, district_key(d.name), *english, *d.aliases):
                if fold(text):
                    keys.setdefault(fold(text), d.name)
        return tuple(sorted(keys.items(), key=lambda kv: -len(kv[0])))

    def __len__(self) -> int:
        return len(self._districts)

    def __iter__(self) -> Iterator[District]:
        return iter(self._districts)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(d.name for d in self._districts)

    def get(self, name: str) -> District | None:
        canonical = self.canonical(name)
        return next((d for d in self._districts if d.name == canonical), None)

    def canonical(self, name: str) -> str | None:
        """The district's name as the file writes it, from its name or short form
        (大洼 -> 大洼区); aliases are place names, not district names, and do not count."""
        return self._by_key.get(fold(name)) or self._by_key.get(district_key(name))

    def english(self, name: str) -> str:
        """The district's English name, or ``name`` itself when the file gives none."""
        district = self.get(name)
        return district.en if district is not None and district.en else name

    def title(self, name: str, lang: str) -> str:
        """The district's name in ``lang`` (English when the file gives one)."""
        return self.english(name) if lang.startswith("en") else name

    def place_of(self, text: str) -> Place | None:
        """The place a text names: the longest district name, English name or landmark in
        it (so 大洼区 wins over 大洼), or None."""
        folded = fold(text)
        for key, name in self._text_keys:  # longest first
            if key in folded:
                return Place(name, key, key in self._landmarks)
        return None

    def of_point(self, lat: float, lon: float) -> str | None:
        """The district containing a WGS-84 point; the first in file order when boundaries
        overlap, None outside every boundary."""
        return next((d.name for d in self._districts if d.contains(lat, lon)), None)

    def of_text(self, text: str) -> str | None:
        """The district a typed place names ("兴隆台" -> 兴隆台区, "红海滩" -> an alias's
        district); when several are named, the one named first (addresses start with it)."""
        folded = fold(text)
        best: tuple[int, str] | None = None
        for key, name in self._text_keys:
            at = folded.find(key)
            if at >= 0 and (best is None or at < best[0]):
                best = (at, name)
        return None if best is None else best[1]
