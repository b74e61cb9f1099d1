"""Reading YAML with line numbers, and small field checks shared by the YAML loaders."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import yaml
from yaml.composer import ComposerError

from knowledge.problems import REASON, Problems, printable, quote

Path_ = tuple[str | int, ...]


class Lines:
    """Line numbers (1-based) of keys and list items in a YAML document, by path."""

    def __init__(self, root: yaml.Node | None) -> None:
        self._lines: dict[Path_, int] = {}
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: yaml.Node, path: Path_) -> None:
        self._lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode):
                    sub = (*path, key.value)
                    self._lines[sub] = key.start_mark.line + 1
                    self._walk(value, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._walk(item, (*path, i))

    def line(self, *path: str | int) -> int:
        """The line of ``path``, or of its nearest known ancestor."""
        while path:
            if path in self._lines:
                return self._lines[path]
            path = path[:-1]
        return self._lines.get((), 1)


def decode(data: bytes | str, file: str, problems: Problems, save_as: str = "UTF-8") -> str | None:
    """Text from bytes as UTF-8 (a BOM is dropped); None and a problem when it is not UTF-8."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.add(file, line, "", f"is not UTF-8 ({looks_like(data)}): save it as {save_as}")
        return None


def looks_like(data: bytes) -> str:
    """A guess at the encoding of bytes that are not UTF-8, for the error message."""
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return "unknown encoding"
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "looks like GBK from Excel"
    return "unknown encoding"


class _NoAliasLoader(yaml.SafeLoader):
    """PyYAML's safe loader without aliases: twelve lines of nested ``*name`` references
    ("billion laughs") expand to billions of nodes; admins' files never need them."""

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            event = self.get_event()
            raise ComposerError(
                None, None, "aliases (*name) are not allowed: write the text out", event.start_mark
            )
        return super().compose_node(parent, index)


def _compose(text: str) -> yaml.Node | None:
    """The node tree of one YAML document (aliases refused)."""
    loader = _NoAliasLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def parse(text: str, file: str, problems: Problems) -> tuple[Any, Lines] | None:
    """The document and its line map; None and a problem (with its line) when malformed."""
    root: yaml.Node | None = None
    try:
        root = _compose(text)  # parsed once: values come from this tree
        data = None if root is None else _NoAliasLoader("").construct_document(root)
        lines = Lines(root)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.add(
            file, mark.line + 1 if mark else 0, "", f"invalid YAML: {printable(reason, REASON)}"
        )
        return None
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a date like 2026-13-01
        problems.add(
            file, _bad_value_line(root), "", f"invalid value: {printable(str(exc), REASON)}"
        )
        return None
    except RecursionError:
        problems.add(file, 0, "", "invalid YAML: nested too deeply")
        return None
    return data, lines


def _bad_value_line(root: yaml.Node | None) -> int:
    """The line of the first scalar that PyYAML cannot turn into a value (0 if none found)."""
    stack = [root] if root is not None else []
    while stack:
        node = stack.pop(0)
        if isinstance(node, yaml.ScalarNode):
            try:
                yaml.SafeLoader("").construct_object(node)
            except (ValueError, TypeError, OverflowError, yaml.YAMLError):
                return node.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
    return 0


class Fields:
    """Typed access to one mapping (an FAQ entry, a policy) that records every problem."""

    def __init__(
        self, data: Mapping[str, Any], file: str, lines: Lines, path: Path_, problems: Problems
    ) -> None:
        self.data, self.file, self.lines, self.path = data, file, lines, path
        self.problems = problems

    def problem(self, field: str, message: str) -> None:
        self.problems.add(self.file, self.lines.line(*self.path, field), field, message)

    def unknown(self, allowed: set[str]) -> None:
        for key in self.data:
            if key not in allowed:
                expected = ", ".join(sorted(allowed))
                self.problem(str(key), f"unknown field (expected one of: {expected})")

    def nested(self, field: str) -> Fields:
        """The mapping under ``field`` (the caller checked it is one), same problem list."""
        return Fields(self.data[field], self.file, self.lines, (*self.path, field), self.problems)

    def text(self, field: str, *, required: bool = True, max_len: int = 0) -> str:
        value = self.data.get(field)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(field, "is missing")
            return ""
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.problem(field, f"must be text, not {type(value).__name__}")
            return ""
        text = str(value).strip()
        if max_len and len(text) > max_len:
            self.problem(field, f"is {len(text)} characters long (at most {max_len})")
        return text

    def texts(self, field: str, *, required: bool = False) -> tuple[str, ...]:
        value = self.data.get(field)
        if value is None:
            if required:
                self.problem(field, "is missing")
            return ()
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(
            isinstance(v, str | int) and not isinstance(v, bool) for v in value
        ):
            self.problem(field, "must be a list of texts")
            return ()
        items = tuple(str(v).strip() for v in value if str(v).strip())
        if required and not items:
            self.problem(field, "is empty")
        return items

    def day(self, field: str) -> date | None:
        value = self.data.get(field)
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        if value is None:
            self.problem(field, "is missing")
        else:
            self.problem(field, f"must be a date like 2026-01-01, not {quote(value)}")
        return None
