"""Edit faq.yaml as an admin would: add a phrasing or an entry, keep everything else.

ruamel.yaml's round trip keeps comments, blank lines, key order, quotes and block styles; the
indentation is the one that writes the file back unchanged (tried from the file's first list,
then common ones), so the only lines that change are the new ones. Each function returns the
new text, or None after recording in ``problems`` why the edit cannot be made; the caller
validates the new text with the loader before writing it.
"""

from __future__ import annotations

import difflib
import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError as RuamelError
from ruamel.yaml.scalarstring import LiteralScalarString

from knowledge.load import FAQ_FILE
from knowledge.problems import REASON, Problems, printable, quote
from knowledge.yamlio import parse


@dataclass(frozen=True)
class _Layout:
    """ruamel.yaml's indentation settings: a mapping's indent, a sequence's, a dash's offset."""

    mapping: int
    sequence: int
    offset: int

    def yaml(self) -> YAML:
        rt = YAML()  # round trip: comments, key order, quotes and block styles are kept
        rt.preserve_quotes = True
        rt.width = 1_000_000  # never fold a long line the admins wrote on one line
        rt.indent(mapping=self.mapping, sequence=self.sequence, offset=self.offset)
        return rt


def _layouts(text: str) -> list[_Layout]:
    """Candidate layouts, the one guessed from the first block sequence first."""
    seq_indent, offset = _guess_sequence(text)
    guessed = [_Layout(m, seq_indent, offset) for m in (2, 4)] if seq_indent else []
    common = [_Layout(2, 4, 2), _Layout(2, 2, 0), _Layout(4, 4, 2), _Layout(4, 6, 4)]
    return list(dict.fromkeys(guessed + common))


def _guess_sequence(text: str) -> tuple[int, int]:
    """(column of the first list item's text, column of its dash), both from its parent key."""
    key_indent = 0
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if stripped.startswith("#") or not stripped.strip():
            continue
        dash = len(line) - len(stripped)
        if stripped.startswith("- "):
            item = len(line) - len(stripped[1:].lstrip(" "))
            return item - key_indent, dash - key_indent
        if stripped.rstrip().endswith(":"):
            key_indent = dash
    return 0, 0


def _dump(rt: YAML, data: Any) -> str:
    out = io.StringIO()
    rt.dump(data, out)
    return out.getvalue()


def _load(text: str, problems: Problems) -> tuple[Any, _Layout] | None:
    """The round-trip document and the layout that writes the file back unchanged (else the
    first candidate: the diff the admin is shown then says what else changed)."""
    layouts = _layouts(text)
    try:
        data = layouts[0].yaml().load(text)
    except RuamelError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        problems.add(
            FAQ_FILE,
            mark.line + 1 if mark else 0,
            "",
            f"cannot be edited: {printable(str(reason), REASON)}",
        )
        return None
    for layout in layouts:
        if _dump(layout.yaml(), data) == text:
            return data, layout
    return data, layouts[0]


@dataclass
class _Document:
    """faq.yaml loaded for editing, and the text it was loaded from."""

    original: str
    data: Any
    entries: CommentedSeq
    layout: _Layout

    def text(self, problems: Problems) -> str | None:
        """The edited text; None and a problem if a line with a comment would go missing."""
        text = _dump(self.layout.yaml(), self.data)
        kept = Counter(_commented(text))
        kept.subtract(_commented(self.original))
        lost = [line for line, count in kept.items() if count < 0]
        if lost:
            where = [x.strip() for x in self.original.splitlines()].index(lost[0])
            problems.add(
                FAQ_FILE,
                where + 1,
                "",
                "editing would lose this comment: add the proposal to faq.yaml by hand",
            )
            return None
        return text


def _commented(text: str) -> list[str]:
    """The lines with a '#' (comments, and a few texts), without their indentation."""
    return [line.strip() for line in text.splitlines() if "#" in line]


def _open(text: str, problems: Problems) -> _Document | None:
    if parse(text, FAQ_FILE, problems) is None:  # malformed YAML or aliases: PyYAML says where
        return None
    loaded = _load(text, problems)
    if loaded is None:
        return None
    data, layout = loaded
    entries = data.get("entries") if isinstance(data, CommentedMap) else None
    if not isinstance(entries, CommentedSeq):
        problems.add(
            FAQ_FILE, 1, "entries", "the file must be a mapping with a list under 'entries:'"
        )
        return None
    return _Document(text, data, entries, layout)


def add_alternative(text: str, entry_id: str, question: str, problems: Problems) -> str | None:
    """``text`` with ``question`` appended to the alternatives of entry ``entry_id`` (the list
    is made, after ``question:``, when the entry has none)."""
    document = _open(text, problems)
    if document is None:
        return None
    entries = document.entries
    entry = next(
        (e for e in entries if isinstance(e, CommentedMap) and str(e.get("id")) == entry_id),
        None,
    )
    if entry is None:
        problems.add(FAQ_FILE, 0, "id", f"no FAQ entry with id {quote(entry_id)}")
        return None
    line = entry.lc.line + 1
    alternatives = entry.get("alternatives")
    if isinstance(alternatives, str):  # the loader takes one text for a list of one
        alternatives = entry["alternatives"] = CommentedSeq([alternatives])
    if alternatives is None:
        alternatives = _new_alternatives(entries, entry)
    if not isinstance(alternatives, CommentedSeq):
        problems.add(FAQ_FILE, line, "alternatives", "must be a list of texts")
        return None
    key = _phrasing_key(question)
    if key in {_phrasing_key(str(t)) for t in [entry.get("question", ""), *alternatives]}:
        problems.add(
            FAQ_FILE,
            line,
            "alternatives",
            f"{quote(question)} is already a phrasing of entry {quote(entry_id)}",
        )
        return None
    _append(alternatives, question)
    return document.text(problems)


def _phrasing_key(text: str) -> str:
    return "".join(text.split()).lower()  # as the loader compares phrasings


def _new_alternatives(entries: CommentedSeq, entry: CommentedMap) -> CommentedSeq:
    """An empty alternatives list right after the question, in the style other entries use."""
    alternatives = CommentedSeq()
    other = next(
        (
            e["alternatives"]
            for e in entries
            if isinstance(e, CommentedMap) and isinstance(e.get("alternatives"), CommentedSeq)
        ),
        None,
    )
    if other is not None and other.fa.flow_style():
        alternatives.fa.set_flow_style()
    keys = list(entry)
    position = keys.index("question") + 1 if "question" in keys else len(keys)
    entry.insert(position, "alternatives", alternatives)
    return alternatives


def _append(items: CommentedSeq, text: str) -> None:
    """Append to a block list; comments and blank lines after the old last item (ruamel keeps
    them on that item) move below the new one, its own end-of-line comment stays."""
    last = len(items) - 1
    items.append(text)
    slot = items.ca.items.get(last) if last >= 0 else None
    if items.fa.flow_style() or not slot or slot[0] is None:
        return
    token = slot[0]
    first, _, after = token.value.partition("\n")
    own = first if first.strip() else ""  # the old item's end-of-line comment, if any
    if own and not after:  # nothing below it to move
        return
    moved = type(token)(f"\n{after}" if own else token.value, token.start_mark, token.end_mark)
    if own:
        token.value = own + "\n"
    else:
        slot[0] = None
    items.ca.items[last + 1] = [moved, None, None, None]


def add_entry(
    text: str, question: str, answer: str, comment: str, problems: Problems
) -> tuple[str, str] | None:
    """``text`` with a new entry at the end, after a blank line and ``# comment``, and the new
    entry's id: the first free one of q1, q2, q3, ..."""
    document = _open(text, problems)
    if document is None:
        return None
    entries = document.entries
    taken = {str(e.get("id")) for e in entries if isinstance(e, CommentedMap)}
    number = 1
    while f"q{number}" in taken:
        number += 1
    entry_id = f"q{number}"
    entry = CommentedMap()
    entry["id"] = entry_id
    entry["question"] = question
    answer = answer.strip()
    # a literal block like the other answers; empty stays empty so the loader can say so
    entry["answer"] = LiteralScalarString(answer) if answer else ""
    entries.append(entry)
    entries.yaml_set_comment_before_after_key(
        len(entries) - 1, before="\n" + comment, indent=document.layout.offset
    )
    new = document.text(problems)
    return None if new is None else (new, entry_id)


def changed_lines(old: str, new: str) -> tuple[str, ...]:
    """The lines removed ("- line") and added ("+ line") from ``old`` to ``new``."""
    before, after = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    changes: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            changes += [f"- {line}" for line in before[i1:i2]]
            changes += [f"+ {line}" for line in after[j1:j2]]
    return tuple(changes)
