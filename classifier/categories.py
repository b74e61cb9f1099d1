"""The suggestion categories, read from ``categories.yaml`` (the single source of truth)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from classifier.errors import DataError

CATEGORIES_FILE = Path(__file__).with_name("categories.yaml")
FIELDS = ("id", "name_zh", "name_en", "description", "routing")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Category:
    """One suggestion category."""

    id: str
    name_zh: str
    name_en: str
    description: str
    routing: str


def load_categories(path: str | Path | None = None) -> list[Category]:
    """Read and validate a categories file (default: the package's ``categories.yaml``).

    Raises :class:`DataError` listing every problem as ``file: item N: field: problem``.
    """
    path = Path(path) if path is not None else CATEGORIES_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read the categories file: {exc}") from exc
    if not isinstance(raw, list) or not raw:
        raise DataError(f"{path}: expected a YAML list of categories with fields {FIELDS}")
    problems: list[str] = []
    categories = [c for i, item in enumerate(raw, 1) if (c := _parse(item, i, problems))]
    ids = [c.id for c in categories]
    problems += [f"id: {i!r} appears more than once" for i in sorted(set(ids)) if ids.count(i) > 1]
    if problems:
        raise DataError("\n".join(f"{path}: {p}" for p in problems))
    return categories


def _parse(item: Any, number: int, problems: list[str]) -> Category | None:
    if not isinstance(item, dict):
        problems.append(f"item {number}: expected a mapping with fields {', '.join(FIELDS)}")
        return None
    found = len(problems)
    for field in FIELDS:
        value = item.get(field)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"item {number}: {field}: missing or empty")
    unknown = sorted(set(item) - set(FIELDS))
    if unknown:
        problems.append(f"item {number}: unknown field(s) {', '.join(map(str, unknown))}")
    if isinstance(item.get("id"), str) and not _ID.match(item["id"]):
        problems.append(f"item {number}: id: {item['id']!r} must be lower_snake_case")
    if len(problems) > found:
        return None
    return Category(**{field: item[field].strip() for field in FIELDS})
