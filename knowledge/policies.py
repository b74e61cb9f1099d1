"""Policies: one YAML file each in the ``policies/`` folder, shown one screen at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Policy:
    """A policy or hotline, in plain text short enough for one phone screen."""

    id: str
    title: str
    summary: str
    who: str  # who qualifies
    how: str  # how to apply
    contact: str
    source: str
    effective: date
    file: str = ""

    def text(self) -> str:
        """The plain-text screen the bot sends (it escapes nothing else)."""
        return "\n".join(
            (
                self.title,
                "",
                self.summary,
                "",
                f"适用对象：{self.who}",
                f"怎么办理：{self.how}",
                f"联系方式：{self.contact}",
                f"依据：{self.source}（{self.effective.isoformat()} 起施行）",
            )
        )
