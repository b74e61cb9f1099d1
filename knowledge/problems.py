"""Problems found in the files admins edit, collected and reported together."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# How much of a file a problem may quote: enough to find the line, too little to carry a
# file's content (say an environment dump behind a link) to the admins who read the report.
EXCERPT = 80
REASON = 120  # a parser's own explanation (PyYAML, csv), which may quote a little
MAX_FILE = 200  # a file name as the problem shows it
MAX_MESSAGE = 300  # a whole message: a template and at most one or two excerpts


def printable(text: str, limit: int) -> str:
    """``text`` with control and other invisible characters escaped, cut to ``limit``
    characters (a "…" marks the cut), so a report cannot forge lines or hide text."""
    shown: list[str] = []
    width = 0
    for ch in text:
        part = ch if ch.isprintable() else repr(ch)[1:-1]
        width += len(part)
        if width > limit:
            shown.append("…")
            break
        shown.append(part)
    return "".join(shown)


def quote(value: object, limit: int = EXCERPT) -> str:
    """``value`` quoted for a problem as ``repr`` does, but only its first line and at most
    ``limit`` characters of it (a "…" inside the quotes marks the cut)."""
    lines = str(value).splitlines() or [""]
    line, cut = lines[0], len(lines) > 1
    width = 0
    for end, ch in enumerate(line):
        width += 1 if ch.isprintable() else len(repr(ch)) - 2
        if width > limit:
            line, cut = line[:end], True
            break
    shown = repr(line)
    return f"{shown[:-1]}…{shown[-1]}" if cut else shown


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one file, printed as ``file:line: field: problem``.

    ``line`` is 1-based; 0 means the whole file. ``field`` may be empty.
    """

    file: str
    line: int
    field: str
    message: str

    def __post_init__(self) -> None:
        # Every problem passes here: whatever a loader quoted, the report stays short and
        # printable (frozen dataclass, hence object.__setattr__).
        object.__setattr__(self, "file", printable(self.file, MAX_FILE))
        object.__setattr__(self, "field", printable(self.field, EXCERPT))
        object.__setattr__(self, "message", printable(self.message, MAX_MESSAGE))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


class KnowledgeError(Exception):
    """The knowledge files are invalid; ``problems`` lists everything that is wrong."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__(self.report())

    def report(self) -> str:
        """Every problem on its own line."""
        return "\n".join(str(p) for p in self.problems)


class Problems:
    """A collector that loaders append to; ``raise_if_any`` ends a load."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, file: str, line: int, field: str, message: str) -> None:
        self.items.append(Problem(file, line, field, message))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        """Raise every problem, ordered by file and line (stable within a line)."""
        if self.items:
            raise KnowledgeError(sorted(self.items, key=lambda p: (p.file, p.line)))
