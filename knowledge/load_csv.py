"""Reader for stations.csv as admins save it from Excel (UTF-8, with or without a BOM)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import IO

from knowledge.geo import gcj02_to_wgs84, out_of_china
from knowledge.hours import HoursError, OpeningHours
from knowledge.load_yaml import ID_PATTERN, ID_RULE
from knowledge.problems import REASON, Problems, printable, quote
from knowledge.stations import Station
from knowledge.vocab import SERVICES, service_key, station_type_key
from knowledge.yamlio import decode
from textnorm import normalize

COLUMNS = (
    "id",
    "name",
    "type",
    "district",
    "address",
    "latitude",
    "longitude",
    "coord_system",
    "services",
    "hours",
    "phone",
)
OPTIONAL = {"phone", "name_en", "address_en", "note", "备注"}
SAVE_AS = "'CSV UTF-8 (Comma delimited)' (Excel: File > Save As > CSV UTF-8)"
_SERVICE_SPLIT = re.compile(r"[|;；、]")
_PHONE = re.compile(r"^[0-9+\-() 转/]{3,40}$")
_COORD_SYSTEMS = {"wgs84": "wgs84", "wgs-84": "wgs84", "gcj02": "gcj02", "gcj-02": "gcj02"}


class _Row:
    """One CSV row with its line, recording problems against its fields."""

    def __init__(self, cells: dict[str, str], file: str, line: int, problems: Problems) -> None:
        self.cells, self.file, self.line, self.problems = cells, file, line, problems

    def problem(self, field: str, message: str) -> None:
        self.problems.add(self.file, self.line, field, message)

    def get(self, field: str, *, required: bool = True) -> str:
        value = (self.cells.get(field) or "").strip()
        if not value and required:
            self.problem(field, "is missing")
        return value


def read_stations(
    stream: IO[str] | IO[bytes] | str | bytes,
    file: str = "stations.csv",
    problems: Problems | None = None,
) -> list[Station]:
    """Stations in WGS-84; every problem goes to ``problems`` (raised when not given)."""
    own = problems is None
    problems = Problems() if problems is None else problems
    raw = stream if isinstance(stream, str | bytes) else stream.read()
    text = decode(raw, file, problems, save_as=SAVE_AS)
    stations = [] if text is None else _stations(text, file, problems)
    if own:
        problems.raise_if_any()
    return stations


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line, cells) of each row that is neither blank nor a '#' comment."""
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    for cells in reader:
        start, line = line, reader.line_num + 1
        if not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue
        yield start, cells


def _stations(text: str, file: str, problems: Problems) -> list[Station]:
    rows = _rows(text)
    try:
        header_line, header = next(rows)
    except StopIteration:
        problems.add(file, 0, "", "is empty: the first row must name the columns")
        return []
    except csv.Error as exc:
        problems.add(file, 1, "", f"is not a valid CSV file: {printable(str(exc), REASON)}")
        return []
    columns = [normalize(c) for c in header]
    if not _check_header(columns, file, header_line, problems):
        return []
    stations: list[Station] = []
    seen: dict[str, int] = {}
    try:
        for line, cells in rows:
            row = _Row(dict(zip(columns, cells, strict=False)), file, line, problems)
            if len(cells) > len(columns):
                row.problem("", f"has {len(cells)} cells but the header has {len(columns)}")
            station = _station(row, seen)
            if station is not None:
                stations.append(station)
    except csv.Error as exc:
        problems.add(file, 0, "", f"is not a valid CSV file: {printable(str(exc), REASON)}")
    return stations


def _check_header(columns: list[str], file: str, line: int, problems: Problems) -> bool:
    ok = True
    for name in COLUMNS:
        if name not in columns and name not in OPTIONAL:
            problems.add(file, line, name, "missing column")
            ok = False
    for name in columns:
        if name not in COLUMNS and name not in OPTIONAL:
            problems.add(file, line, name, f"unknown column (expected: {', '.join(COLUMNS)})")
    return ok


def _station(row: _Row, seen: dict[str, int]) -> Station | None:
    before = len(row.problems.items)
    station_id = _station_id(row, seen)
    kind = _station_type(row)
    position = _position(row)
    services = _services(row)
    hours = _hours(row)
    phone = row.get("phone", required=False)
    if phone and not _PHONE.match(phone):
        row.problem("phone", f"{quote(phone)} is not a phone number")
    name, district, address = (row.get(f) for f in ("name", "district", "address"))
    name_en, address_en = (row.get(f, required=False) for f in ("name_en", "address_en"))
    if len(row.problems.items) > before or position is None:
        return None
    return Station(station_id, name, kind, district, address, *position, services, hours, phone,
                   name_en=name_en, address_en=address_en)  # fmt: skip


def _station_id(row: _Row, seen: dict[str, int]) -> str:
    station_id = row.get("id")
    if station_id and not ID_PATTERN.match(station_id):
        row.problem("id", f"{quote(station_id)} {ID_RULE}")
    elif station_id in seen:
        row.problem("id", f"duplicate id {quote(station_id)} (first on line {seen[station_id]})")
    elif station_id:
        seen[station_id] = row.line
    return station_id


def _station_type(row: _Row) -> str:
    value = row.get("type")
    key = station_type_key(value) if value else None
    if value and key is None:
        row.problem(
            "type",
            f"unknown station type {quote(value)} (use 工会驿站, 司机之家, 的士驿站 or 暖新驿站)",
        )
    return key or ""


def _number(row: _Row, field: str) -> float | None:
    value = row.get(field)
    if not value:
        return None
    try:
        return float(normalize(value))
    except ValueError:
        row.problem(field, f"{quote(value)} is not a number")
        return None


def _position(row: _Row) -> tuple[float, float] | None:
    lat, lon = _number(row, "latitude"), _number(row, "longitude")
    system = normalize(row.get("coord_system"))
    if system and system not in _COORD_SYSTEMS:
        row.problem(
            "coord_system", f"unknown coordinate system {quote(system)} (use wgs84 or gcj02)"
        )
    if lat is None or lon is None:
        return None
    if out_of_china(lat, lon):
        hint = " (latitude and longitude swapped?)" if not out_of_china(lon, lat) else ""
        row.problem("latitude", f"{lat}, {lon} is outside China{hint}")
        return None
    if _COORD_SYSTEMS.get(system) == "gcj02":
        return gcj02_to_wgs84(lat, lon)
    return lat, lon


def _services(row: _Row) -> tuple[str, ...]:
    names = [n.strip() for n in _SERVICE_SPLIT.split(row.get("services")) if n.strip()]
    keys: list[str] = []
    for name in names:
        key = service_key(name)
        if key is None:
            known = ", ".join(SERVICES)
            row.problem("services", f"unknown service {quote(name)} (known: {known})")
        elif key not in keys:
            keys.append(key)
    return tuple(keys)


def _hours(row: _Row) -> str:
    value = row.get("hours")
    if value:
        try:
            OpeningHours.parse(value)
        except HoursError as exc:
            row.problem("hours", str(exc))
    return value
