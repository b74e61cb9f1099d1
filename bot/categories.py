"""Suggestion categories for display: the classifier's categories file is the truth."""

from __future__ import annotations

import functools
from typing import Any

from classifier import load_categories

REVIEW = "review"  # pseudo-category: waiting for a person to categorise


@functools.cache
def categories() -> tuple[Any, ...]:
    """The categories, in file order."""
    return tuple(load_categories())


def ids() -> list[str]:
    return [c.id for c in categories()]


def name(category_id: str | None, lang: str = "zh") -> str:
    """The display name of a category id (待人工分类 for none)."""
    for category in categories():
        if category.id == category_id:
            return str(category.name_en if lang == "en" else category.name_zh)
    return "needs review" if lang == "en" else "待人工分类"


def names(lang: str = "zh") -> dict[str, str]:
    return {c.id: name(c.id, lang) for c in categories()}
