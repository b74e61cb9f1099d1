"""``nuanxin kb check``, ``kb proposals``/``accept``/``reject`` and ``nuanxin ask``: thin
commands over the knowledge package."""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from knowledge.base import KnowledgeBase
from knowledge.emergency import emergency_kind
from knowledge.faq import Answer
from knowledge.files import DEFAULT_MAX_BYTES, read_file
from knowledge.load import FAQ_FILE, POLICIES_DIR, load_knowledge, policy_files
from knowledge.problems import KnowledgeError, Problem, Problems, printable
from knowledge.proposals import PROPOSALS_FILE, Proposal, ProposalKind, accept, pending, reject
from knowledge.yamlio import Lines, decode, parse

DirFactory = Callable[[], Path]
SizeFactory = Callable[[], int]


def _default_max_bytes() -> int:
    return DEFAULT_MAX_BYTES


def register(
    subparsers: Any,
    default_dir: DirFactory,
    kb_extra: Callable[[Any], None] | None = None,
    default_max_bytes: SizeFactory = _default_max_bytes,
) -> None:
    """Add ``kb check``, ``kb proposals``/``accept``/``reject`` and ``ask`` to a command's
    subparsers; each sets ``func(args) -> int``.

    ``kb_extra`` receives the ``kb`` subparsers so the bot can add ``kb reload`` beside check;
    ``default_max_bytes`` gives the largest file accepted (the bot's KNOWLEDGE_MAX_BYTES).
    """
    kb = subparsers.add_parser("kb", help="validate the knowledge files (FAQ, stations, policies)")
    kb_commands = kb.add_subparsers(dest="kb_command", metavar="COMMAND", required=True)
    check = kb_commands.add_parser(
        "check", help="validate every file and print each problem as file:line: field: problem"
    )
    check.add_argument(
        "directory", nargs="?", type=Path, help="knowledge folder (default: %(default)s)"
    )
    check.add_argument(
        "--max-bytes",
        type=_positive,
        metavar="N",
        help="refuse a file over N bytes (default: KNOWLEDGE_MAX_BYTES, else 1,000,000)",
    )
    check.add_argument(
        "--strict",
        action="store_true",
        help="fail on warnings too (an FAQ entry or a policy without English text)",
    )
    check.set_defaults(
        func=partial(run_check, default_dir=default_dir, max_bytes=default_max_bytes)
    )
    _register_proposals(kb_commands, default_dir, default_max_bytes)
    if kb_extra is not None:
        kb_extra(kb_commands)
    ask = subparsers.add_parser("ask", help="answer questions with the bot's FAQ retrieval")
    ask.add_argument("questions", nargs="+", metavar="QUESTION", help="questions, or - for stdin")
    ask.add_argument("--json", action="store_true", help="print ranked entries as JSON")
    ask.add_argument("--dir", type=Path, help="knowledge folder (default: the configured one)")
    ask.set_defaults(func=partial(run_ask, default_dir=default_dir, max_bytes=default_max_bytes))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of bytes")
    return value


def _load(directory: Path, max_bytes: int) -> KnowledgeBase | None:
    """The knowledge base, or None after printing every problem to stderr."""
    try:
        return load_knowledge(directory, max_bytes=max_bytes)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(
            f"{len(exc.problems)} problem(s) in {directory}; fix them and run again",
            file=sys.stderr,
        )
        return None


def run_check(args: argparse.Namespace, default_dir: DirFactory, max_bytes: SizeFactory) -> int:
    """Problems fail the check; warnings (missing English) are printed after them and fail
    it only with ``--strict``."""
    directory = args.directory or default_dir()
    limit = args.max_bytes or max_bytes()
    warnings = english_warnings(directory, limit)
    try:
        kb = load_knowledge(directory, max_bytes=limit)
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem)
        _print_warnings(warnings)
        print(f"{len(exc.problems)} problem(s) in {directory}", file=sys.stderr)
        return 1
    if warnings and args.strict:
        for warning in warnings:
            print(warning)
        print(f"{len(warnings)} warning(s) in {directory}, failed by --strict", file=sys.stderr)
        return 1
    print(f"OK {directory}: {kb.summary()}")
    _print_warnings(warnings)
    return 0


NO_ENGLISH = "no English text (English-mode users get the Chinese)"


def english_warnings(directory: Path, max_bytes: int) -> list[Problem]:
    """Each FAQ entry and each policy without an ``en:`` block, at its line.

    Read from the files as they are (not from a loaded knowledge base), so the warnings
    come with the problems too; a file that cannot be read or parsed is left to them.
    """
    return [*_faq_warnings(directory, max_bytes), *_policy_warnings(directory, max_bytes)]


def _faq_warnings(directory: Path, max_bytes: int) -> list[Problem]:
    document = _yaml_document(directory, directory / FAQ_FILE, FAQ_FILE, max_bytes)
    if document is None or not isinstance(document[0], dict):
        return []
    entries, lines = document[0].get("entries"), document[1]
    return [
        Problem(FAQ_FILE, lines.line("entries", i), "en", NO_ENGLISH)
        for i, item in enumerate(entries if isinstance(entries, list) else [])
        if isinstance(item, dict) and item.get("en") is None
    ]


def _policy_warnings(directory: Path, max_bytes: int) -> list[Problem]:
    warnings: list[Problem] = []
    for path in policy_files(directory):
        name = f"{POLICIES_DIR}/{path.name}"
        document = _yaml_document(directory, path, name, max_bytes)
        data, lines = document or (None, None)
        if isinstance(data, dict) and lines is not None and data.get("en") is None:
            warnings.append(Problem(name, lines.line("id"), "en", NO_ENGLISH))
    return warnings


def _yaml_document(
    directory: Path, path: Path, name: str, max_bytes: int
) -> tuple[Any, Lines] | None:
    """A YAML file's data and line map; None when it cannot be read (its problems are the
    check's own, reported by the loader)."""
    ignored = Problems()
    data = read_file(directory, path, name, max_bytes, ignored)
    text = None if data is None else decode(data, name, ignored)
    return None if text is None else parse(text, name, ignored)


def _print_warnings(warnings: list[Problem]) -> None:
    for warning in warnings:
        print(warning)
    if warnings:
        print(
            f"{len(warnings)} warning(s): English text missing "
            "(they do not fail the check; --strict makes them fail)"
        )


def _questions(items: Iterable[str]) -> list[str]:
    questions: list[str] = []
    for item in items:
        lines = sys.stdin.read().splitlines() if item == "-" else [item]
        questions += [line.strip() for line in lines if line.strip()]
    return questions


def run_ask(args: argparse.Namespace, default_dir: DirFactory, max_bytes: SizeFactory) -> int:
    kb = _load(args.dir or default_dir(), max_bytes())
    if kb is None:
        return 1
    questions = _questions(args.questions)
    if not questions:
        print(
            "no question given: pass questions as arguments, or - to read lines from stdin",
            file=sys.stderr,
        )
        return 2
    answers = [kb.ask(q) for q in questions]
    if args.json:
        print(json.dumps([answer_json(a) for a in answers], ensure_ascii=False, indent=2))
    else:
        print("\n\n".join(answer_text(a) for a in answers))
    return 0


def answer_json(answer: Answer) -> dict[str, Any]:
    return {
        "question": answer.query,
        "kind": answer.kind,
        "emergency": emergency_kind(answer.query),
        "hits": [
            {
                "id": hit.entry.id,
                "score": round(hit.score, 4),
                "question": hit.entry.question,
                "answer": hit.entry.answer,
            }
            for hit in answer.hits
        ],
    }


def answer_text(answer: Answer) -> str:
    lines = [f"? {answer.query}"]
    emergency = emergency_kind(answer.query)
    if emergency:
        lines.append(f"! emergency: {emergency} (the bot shows the emergency numbers first)")
    lines.append(f"= {answer.kind}")
    for rank, hit in enumerate(answer.hits, 1):
        lines.append(f"  {rank}. {hit.score:.3f}  {hit.entry.id}  {hit.entry.question}")
    if answer.entry is not None:
        lines += ["", *(f"  {line}" for line in answer.entry.answer.splitlines())]
    return "\n".join(lines)


# --- FAQ proposals -----------------------------------------------------------------------------

RELOAD_HINT = (
    "请发送 /reload 或运行 `nuanxin kb reload`，机器人才会用上新内容 "
    "(send /reload or run `nuanxin kb reload` so the bot uses it)"
)
# (heading, display width) of each column of `kb proposals`
COLUMNS = (
    ("id", 5),
    ("kind", 11),
    ("entry", 16),
    ("question", 30),
    ("answer", 24),
    ("case", 16),
    ("by", 10),
    ("created", 16),
)


def _register_proposals(
    kb_commands: Any, default_dir: DirFactory, default_max_bytes: SizeFactory
) -> None:
    """``kb proposals``, ``kb accept ID`` and ``kb reject ID``."""
    listing = kb_commands.add_parser(
        "proposals", help="list the FAQ proposals from staff answers that wait for review"
    )
    _folder_arguments(listing)
    listing.set_defaults(
        func=partial(run_proposals, default_dir=default_dir, max_bytes=default_max_bytes)
    )
    accepting = kb_commands.add_parser(
        "accept", help="write a proposal into faq.yaml (comments kept) when the result is valid"
    )
    rejecting = kb_commands.add_parser("reject", help="drop a proposal")
    for command, run in ((accepting, run_accept), (rejecting, run_reject)):
        command.add_argument("proposal_id", metavar="ID", help="a proposal id, e.g. p3")
        _folder_arguments(command)
        command.set_defaults(
            func=partial(run, default_dir=default_dir, max_bytes=default_max_bytes)
        )


def _folder_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "directory", nargs="?", type=Path, help="knowledge folder (default: the configured one)"
    )
    parser.add_argument(
        "--max-bytes",
        type=_positive,
        metavar="N",
        help="refuse a file over N bytes (default: KNOWLEDGE_MAX_BYTES, else 1,000,000)",
    )


def _broken_proposals(exc: KnowledgeError, directory: Path) -> int:
    for problem in exc.problems:
        print(problem)
    print(
        f"{len(exc.problems)} problem(s) in {directory / PROPOSALS_FILE}: fix it and run again",
        file=sys.stderr,
    )
    return 1


def run_proposals(args: argparse.Namespace, default_dir: DirFactory, max_bytes: SizeFactory) -> int:
    directory = args.directory or default_dir()
    try:
        proposals = pending(directory, args.max_bytes or max_bytes())
    except KnowledgeError as exc:
        return _broken_proposals(exc, directory)
    if not proposals:
        print(f"没有待审核的建议 (no pending proposals in {directory})")
        return 0
    print(proposal_table(proposals))
    print(f"\n{len(proposals)} pending: `kb accept ID` writes one into faq.yaml, `kb reject ID`")
    return 0


def run_accept(args: argparse.Namespace, default_dir: DirFactory, max_bytes: SizeFactory) -> int:
    directory = args.directory or default_dir()
    try:
        result = accept(directory, args.proposal_id, args.max_bytes or max_bytes())
    except KnowledgeError as exc:
        return _broken_proposals(exc, directory)
    except OSError as exc:  # a read-only folder, a full disk
        print(f"cannot write in {directory}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    if not result.ok:
        for problem in result.problems:
            print(problem)
        print(
            f"{len(result.problems)} problem(s); faq.yaml was not changed (faq.yaml 未修改)",
            file=sys.stderr,
        )
        return 1
    what = (
        "a phrasing of entry"
        if result.proposal and result.proposal.kind is ProposalKind.ALTERNATIVE
        else "new entry"
    )
    print(
        f"已接受 accepted {args.proposal_id}: {what} {result.entry_id} in {directory / 'faq.yaml'}"
    )
    print("\n".join(result.diff))
    rewritten = sum(line.startswith("- ") for line in result.diff)
    if rewritten:  # ruamel.yaml could not write the file back exactly as it was
        print(
            f"note: {rewritten} other line(s) were rewritten (indentation or trailing spaces); "
            "every comment is kept"
        )
    if result.answer is not None and result.answer.hits:
        top = result.answer.hits[0]
        print(f"the question now gets: {result.answer.kind} ({top.entry.id}, {top.score:.3f})")
    print(RELOAD_HINT)
    return 0


def run_reject(args: argparse.Namespace, default_dir: DirFactory, max_bytes: SizeFactory) -> int:
    directory = args.directory or default_dir()
    try:
        found = reject(directory, args.proposal_id, args.max_bytes or max_bytes())
    except KnowledgeError as exc:
        return _broken_proposals(exc, directory)
    except OSError as exc:
        print(f"cannot write in {directory}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    if not found:
        print(
            f"no pending proposal {args.proposal_id!r}: `kb proposals` lists them", file=sys.stderr
        )
        return 1
    print(f"已拒绝 rejected {args.proposal_id}")
    return 0


def proposal_table(proposals: Iterable[Proposal]) -> str:
    """The proposals as aligned columns (Chinese characters count two), long texts cut."""
    rows = [[heading for heading, _ in COLUMNS]]
    for p in proposals:
        rows.append(
            [
                p.id,
                p.kind.value,
                p.entry_id or "new",
                p.question,
                " ".join((p.answer or "-").split()),
                p.case_code or "-",
                p.proposed_by or "-",
                p.created[:16].replace("T", " ") or "-",
            ]
        )
    return "\n".join(
        "  ".join(
            _cell(text, width) for text, (_, width) in zip(row, COLUMNS, strict=True)
        ).rstrip()
        for row in rows
    )


def _cell(text: str, width: int) -> str:
    """``text`` escaped, cut with "…" and padded to ``width`` display columns."""
    shown = printable(text, 4 * width)
    if _width(shown) > width:
        while _width(shown) > width - 1:
            shown = shown[:-1]
        shown += "…"
    return shown + " " * (width - _width(shown))


def _width(text: str) -> int:
    """Display columns: Chinese (wide) characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)
