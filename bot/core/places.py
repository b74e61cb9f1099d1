"""Places in words: a shared location as its district and nearest landmark, distances."""

from __future__ import annotations

import math
from urllib.parse import quote

from bot.catalog import t
from knowledge import KnowledgeBase, wgs84_to_gcj02


def describe_location(lat: float, lon: float, kb: KnowledgeBase | None, lang: str) -> str:
    """ "兴隆台区 · 惠宾大街驿站附近（约 120 米）": the district and the nearest station."""
    stations = kb.stations if kb is not None else None
    if stations is None or not stations.contains_city(lat, lon):
        return t("suggest.location_far", lang, lat=f"{lat:.4f}", lon=f"{lon:.4f}")
    hits = stations.nearest(lat, lon, k=1)
    if not hits:
        return t("suggest.location_far", lang, lat=f"{lat:.4f}", lon=f"{lon:.4f}")
    near = hits[0]
    return t("suggest.location_near", lang, district=near.station.district,
             landmark=near.station.name, distance=distance_text(near.distance_m, lang))  # fmt: skip


def on_earth(lat: float, lon: float) -> bool:
    """A real position: finite, latitude within ±90, longitude within ±180."""
    return math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180


def distance_text(metres: float | None, lang: str) -> str:
    if metres is None:
        return ""
    if metres < 1000:
        return t("unit.metres", lang, n=f"{metres:.0f}")
    return t("unit.km", lang, n=f"{metres / 1000:.1f}")


def amap_url(lat: float, lon: float, name: str) -> str:
    """A link that opens Amap (the app when installed) at a WGS-84 position, with a name:
    Amap wants GCJ-02."""
    lat, lon = wgs84_to_gcj02(lat, lon)
    return (
        f"https://uri.amap.com/marker?position={lon:.6f},{lat:.6f}&name={quote(name, safe='')}"
        "&src=nuanxin&coordinate=gaode&callnative=1"
    )
