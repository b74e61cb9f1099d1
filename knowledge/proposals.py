"""FAQ proposals: staff answers that admins turn into FAQ knowledge.

When staff answer a question the FAQ could not, the question can become a new phrasing of an
existing entry (``alternative``) or a new entry with the staff answer (``new``). Proposals wait
in ``faq_proposals.yaml`` in the knowledge folder until an admin accepts or rejects them
(``kb proposals``, ``kb accept ID``, ``kb reject ID``).

Accepting edits ``faq.yaml`` with ruamel.yaml's round trip, so every comment, blank line and
the indentation stay as the admins wrote them; the result is checked by the real loader on a
copy of the folder before ``faq.yaml`` is replaced, and an invalid result changes nothing.
A new entry gets the first free id of ``q1``, ``q2``, ``q3``, ... (admins may rename it).

Every change to the proposals file (and an accept's change to ``faq.yaml``) holds an exclusive
``flock`` on a hidden lock file, so the bot and the command line never interleave; files are
replaced atomically (a temporary file, then ``os.replace``), so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from dataclasses import fields as dataclass_fields
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from knowledge.faq import Answer
from knowledge.faq_edit import add_alternative, add_entry, changed_lines
from knowledge.files import DEFAULT_MAX_BYTES, read_file
from knowledge.hours import LOCAL_TZ
from knowledge.load import FAQ_FILE, load_knowledge
from knowledge.problems import KnowledgeError, Problem, Problems, printable, quote
from knowledge.yamlio import Fields, Lines, decode, parse

PROPOSALS_FILE = "faq_proposals.yaml"
# Hidden names: the bot's file watch (knowledge.holder.snapshot) skips dot files, so taking
# the lock or writing a temporary file does not look like an edit of the knowledge.
LOCK_FILE = ".faq_proposals.lock"
PROPOSAL_ID = re.compile(r"^p([1-9][0-9]{0,8})$")
HEADER = (
    "# FAQ proposals from staff answers, waiting for an admin.\n"
    "# 待审核的常见问题建议。审核：nuanxin kb proposals / kb accept ID / kb reject ID\n"
    "# kind: alternative (the question becomes a phrasing of entry_id) or new (a new entry).\n"
    "# Written by the bot and by `kb accept` / `kb reject`: comments here are not kept.\n"
)


class ProposalKind(StrEnum):
    """What accepting a proposal does to faq.yaml (the value is what the file says)."""

    ALTERNATIVE = "alternative"  # the question joins an entry's alternatives
    NEW_ENTRY = "new"  # a new entry: the question and the staff answer


@dataclass(frozen=True)
class Proposal:
    """One pending proposal, as the proposals file holds it."""

    id: str  # "p3"
    kind: ProposalKind
    question: str
    answer: str | None = None  # NEW_ENTRY: the staff answer
    entry_id: str | None = None  # ALTERNATIVE: the FAQ entry it joins
    case_code: str | None = None  # the case it came from, e.g. "NQ-20261130-0042"
    proposed_by: str | None = None  # a staff display name
    created: str = ""  # ISO date-time, local time


PROPOSAL_FIELDS = {f.name for f in dataclass_fields(Proposal)}  # what the proposals file may say


@dataclass(frozen=True)
class AcceptResult:
    """What ``accept`` did. ``ok`` False means faq.yaml was not touched."""

    ok: bool
    proposal: Proposal | None
    entry_id: str | None = None  # the entry that was extended or added
    diff: tuple[str, ...] = ()  # the lines of faq.yaml added ("+ ...") or removed ("- ...")
    answer: Answer | None = None  # what the accepted knowledge answers to the question
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class _Book:
    """The whole proposals file: the next number to hand out and the pending proposals."""

    next_number: int
    proposals: tuple[Proposal, ...]


# --- the public functions --------------------------------------------------------------------


def propose(
    directory: Path | str,
    kind: ProposalKind,
    question: str,
    *,
    answer: str | None = None,
    entry_id: str | None = None,
    case_code: str | None = None,
    proposed_by: str | None = None,
    now: datetime | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Proposal:
    """Add a proposal and return it; the same kind, entry and question again returns the
    pending one. ``KnowledgeError`` when the proposals file is malformed (it is left alone)."""
    directory = Path(directory)
    question = _one_line(question)
    if not question:
        raise ValueError("a proposal needs a question")
    if kind is ProposalKind.ALTERNATIVE and not entry_id:
        raise ValueError("an alternative phrasing needs the id of its FAQ entry")
    if kind is ProposalKind.NEW_ENTRY and not (answer or "").strip():
        raise ValueError("a new FAQ entry needs an answer")
    target = entry_id if kind is ProposalKind.ALTERNATIVE else None
    created = (now or datetime.now(LOCAL_TZ)).isoformat(timespec="seconds")
    with _locked(directory):
        book = _read(directory, max_bytes)
        for pending_one in book.proposals:
            if (pending_one.kind, pending_one.entry_id, pending_one.question) == (
                kind,
                target,
                question,
            ):
                return pending_one
        proposal = Proposal(
            id=f"p{book.next_number}",
            kind=kind,
            question=question,
            answer=answer.strip() if kind is ProposalKind.NEW_ENTRY and answer else None,
            entry_id=target,
            case_code=_one_line(case_code or "") or None,
            proposed_by=_one_line(proposed_by or "") or None,
            created=created,
        )
        _write(directory, _Book(book.next_number + 1, (*book.proposals, proposal)))
    return proposal


def pending(directory: Path | str, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Proposal]:
    """The pending proposals in the order they came (none when there is no file).

    No lock: the file is only ever replaced whole, so a reader sees one version or the other.
    """
    return list(_read(Path(directory), max_bytes).proposals)


def reject(directory: Path | str, proposal_id: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bool:
    """Drop a proposal; False when no pending proposal has that id."""
    directory = Path(directory)
    with _locked(directory):
        book = _read(directory, max_bytes)
        kept = tuple(p for p in book.proposals if p.id != proposal_id)
        if len(kept) == len(book.proposals):
            return False
        _write(directory, _Book(book.next_number, kept))
    return True


def accept(
    directory: Path | str,
    proposal_id: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    *,
    today: date | None = None,
) -> AcceptResult:
    """Write the proposal into faq.yaml (comments and layout kept) when the knowledge loader
    accepts the result, then drop the proposal; otherwise change nothing and return the
    problems. ``KnowledgeError`` when the proposals file itself is malformed."""
    directory = Path(directory)
    with _locked(directory):
        book = _read(directory, max_bytes)
        proposal = next((p for p in book.proposals if p.id == proposal_id), None)
        if proposal is None:
            message = f"no pending proposal {quote(proposal_id)} (`kb proposals` lists them)"
            return AcceptResult(False, None, problems=(Problem(PROPOSALS_FILE, 0, "id", message),))
        problems = Problems()
        faq_path = directory / FAQ_FILE
        old = read_file(directory, faq_path, FAQ_FILE, max_bytes, problems)
        text = None if old is None else decode(old, FAQ_FILE, problems)
        edited = None if text is None else _edit(text, proposal, today, problems)
        answer = None
        if edited is not None:
            answer = _validate(directory, edited[0].encode("utf-8"), proposal, max_bytes, problems)
        if edited is None or text is None or problems:
            return AcceptResult(False, proposal, problems=tuple(problems.items))
        new_text, entry_id = edited
        _replace(faq_path.resolve(), new_text.encode("utf-8"))
        rest = tuple(p for p in book.proposals if p.id != proposal_id)
        _write(directory, _Book(book.next_number, rest))
    return AcceptResult(True, proposal, entry_id, changed_lines(text, new_text), answer)


# --- the proposals file ----------------------------------------------------------------------


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold the folder's proposal lock (blocking until the other holder is done)."""
    fd = os.open(
        directory / LOCK_FILE, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644
    )
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _read(directory: Path, max_bytes: int) -> _Book:
    """The proposals file, validated; ``KnowledgeError`` lists everything wrong with it."""
    path = directory / PROPOSALS_FILE
    if not directory.is_dir():
        raise KnowledgeError([Problem(str(directory), 0, "", "is not a folder")])
    if not os.path.lexists(path):
        return _Book(1, ())
    problems = Problems()
    raw = read_file(directory, path, PROPOSALS_FILE, max_bytes, problems)
    text = None if raw is None else decode(raw, PROPOSALS_FILE, problems)
    doc = None if text is None else parse(text, PROPOSALS_FILE, problems)
    book = _Book(1, ()) if doc is None else _book(*doc, problems)
    problems.raise_if_any()
    return book


def _book(data: Any, lines: Lines, problems: Problems) -> _Book:
    if data is None:  # an empty file
        return _Book(1, ())
    if not isinstance(data, dict):
        problems.add(PROPOSALS_FILE, 1, "", "the file must be a mapping with 'proposals:'")
        return _Book(1, ())
    top = Fields(data, PROPOSALS_FILE, lines, (), problems)
    top.unknown({"next", "proposals"})
    items = data.get("proposals") or []
    if not isinstance(items, list):
        top.problem("proposals", "must be a list of proposals")
        items = []
    proposals: list[Proposal] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            problems.add(PROPOSALS_FILE, lines.line("proposals", i), "", "must be a mapping")
            continue
        proposal = _proposal(Fields(item, PROPOSALS_FILE, lines, ("proposals", i), problems), seen)
        if proposal is not None:
            proposals.append(proposal)
    numbers = [int(m.group(1)) for p in proposals if (m := PROPOSAL_ID.match(p.id))]
    return _Book(max([_next(top), *(n + 1 for n in numbers)]), tuple(proposals))


def _next(top: Fields) -> int:
    value = top.data.get("next", 1)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        top.problem("next", f"must be a whole number from 1 up, not {quote(value)}")
        return 1
    return value


def _proposal(fields: Fields, seen: dict[str, int]) -> Proposal | None:
    """One proposal, or None after recording why it cannot be read."""
    fields.unknown(PROPOSAL_FIELDS)
    before = len(fields.problems.items)
    proposal_id = fields.text("id")
    if proposal_id and not PROPOSAL_ID.match(proposal_id):
        fields.problem("id", f"{quote(proposal_id)} must be p and a number, like p3")
    elif proposal_id in seen:
        fields.problem(
            "id", f"duplicate id {quote(proposal_id)} (first on line {seen[proposal_id]})"
        )
    elif proposal_id:
        seen[proposal_id] = fields.lines.line(*fields.path, "id")
    kind_text = fields.text("kind")
    kind = next((k for k in ProposalKind if k.value == kind_text), None)
    if kind_text and kind is None:
        fields.problem("kind", f"{quote(kind_text)} must be 'alternative' or 'new'")
    is_alternative = kind is ProposalKind.ALTERNATIVE
    entry_id = fields.text("entry_id", required=is_alternative) or None
    # An empty answer is read as written: accepting it fails with the loader's own message.
    answer = fields.text("answer", required=False)
    for name, value, allowed in (("entry_id", entry_id, True), ("answer", answer, False)):
        if value and kind is not None and is_alternative is not allowed:
            fields.problem(name, f"is not used by kind {quote(kind.value)}: remove it")
    question = _one_line(fields.text("question"))
    if len(fields.problems.items) > before or kind is None:
        return None
    return Proposal(
        id=proposal_id,
        kind=kind,
        question=question,
        answer=None if is_alternative else answer,
        entry_id=entry_id,
        case_code=fields.text("case_code", required=False) or None,
        proposed_by=fields.text("proposed_by", required=False) or None,
        created=_created(fields),
    )


def _created(fields: Fields) -> str:
    """The time as text; a hand-written unquoted date or time reads as one, so turn it back."""
    value = fields.data.get("created")
    if isinstance(value, date | datetime):
        return value.isoformat()
    return fields.text("created", required=False)


class _Dumper(yaml.SafeDumper):
    """Multi-line answers as ``|`` blocks, so the file reads (and hand-edits) like faq.yaml."""


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_text)


def _write(directory: Path, book: _Book) -> None:
    items = []
    for proposal in book.proposals:
        row = {k: v for k, v in asdict(proposal).items() if v is not None and v != ""}
        row["kind"] = proposal.kind.value
        items.append(row)
    body = yaml.dump(
        {"next": book.next_number, "proposals": items},
        Dumper=_Dumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=1_000_000,
    )
    _replace(directory / PROPOSALS_FILE, (HEADER + body).encode("utf-8"))


def _replace(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` at once, keeping its permissions."""
    mode = stat.S_IMODE(path.stat().st_mode) if path.exists() else 0o644
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _one_line(text: str) -> str:
    """Runs of white space, line breaks included, as one space: a question is one line."""
    return " ".join(text.split())


# --- accepting ---------------------------------------------------------------------------------


def _edit(
    text: str, proposal: Proposal, today: date | None, problems: Problems
) -> tuple[str, str] | None:
    """faq.yaml's new text and the id of the entry written to; None after a problem."""
    if proposal.kind is ProposalKind.ALTERNATIVE:
        entry_id = str(proposal.entry_id)
        new = add_alternative(text, entry_id, proposal.question, problems)
        return None if new is None else (new, entry_id)
    day = today or datetime.now(LOCAL_TZ).date()
    return add_entry(
        text, proposal.question, proposal.answer or "", _provenance(proposal, day), problems
    )


def _provenance(proposal: Proposal, today: date) -> str:
    """``proposed from <case> by <name>, accepted <date>``, safe as one comment line."""
    parts = ["proposed"]
    if proposal.case_code:
        parts.append(f"from {printable(_one_line(proposal.case_code), 40)}")
    if proposal.proposed_by:
        parts.append(f"by {printable(_one_line(proposal.proposed_by), 40)}")
    return " ".join(parts) + f", accepted {today.isoformat()}"


def _validate(
    directory: Path, faq: bytes, proposal: Proposal, max_bytes: int, problems: Problems
) -> Answer | None:
    """Load a copy of the folder with the new faq.yaml: its answer to the proposal's question,
    or None with every problem recorded."""
    with tempfile.TemporaryDirectory(prefix="nuanxin-accept-") as temporary:
        root = Path(temporary)
        complete = _copy_folder(directory, root, max_bytes)
        (root / FAQ_FILE).write_bytes(faq)
        try:
            if not complete:
                # A file the loader reads but the copy lacks would make the copy lie: the
                # folder as it is must load, then the loader reads none of the missing files.
                load_knowledge(directory, max_bytes=max_bytes)
            knowledge = load_knowledge(root, max_bytes=max_bytes)
        except KnowledgeError as exc:
            problems.extend(exc.problems)
            return None
    return knowledge.ask(proposal.question)


def _copy_folder(directory: Path, root: Path, max_bytes: int) -> bool:
    """Copy the folder's visible files into ``root`` through the loader's own reader; False
    when one was refused (a link out of the folder, a device, an oversized file)."""
    complete = True
    for path in sorted(directory.rglob("*")):
        relative = path.relative_to(directory)
        if any(part.startswith(".") for part in relative.parts) or path.is_dir():
            continue
        if relative.as_posix() in (FAQ_FILE, PROPOSALS_FILE):
            continue
        data = read_file(directory, path, relative.as_posix(), max_bytes, Problems())
        if data is None:
            complete = False
            continue
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_bytes(data)
    return complete
