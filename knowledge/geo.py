"""Coordinates: GCJ-02 to WGS-84, distances, and unit vectors for the spatial index.

Chinese map apps (Amap, Tencent) give GCJ-02 coordinates; Telegram locations are WGS-84.
The forward transform below is the widely published one; the inverse is found by
fixed-point iteration, accurate to well under a metre.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

EARTH_RADIUS_M = 6_371_008.8
_KRASOVSKY_A = 6378245.0  # semi-major axis used by the GCJ-02 obfuscation
_KRASOVSKY_EE = 0.00669342162296594323


def out_of_china(lat: float, lon: float) -> bool:
    """True outside the rough box in which GCJ-02 applies (the standard test)."""
    return not (72.004 <= lon <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lat: float, lon: float) -> tuple[float, float]:
    """The GCJ-02 shift (degrees of latitude, longitude) at a WGS-84 point."""
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _KRASOVSKY_EE * math.sin(rad) ** 2
    sqrt_magic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_KRASOVSKY_A * (1 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_KRASOVSKY_A / sqrt_magic * math.cos(rad) * math.pi)
    return dlat, dlon


def wgs84_to_gcj02(lat: float, lon: float) -> tuple[float, float]:
    """WGS-84 to GCJ-02 (unchanged outside China)."""
    if out_of_china(lat, lon):
        return lat, lon
    dlat, dlon = _gcj_offset(lat, lon)
    return lat + dlat, lon + dlon


def gcj02_to_wgs84(lat: float, lon: float) -> tuple[float, float]:
    """GCJ-02 to WGS-84 by fixed-point iteration (error below 0.01 m)."""
    if out_of_china(lat, lon):
        return lat, lon
    wlat, wlon = lat, lon
    for _ in range(30):
        glat, glon = wgs84_to_gcj02(wlat, wlon)
        dlat, dlon = glat - lat, glon - lon
        wlat, wlon = wlat - dlat, wlon - dlon
        if max(abs(dlat), abs(dlon)) < 1e-10:
            break
    return wlat, wlon


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def unit_vectors(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
    """Points on the unit sphere, one row per coordinate (for a KD-tree)."""
    p, lam = np.radians(lat), np.radians(lon)
    return np.column_stack((np.cos(p) * np.cos(lam), np.cos(p) * np.sin(lam), np.sin(p)))


def chord_to_m(chord: NDArray[np.float64]) -> NDArray[np.float64]:
    """Great-circle metres from chord lengths on the unit sphere."""
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, chord / 2))


def m_to_chord(metres: float) -> float:
    """Chord length on the unit sphere for a great-circle distance."""
    return 2 * math.sin(min(math.pi, metres / EARTH_RADIUS_M) / 2)
