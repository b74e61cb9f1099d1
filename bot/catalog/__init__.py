"""The catalog: every text and label a user sees, in Chinese and English, kept as data.

    t("suggest.receipt", "zh", code="NX-20261128-0001")   # values HTML-escaped
    t("admin.reload_failed", "en", count=2, problems=...)  # plural form chosen by count
    label("status", Status.ANSWERED, "zh")                  # -> "已答复"

Texts live in `messages.yaml` next to this file; category names come from the classifier's
categories file, which is the truth for categories. Why YAML (and not gettext or Fluent):
both languages of a text sit side by side for the people who edit them, the file needs no
build step, PyYAML is already a dependency, and the two plural forms English needs fit in a
small mapping. `tests/test_catalog.py` checks every key in both languages, placeholders,
plurals, and that no key is dead.
"""

from __future__ import annotations

import functools
import html
import string
from collections.abc import Iterable, Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from classifier import load_categories

MESSAGES = Path(__file__).with_name("messages.yaml")
PLURAL_FORMS = ("one", "other")
_FORMATTER = string.Formatter()


class Lang(StrEnum):
    """The languages the bot speaks; Chinese is the default."""

    ZH = "zh"
    EN = "en"


def lang_of(code: str | None) -> Lang:
    """Our language for a client's language code: English for `en*`, Chinese otherwise."""
    return Lang.EN if code and code.lower().startswith("en") else Lang.ZH


class CatalogError(ValueError):
    """The catalog file is malformed; the message names the key."""


Forms = dict[str, str]  # plural form ("one", "other") -> template


class Catalog:
    """Templates by key and language, with plural forms."""

    def __init__(self, entries: Mapping[str, Mapping[Lang, Forms]]) -> None:
        self._entries = {key: dict(by_lang) for key, by_lang in entries.items()}

    @classmethod
    def from_file(cls, path: Path = MESSAGES, with_categories: bool = True) -> Catalog:
        """Read `messages.yaml` (and the category names); raise CatalogError when malformed."""
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_loader())
        if not isinstance(raw, dict):
            raise CatalogError(f"{path}: expected a mapping of keys")
        entries = {str(key): _parse_entry(str(key), value) for key, value in raw.items()}
        if with_categories:
            for category in load_categories():
                key = f"category.{category.id}"
                if key in entries:
                    raise CatalogError(f"{key}: category names belong in categories.yaml")
                entries[key] = {Lang.ZH: {"other": category.name_zh},
                                Lang.EN: {"other": category.name_en}}  # fmt: skip
        return cls(entries)

    def all_keys(self) -> list[str]:
        return list(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def forms(self, key: str, lang: str) -> Forms:
        """The plural forms of `key` in `lang` (a single "other" form for most texts)."""
        return self._entries[key][Lang(lang) if lang in _LANGS else Lang.ZH]

    def template(self, key: str, lang: str, count: object = None) -> str:
        """The template of `key` in `lang`, in the plural form `count` asks for."""
        forms = self.forms(key, lang)
        if len(forms) == 1:
            return forms["other"]
        if count is None:
            raise KeyError(f"{key} has plural forms: pass count=")
        return forms[plural_form(lang, count)]

    def placeholders(self, key: str, lang: str) -> set[str]:
        """The names of `{placeholders}` in every form of `key` in `lang`."""
        return {name for form in self.forms(key, lang).values() for name in _fields(form)}


_LANGS = frozenset(lang.value for lang in Lang)


def plural_form(lang: str, count: object) -> str:
    """CLDR plural category: English has one/other, Chinese only other."""
    if lang == Lang.EN and str(count).strip() in ("1", "1.0"):
        return "one"
    return "other"


def _fields(template: str) -> list[str]:
    return [name for _, name, _, _ in _FORMATTER.parse(template) if name]


def _parse_entry(key: str, value: Any) -> dict[Lang, Forms]:
    if not isinstance(value, dict) or set(value) != _LANGS:
        raise CatalogError(f"{key}: give exactly zh and en")
    entry: dict[Lang, Forms] = {}
    for lang in Lang:
        text = value[lang.value]
        if isinstance(text, list):  # a word list (words.*): one word per line
            text = "\n".join(str(word) for word in text)
        if isinstance(text, str):
            entry[lang] = {"other": text}
        elif isinstance(text, dict) and "other" in text and set(text) <= set(PLURAL_FORMS):
            entry[lang] = {str(form): str(body) for form, body in text.items()}
        else:
            raise CatalogError(f"{key}.{lang}: a text, or plural forms {PLURAL_FORMS}")
    return entry


def _loader() -> Any:
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@functools.cache
def catalog() -> Catalog:
    """The catalog of this installation, read once."""
    return Catalog.from_file()


def esc(value: object) -> str:
    """HTML-escape a value for a formatted message."""
    return html.escape(str(value), quote=False)


def t(key: str, lang: str, **values: Any) -> str:
    """The text `key` in `lang`, with `values` HTML-escaped and filled in."""
    template = catalog().template(key, lang, values.get("count"))
    return template.format(**{name: esc(value) for name, value in values.items()})


def t_html(key: str, lang: str, **values: Any) -> str:
    """Like `t`, for values that are already safe HTML (built from `t` calls)."""
    return catalog().template(key, lang, values.get("count")).format(**values)


def label(family: str, value: str | None, lang: str) -> str:
    """The display label of a vocabulary value (`status`, `worker_type`, `category`...);
    an unknown value is shown as it is."""
    if value is None:
        return ""
    key = f"{family}.{value}"
    return catalog().template(key, lang) if key in catalog() else str(value)


def labels(family: str, values: Iterable[str], lang: str) -> dict[str, str]:
    """value -> display label, for every value of a family."""
    return {value: label(family, value, lang) for value in values}
