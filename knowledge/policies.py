"""Policies: one YAML file each in the ``policies/`` folder, shown one screen at a time.

A policy is written in Chinese and may carry the same text in English (``en:``). The screen's
labels ("who qualifies", "how to apply", ...) are the bot's wording, so the caller passes them
in (``PolicyLabels``); this package holds no user-facing wording of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class PolicyText:
    """A policy's words in one language."""

    title: str
    summary: str
    who: str  # who qualifies
    how: str  # how to apply
    contact: str
    source: str


@dataclass(frozen=True)
class PolicyLabels:
    """The labeled lines of a policy screen in one language, as ``str.format`` templates:
    ``who`` names ``{who}``, ``how`` ``{how}``, ``contact`` ``{contact}``, and ``source``
    names ``{source}`` and ``{effective}`` (the date the policy took effect)."""

    who: str
    how: str
    contact: str
    source: str


# The lines without labels: what the loader measures (the labels add a known, small amount).
BARE = PolicyLabels(who="{who}", how="{how}", contact="{contact}", source="{source} ({effective})")
LabelsFor = Callable[[str], PolicyLabels]  # a language ("zh", "en") -> the labels in it


@dataclass(frozen=True)
class Policy:
    """A policy or hotline, in plain text short enough for one phone screen: in Chinese,
    and in English when ``en`` is given."""

    id: str
    title: str
    summary: str
    who: str  # who qualifies
    how: str  # how to apply
    contact: str
    source: str
    effective: date
    file: str = ""
    en: PolicyText | None = None

    def language(self, lang: str) -> str:
        """The language a reader of ``lang`` gets: English when asked for and written,
        else Chinese (the labels must match the words, so the caller asks)."""
        return "en" if lang.startswith("en") and self.en is not None else "zh"

    def words(self, lang: str) -> PolicyText:
        """The title and texts in ``lang`` (Chinese when the policy has no English)."""
        if self.language(lang) == "en" and self.en is not None:
            return self.en
        return PolicyText(self.title, self.summary, self.who, self.how, self.contact, self.source)

    def title_in(self, lang: str) -> str:
        return self.words(lang).title

    def text(self, lang: str = "zh", labels: LabelsFor | None = None) -> str:
        """The plain-text screen in ``lang`` (Chinese when the policy has no English), its
        lines named by ``labels(language)``; without labels, the bare lines."""
        shown = self.language(lang)
        words, named = self.words(shown), (labels(shown) if labels else BARE)
        return "\n".join(
            (
                words.title,
                "",
                words.summary,
                "",
                named.who.format(who=words.who),
                named.how.format(how=words.how),
                named.contact.format(contact=words.contact),
                named.source.format(source=words.source, effective=self.effective.isoformat()),
            )
        )
