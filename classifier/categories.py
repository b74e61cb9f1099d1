"""The suggestion categories file (`categories.yaml`), loaded into frozen records."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

CATEGORIES_FILE = Path(__file__).resolve().parent / "categories.yaml"
FIELDS = ("id", "name_zh", "name_en", "description", "routing")


@dataclass(frozen=True)
class Category:
    id: str
    name_zh: str
    name_en: str
    description: str
    routing: str


class CategoriesError(ValueError):
    """The categories file is not usable; the message names the file and the problem."""


def load_categories(path: str | Path | None = None) -> list[Category]:
    """The categories in file order; every field required, ids unique."""
    source = Path(path) if path is not None else CATEGORIES_FILE
    entries = yaml.safe_load(source.read_text(encoding="utf-8"))
    if not isinstance(entries, list) or not entries:
        raise CategoriesError(f"{source}: expected a list of categories")
    found: list[Category] = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or any(not entry.get(f) for f in FIELDS):
            raise CategoriesError(f"{source}: entry {number} needs {', '.join(FIELDS)}")
        found.append(Category(**{f: str(entry[f]) for f in FIELDS}))
    ids = [c.id for c in found]
    if len(set(ids)) != len(ids):
        raise CategoriesError(f"{source}: duplicate category ids")
    return found
