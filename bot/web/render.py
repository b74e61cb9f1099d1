"""The core's actions as the page shows them (see API.md): texts as a tree of nodes (never
HTML the page would have to trust), buttons, keyboards, places with a navigation link."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from typing import Any

from bot.core import places
from bot.core.actions import (
    AskReply,
    Button,
    Buttons,
    Document,
    Keys,
    Markup,
    Message,
    Picture,
    Recording,
    RemoveKeys,
    Venue,
)

Node = str | dict[str, Any]
TAGS = frozenset({"b", "i", "u", "s", "code", "pre", "a"})
ALIASES = {"strong": "b", "em": "i", "ins": "u", "strike": "s", "del": "s", "tg-spoiler": "i"}
SCHEMES = ("http://", "https://", "tel:")


class _Tree(HTMLParser):
    """The core's small HTML subset (<b>, <i>, <a href>, ...) as nested nodes; any other
    tag is dropped with its text kept, a link to anything but http(s)/tel loses its href."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: list[Node] = []
        self.stack: list[list[Node]] = [self.root]
        self.open: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = ALIASES.get(tag, tag)
        if tag not in TAGS:
            self.open.append(None)
            return
        node: dict[str, Any] = {"tag": tag, "children": []}
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if not href.startswith(SCHEMES):
                self.open.append(None)
                return
            node["href"] = href
        self.stack[-1].append(node)
        self.stack.append(node["children"])
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open:
            return
        if self.open.pop() is not None and len(self.stack) > 1:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        children = self.stack[-1]
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)


def nodes(html: str) -> list[Node]:
    tree = _Tree()
    tree.feed(html)
    tree.close()
    return tree.root


def plain(html: str) -> str:
    """The text of an HTML string, without its tags (a toast, an error)."""
    return "".join(_text(node) for node in nodes(html))


def _text(node: Node) -> str:
    return node if isinstance(node, str) else "".join(_text(c) for c in node["children"])


def buttons(markup: Markup | None) -> list[list[dict[str, str]]]:
    if not isinstance(markup, Buttons):
        return []
    rows = [[{"label": b.label, "data": b.data} for b in row if isinstance(b, Button)]
            for row in markup.rows]  # fmt: skip
    return [row for row in rows if row]


def keys(markup: Markup | None) -> list[list[dict[str, str]]] | None:
    """The keyboard a message brings (None: none, or it takes the keyboard away)."""
    if not isinstance(markup, Keys):
        return None
    return [[{"label": k.label, "request": k.request.value} for k in row] for row in markup.rows]


def changes_keys(markup: Markup | None) -> bool:
    return isinstance(markup, Keys | RemoveKeys)


@dataclass
class Body:
    """One message as the page shows it (without its id, which the database gives)."""

    kind: str
    nodes: list[Node]
    buttons: list[list[dict[str, str]]] = field(default_factory=list)
    sender: str = "bot"
    extra: dict[str, Any] = field(default_factory=dict)

    def json(self, at: datetime) -> dict[str, Any]:
        return {"from": self.sender, "kind": self.kind, "nodes": self.nodes,
                "buttons": self.buttons, "at": at.isoformat(), **self.extra}  # fmt: skip


def body_of(action: Message | Venue | Picture | Document | Recording) -> Body:
    """A message the bot sends, as the page shows it."""
    if isinstance(action, Message):
        markup = None if isinstance(action.markup, AskReply) else action.markup
        return Body("text", nodes(action.text), buttons(markup))
    if isinstance(action, Venue):
        nav = places.amap_url(action.latitude, action.longitude, action.title)
        venue = {"lat": action.latitude, "lon": action.longitude, "title": action.title,
                 "address": action.address, "nav": nav}  # fmt: skip
        return Body("venue", [action.title], extra={"venue": venue})
    caption = action.caption or ""
    if isinstance(action, Picture):
        return Body("picture", nodes(caption))
    if isinstance(action, Recording):
        return Body("voice", nodes(caption))
    return Body("document", nodes(caption or (action.filename or "")))


def mine(text: str) -> Body:
    """What the rider wrote, as it stays in their chat (plain text, no markup)."""
    return Body("text", [text], sender="me")
