"""What staff type to narrow a list (`/inbox`, `/export`): categories, statuses, kinds and
desks, by id or by name in either language (`/inbox 已答复`, `/inbox 劳动权益保障`,
`/inbox answered`, `/export 交通组 咨询`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.catalog import Lang, label
from bot.domain import REVIEW, Kind, Status, category_ids
from knowledge import Routing

ALL_DESKS = ("all", "全部", "所有")


@dataclass(frozen=True)
class Filters:
    """A list's filters; None: any. `all_desks`: not only the desks of this chat."""

    category: str | None = None
    status: Status | None = None
    kind: Kind | None = None
    desk: str | None = None
    all_desks: bool = False


def fold(word: str) -> str:
    """Case, width and spaces do not matter (Ａ, a; 劳动权益 保障)."""
    return "".join(word.split()).casefold()


def _names(family: str, value: str) -> set[str]:
    """An id and its labels in every language, folded; emoji prefixes dropped."""
    names = {fold(value)}
    for lang in Lang:
        shown = label(family, value, lang)
        names.add(fold(shown))
        names.add(fold(shown.split(" ", 1)[-1]))  # "😊 满意" -> "满意"
    return names


def _lookup(family: str, values: Iterable[str]) -> dict[str, str]:
    return {name: value for value in values for name in _names(family, value)}


def parse_word(word: str, routing: Routing) -> Filters | None:
    """One word as a filter, or None when it names nothing."""
    wanted = fold(word)
    if not wanted:
        return None
    if wanted in ALL_DESKS:
        return Filters(all_desks=True)
    categories = _lookup("category", [*category_ids(), REVIEW])
    if wanted in categories:
        return Filters(category=categories[wanted])
    statuses = _lookup("status", list(Status))
    if wanted in statuses:
        return Filters(status=Status(statuses[wanted]))
    kinds = _lookup("kind", list(Kind))
    if wanted in kinds:
        return Filters(kind=Kind(kinds[wanted]))
    desk = routing.find_desk(word)
    return Filters(desk=desk.id) if desk is not None else None


def merge(a: Filters, b: Filters) -> Filters:
    return Filters(
        category=b.category or a.category,
        status=b.status or a.status,
        kind=b.kind or a.kind,
        desk=b.desk or a.desk,
        all_desks=a.all_desks or b.all_desks,
    )


def parse(words: Iterable[str], routing: Routing) -> tuple[Filters, list[str]]:
    """The filters the words name, and the words that named nothing (for the caller's
    other arguments or its usage message)."""
    found, rest = Filters(), []
    for word in words:
        one = parse_word(word, routing)
        if one is None:
            rest.append(word)
        else:
            found = merge(found, one)
    return found, rest


def usage_names(routing: Routing, lang: Lang | str) -> dict[str, str]:
    """The names staff can type, per kind of filter, for a usage message."""
    return {
        "categories": "、".join(label("category", c, lang) for c in [*category_ids(), REVIEW]),
        "statuses": "、".join(label("status", s, lang) for s in Status),
        "kinds": "、".join(label("kind", k, lang) for k in Kind),
        "desks": "、".join(d.name for d in routing.desks) or "-",
    }
