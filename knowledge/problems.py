"""Problems found in the files admins edit, collected and reported together."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in one file, printed as ``file:line: field: problem``.

    ``line`` is 1-based; 0 means the whole file. ``field`` may be empty.
    """

    file: str
    line: int
    field: str
    message: str

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
