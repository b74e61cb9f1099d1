"""Reload without downtime: validate a fresh load, then swap; keep the old one when invalid."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from knowledge.base import KnowledgeBase
from knowledge.files import DEFAULT_MAX_BYTES
from knowledge.load import load_knowledge
from knowledge.problems import KnowledgeError, Problem

Snapshot = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class ReloadResult:
    """What a reload did. ``ok`` False means the previous knowledge stays in service."""

    ok: bool
    knowledge: KnowledgeBase  # the knowledge in service after the reload
    problems: tuple[Problem, ...] = ()

    def message(self) -> str:
        """A plain-text report for the admin who asked for the reload."""
        if self.ok:
            return f"reloaded: {self.knowledge.summary()}"
        lines = [f"not reloaded, {len(self.problems)} problem(s); the previous knowledge stays:"]
        return "\n".join(lines + [str(p) for p in self.problems])


def snapshot(directory: Path) -> Snapshot:
    """(path, mtime in ns, size) of every file under ``directory``, hidden files excluded."""
    rows = []
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if any(part.startswith(".") for part in relative.parts) or not path.is_file():
            continue
        try:
            stat = path.stat()
        except OSError:
            continue
        rows.append((relative.as_posix(), stat.st_mtime_ns, stat.st_size))
    return tuple(rows)


class KnowledgeHolder:
    """Holds the knowledge in service; ``current`` is always a complete, valid base.

    The first load raises ``KnowledgeError`` (there is nothing to fall back to). Every load,
    the first, ``reload`` and ``reload_if_changed`` alike, refuses a file over ``max_bytes``.
    """

    def __init__(
        self,
        directory: Path | str,
        loader: Callable[[Path], KnowledgeBase] | None = None,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.directory = Path(directory)
        self._loader = loader or partial(load_knowledge, max_bytes=max_bytes)
        self._lock = threading.Lock()
        self._seen = snapshot(self.directory)
        self._current = self._loader(self.directory)

    @property
    def current(self) -> KnowledgeBase:
        return self._current

    def changed(self) -> bool:
        """True when a file was added, removed or modified since the last (re)load attempt."""
        return snapshot(self.directory) != self._seen

    def reload(self) -> ReloadResult:
        """Load afresh and swap when valid; an invalid edit leaves ``current`` unchanged."""
        with self._lock:
            self._seen = snapshot(self.directory)
            try:
                fresh = self._loader(self.directory)
            except KnowledgeError as exc:
                return ReloadResult(False, self._current, exc.problems)
            self._current = fresh
            return ReloadResult(True, fresh)

    def reload_if_changed(self) -> ReloadResult | None:
        """Reload when files changed since the last attempt (a failed one is not retried)."""
        if not self.changed():
            return None
        return self.reload()
