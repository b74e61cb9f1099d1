"""Readers for routing.yaml (desks, rules, time limits) and districts.yaml (boundaries)."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import IO, Any

from knowledge.districts import District, Districts, district_key, fold
from knowledge.geo import gcj02_to_wgs84, out_of_china
from knowledge.load_yaml import ID_PATTERN, ID_RULE
from knowledge.problems import Problems, quote
from knowledge.routing import (
    DEFAULT_LIMITS,
    KINDS,
    SETTINGS_CHAT,
    WORKER_TYPES,
    Desk,
    Routing,
    Rule,
)
from knowledge.yamlio import Fields, Lines, decode, parse

Source = IO[str] | IO[bytes] | str | bytes
ROUTING_FIELDS = {"notice", "desks", "rules", "default", "limits"}
DESK_FIELDS = {"id", "name", "chat", "topic", "supervisor"}
RULE_FIELDS = {"desk", "categories", "districts", "worker_types", "kinds"}
DISTRICTS_FIELDS = {"notice", "coord_system", "districts"}
DISTRICT_FIELDS = {"name", "en", "aliases", "boundary"}
CHAT_RULE = "must be a Telegram chat id (a whole number such as -1001000000001) or staff"
_INTEGER = re.compile(r"^-?[0-9]+$")


def _document(stream: Source, file: str, problems: Problems) -> tuple[Any, Lines] | None:
    raw = stream if isinstance(stream, str | bytes) else stream.read()
    text = decode(raw, file, problems)
    return None if text is None else parse(text, file, problems)


def _top(
    data: Any, lines: Lines, file: str, allowed: set[str], problems: Problems
) -> Fields | None:
    """The document's top mapping; None, and a problem, when it is not a mapping."""
    if not isinstance(data, dict):
        problems.add(file, 1, "", f"the file must be a mapping ({', '.join(sorted(allowed))})")
        return None
    fields = Fields(data, file, lines, (), problems)
    fields.unknown(allowed)
    return fields


def _items(fields: Fields, key: str, *, required: bool) -> list[tuple[int, Fields]]:
    """(index, fields) of each mapping in the list under ``key``; problems for the rest."""
    value = fields.data.get(key)
    if value is None and not required:
        return []
    if not isinstance(value, list) or not value:
        fields.problem(key, "must be a list with at least one item")
        return []
    found: list[tuple[int, Fields]] = []
    for i, item in enumerate(value):
        if isinstance(item, dict):
            found.append((i, Fields(item, fields.file, fields.lines, (key, i), fields.problems)))
        else:
            line = fields.lines.line(key, i)
            fields.problems.add(fields.file, line, key, "each item must be a mapping (key: value)")
    return found


def _integer(value: Any) -> int | None:
    """A whole number from YAML (a quoted one too); None for anything else, booleans included."""
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        return int(value.strip())
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# --- routing.yaml -------------------------------------------------------------------------


def read_routing(
    stream: Source,
    file: str = "routing.yaml",
    problems: Problems | None = None,
    *,
    categories: Collection[str] | None = None,
    districts: Collection[str] | None = None,
) -> Routing:
    """Desks and rules; rules may name only ``categories`` and ``districts`` (not checked
    when None). Every problem goes to ``problems`` (raised at once when not given)."""
    own = problems is None
    problems = Problems() if problems is None else problems
    doc = _document(stream, file, problems)
    routing = Routing.empty()
    if doc is not None:
        top = _top(*doc, file, ROUTING_FIELDS, problems)
        routing = routing if top is None else _routing(top, categories, districts)
    if own:
        problems.raise_if_any()
    return routing


def _routing(
    top: Fields, categories: Collection[str] | None, districts: Collection[str] | None
) -> Routing:
    desks = _desks(top)
    known = {d.id for d in desks}
    rules = [
        (i, _rule(fields, known, categories, districts))
        for i, fields in _items(top, "rules", required=False)
    ]
    _check_unreachable(top, rules)
    default = top.text("default", required=False) or None
    if default is not None and default not in known:
        top.problem("default", f"no desk with id {quote(default)}")
    return Routing(tuple(desks), tuple(r for _, r in rules), default, _limits(top))


def _desks(top: Fields) -> list[Desk]:
    desks: list[Desk] = []
    ids: dict[str, int] = {}
    names: dict[str, int] = {}
    for _, fields in _items(top, "desks", required=True):
        fields.unknown(DESK_FIELDS)
        desk_id, name = _desk_id(fields, ids), fields.text("name")
        line = fields.lines.line(*fields.path, "name")
        if name and fold(name) in names:
            fields.problem("name", f"{quote(name)} is also the name on line {names[fold(name)]}")
        names.setdefault(fold(name), line)
        chat = _chat(fields, "chat", required=True)
        supervisor = _chat(fields, "supervisor", required=False)
        topic = _topic(fields)
        if desk_id and name and chat is not None:
            desks.append(Desk(desk_id, name, chat, topic, supervisor))
    return desks


def _desk_id(fields: Fields, seen: dict[str, int]) -> str:
    desk_id = fields.text("id")
    if desk_id and not ID_PATTERN.match(desk_id):
        fields.problem("id", f"{quote(desk_id)} {ID_RULE}")
        return ""
    if desk_id in seen:
        fields.problem("id", f"duplicate id {quote(desk_id)} (first on line {seen[desk_id]})")
        return ""
    if desk_id:
        seen[desk_id] = fields.lines.line(*fields.path, "id")
    return desk_id


def _chat(fields: Fields, key: str, *, required: bool) -> int | None:
    """A chat id; ``staff`` is ``SETTINGS_CHAT`` (the bot's STAFF_CHAT_ID)."""
    value = fields.data.get(key)
    if value is None:
        if required:
            fields.problem(key, f"is missing: it {CHAT_RULE}")
        return None
    if isinstance(value, str) and fold(value) == "staff":
        return SETTINGS_CHAT
    chat = _integer(value)
    if chat is None or chat == 0:
        fields.problem(key, f"{quote(value)}: {CHAT_RULE}")
        return None
    return chat


def _topic(fields: Fields) -> int | None:
    value = fields.data.get("topic")
    if value is None:
        return None
    topic = _integer(value)
    if topic is None or topic <= 0:
        fields.problem("topic", f"{quote(value)}: must be a forum topic id (a whole number > 0)")
        return None
    return topic


def _rule(
    fields: Fields,
    desks: set[str],
    categories: Collection[str] | None,
    districts: Collection[str] | None,
) -> Rule:
    fields.unknown(RULE_FIELDS)
    desk = fields.text("desk")
    if desk and desk not in desks:
        fields.problem("desk", f"no desk with id {quote(desk)}")
    return Rule(
        desk=desk,
        categories=_values(fields, "categories", "category", categories),
        districts=_districts(fields, districts),
        worker_types=_values(fields, "worker_types", "worker type", WORKER_TYPES),
        kinds=_values(fields, "kinds", "kind", KINDS),
    )


def _values(fields: Fields, key: str, what: str, known: Collection[str] | None) -> frozenset[str]:
    values = fields.texts(key)
    for j, value in enumerate(values):
        if known is not None and value not in known:
            expected = ", ".join(known)
            line = fields.lines.line(*fields.path, key, j)
            fields.problems.add(
                fields.file,
                line,
                key,
                f"unknown {what} {quote(value)} (expected one of: {expected})",
            )
    return frozenset(values)


def _districts(fields: Fields, districts: Collection[str] | None) -> frozenset[str]:
    """The rule's districts by their full names (大洼 -> 大洼区), when the names are known."""
    values = fields.texts("districts")
    if districts is None:
        return frozenset(values)
    names = {district_key(n): n for n in districts}
    found: set[str] = set()
    for j, value in enumerate(values):
        name = names.get(district_key(value))
        if name is None:
            line = fields.lines.line(*fields.path, "districts", j)
            expected = ", ".join(districts) or "none: the districts file has no districts"
            fields.problems.add(
                fields.file,
                line,
                "districts",
                f"unknown district {quote(value)} (expected one of: {expected})",
            )
        else:
            found.add(name)
    return frozenset(found)


def _check_unreachable(top: Fields, rules: list[tuple[int, Rule]]) -> None:
    """A rule with no condition matches every case: the rules after it never apply."""
    for i, rule in rules[:-1]:
        if rule.conditions == 0:
            top.problems.add(
                top.file,
                top.lines.line("rules", i),
                "rules",
                "this rule has no condition, so the rules after it never apply: "
                "move it to the end, or use default:",
            )


def _limits(top: Fields) -> dict[str, int]:
    limits = dict(DEFAULT_LIMITS)
    value = top.data.get("limits")
    if value is None:
        return limits
    if not isinstance(value, dict):
        top.problem("limits", "must be a mapping of kind: working days")
        return limits
    for kind, days in value.items():
        line = top.lines.line("limits", str(kind))
        number = _integer(days)
        if kind not in KINDS:
            expected = ", ".join(KINDS)
            message = f"unknown kind {quote(kind)} (expected one of: {expected})"
            top.problems.add(top.file, line, "limits", message)
        elif number is None or number <= 0:
            message = f"{kind}: must be a whole number of working days (> 0), not {quote(days)}"
            top.problems.add(top.file, line, "limits", message)
        else:
            limits[kind] = number
    return limits


# --- districts.yaml -----------------------------------------------------------------------


def read_districts(
    stream: Source, file: str = "districts.yaml", problems: Problems | None = None
) -> Districts:
    """District boundaries and aliases; every problem goes to ``problems`` (raised at once
    when not given)."""
    own = problems is None
    problems = Problems() if problems is None else problems
    doc = _document(stream, file, problems)
    districts = Districts.empty()
    if doc is not None:
        top = _top(*doc, file, DISTRICTS_FIELDS, problems)
        districts = districts if top is None else Districts(_district_list(top))
    if own:
        problems.raise_if_any()
    return districts


def _district_list(top: Fields) -> list[District]:
    system = fold(top.text("coord_system", required=False) or "wgs84").replace("-", "")
    if system not in ("wgs84", "gcj02"):
        top.problem("coord_system", f"unknown coordinate system {quote(system)} (wgs84 or gcj02)")
    found: list[District] = []
    owners: dict[str, str] = {}  # folded name or alias -> the district it belongs to
    for _, fields in _items(top, "districts", required=True):
        fields.unknown(DISTRICT_FIELDS)
        name = _district_name(fields, owners)
        aliases = _aliases(fields, name, owners)
        boundary = _boundary(fields, gcj02=system == "gcj02")
        english = fields.text("en", required=False, max_len=80)  # optional English name
        if name and boundary:
            found.append(District(name, aliases, boundary, en=english))
    return found


def _district_name(fields: Fields, owners: dict[str, str]) -> str:
    name = fields.text("name")
    if not name:
        return ""
    for key in (fold(name), district_key(name)):
        if key in owners:
            fields.problem("name", f"{quote(name)} is already used by {quote(owners[key])}")
            return ""
    for key in (fold(name), district_key(name)):
        owners[key] = name
    return name


def _aliases(fields: Fields, name: str, owners: dict[str, str]) -> tuple[str, ...]:
    aliases = fields.texts("aliases")
    for j, alias in enumerate(aliases if name else ()):  # a nameless district owns nothing
        owner = owners.setdefault(fold(alias), name)
        if owner != name:
            line = fields.lines.line(*fields.path, "aliases", j)
            message = f"{quote(alias)} is already used by {quote(owner)}"
            fields.problems.add(fields.file, line, "aliases", message)
    return aliases


def _boundary(fields: Fields, *, gcj02: bool) -> tuple[tuple[float, float], ...]:
    """(lat, lon) corners in WGS-84; empty, with problems, when any corner is wrong."""
    value = fields.data.get("boundary")
    if not isinstance(value, list) or len(value) < 3:
        fields.problem("boundary", "must be a list of at least 3 [longitude, latitude] corners")
        return ()
    corners = [_corner(fields, j, item) for j, item in enumerate(value)]
    if any(c is None for c in corners):
        return ()
    points = tuple(gcj02_to_wgs84(*c) if gcj02 else c for c in corners if c is not None)
    if _area(points) == 0:
        fields.problem("boundary", "the corners lie on one line: the district has no area")
        return ()
    return points


def _corner(fields: Fields, j: int, item: Any) -> tuple[float, float] | None:
    def problem(message: str) -> None:
        line = fields.lines.line(*fields.path, "boundary", j)
        fields.problems.add(fields.file, line, "boundary", message)

    numbers = isinstance(item, list) and all(
        isinstance(n, int | float) and not isinstance(n, bool) for n in item
    )
    if not numbers or len(item) != 2:
        problem("a corner must be two numbers [longitude, latitude], e.g. [122.07, 41.12]")
        return None
    lon, lat = float(item[0]), float(item[1])
    if out_of_china(lat, lon):
        hint = " (write [longitude, latitude]: swapped?)" if not out_of_china(lon, lat) else ""
        problem(f"[{item[0]}, {item[1]}] is outside China{hint}")
        return None
    return lat, lon


def _area(points: tuple[tuple[float, float], ...]) -> float:
    """Twice the signed area (shoelace), in square degrees: 0 for a degenerate boundary."""
    return sum(
        a[1] * b[0] - b[1] * a[0] for a, b in zip(points, points[1:] + points[:1], strict=True)
    )
