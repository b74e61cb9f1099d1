"""The catalog: every key the code uses exists in both languages, no key is dead, the
placeholders of a text match across languages, plurals are complete, HTML is valid."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.catalog import PLURAL_FORMS, Catalog, CatalogError, Lang, catalog, label, t
from bot.core.buttons import MenuItem, Part, StationFilterKey
from bot.core.engine import COMMANDS
from bot.domain import REVIEW, Kind, Rating, Status, WorkerType, category_ids
from knowledge import EMERGENCIES, SERVICES, STATION_TYPES
from standin.faults import parse_html

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "bot").rglob("*.py"))
TEXT_CALLS = {"t", "t_html", "said"}

# Keys built from a value at run time: each family is complete for its vocabulary.
FAMILIES: dict[str, set[str]] = {
    "status": {s.value for s in Status},
    "worker_type": {w.value for w in WorkerType},
    "category": {*category_ids(), REVIEW},
    "command": set(COMMANDS),
    "kind": {k.value for k in Kind},
    "rating": {r.value for r in Rating},
    "service": set(SERVICES),
    "station_type": set(STATION_TYPES),
    "emergency": set(EMERGENCIES),
    "menu": {m.value for m in MenuItem},
    "suggest.edit": {p.value for p in Part},
    "stations.f": {k.value for k in StationFilterKey},
}


def family_keys() -> set[str]:
    keys = set()
    for family, values in FAMILIES.items():
        joiner = "_" if family in ("suggest.edit", "stations.f") else "."
        keys |= {f"{family}{joiner}{value}" for value in values}
    return keys


def string_constants(path: Path) -> set[str]:
    return {
        node.value
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def text_call_keys(path: Path) -> set[str]:
    """First arguments of t(), t_html(), ctx.t() and said() that are string literals."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        first = node.args[0]
        if name in TEXT_CALLS and isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.add(first.value)
    return found


def test_every_key_a_text_call_names_exists() -> None:
    keys = set(catalog().all_keys())
    files = [*SOURCES, *sorted((ROOT / "tests").glob("*.py"))]
    missing = {f"{p.relative_to(ROOT)}: {k}" for p in files for k in text_call_keys(p) - keys}
    assert not missing


def test_every_key_like_string_in_the_code_exists() -> None:
    """A typo in a key passed through a variable (a step's hint, a problem's key) is caught."""
    keys = set(catalog().all_keys())
    prefixes = {key.split(".")[0] for key in keys if "." in key}
    shaped = re.compile(r"^([a-z_]+)\.[a-z_]+(\.[a-z_]+)?$")
    missing = set()
    for path in SOURCES:
        for value in string_constants(path):
            match = shaped.match(value)
            fstring_head = value.endswith("_")  # f"stations.f_{key}": a family, tested apart
            if match and match.group(1) in prefixes and value not in keys and not fstring_head:
                missing.add(f"{path.relative_to(ROOT)}: {value}")
    assert not missing


def test_no_key_is_dead() -> None:
    used = set().union(*(string_constants(path) for path in SOURCES)) | family_keys()
    dead = [key for key in catalog().all_keys() if key not in used]
    assert not dead, f"keys no code uses (delete them, or use them): {dead}"


def test_families_are_complete() -> None:
    assert not family_keys() - set(catalog().all_keys())


@pytest.mark.parametrize("key", catalog().all_keys())
def test_placeholders_match_across_languages(key: str) -> None:
    assert catalog().placeholders(key, Lang.ZH) == catalog().placeholders(key, Lang.EN)


@pytest.mark.parametrize("key", catalog().all_keys())
def test_every_text_is_valid_telegram_html(key: str) -> None:
    for lang in Lang:
        for form in catalog().forms(key, lang).values():
            filled = form.format(**dict.fromkeys(catalog().placeholders(key, lang), "x"))
            parse_html(filled)  # raises on a tag Telegram would refuse


def test_plurals_follow_the_count() -> None:
    plural = [k for k in catalog().all_keys() if len(catalog().forms(k, Lang.EN)) > 1]
    assert plural, "some English texts count things"
    for key in plural:
        assert set(catalog().forms(key, Lang.EN)) == set(PLURAL_FORMS)
        assert "count" in catalog().placeholders(key, Lang.EN)
    one = t("delete.done", "en", count=1)
    many = t("delete.done", "en", count=3)
    assert "1 suggestion or question is" in one and "3 suggestions and questions are" in many
    assert t("delete.done", "zh", count=1) != t("delete.done", "zh", count=3)


def test_values_are_escaped_and_labels_are_plain() -> None:
    assert "&lt;b&gt;" in t("my.answer", "zh", answer="<b>")
    assert label("status", Status.ANSWERED, "zh") == "已答复"
    assert label("status", "nonsense", "en") == "nonsense"  # shown as it is, never a KeyError


def test_a_malformed_catalog_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "messages.yaml"
    broken.write_text("start:\n  zh: 你好\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="start"):
        Catalog.from_file(broken, with_categories=False)
    broken.write_text("start:\n  zh: 你好\n  en:\n    few: x\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="start"):
        Catalog.from_file(broken, with_categories=False)
