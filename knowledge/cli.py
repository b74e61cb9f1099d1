"""``nuanxin kb check`` and ``nuanxin ask``: thin commands over the knowledge package."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from knowledge.base import KnowledgeBase
from knowledge.emergency import emergency_kind
from knowledge.faq import Answer
from knowledge.files import DEFAULT_MAX_BYTES
from knowledge.load import load_knowledge
from knowledge.problems import KnowledgeError

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
    """Add ``kb check`` and ``ask`` to a command's subparsers; each sets ``func(args) -> int``.

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
    check.set_defaults(
        func=partial(run_check, default_dir=default_dir, max_bytes=default_max_bytes)
    )
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
    directory = args.directory or default_dir()
    try:
        kb = load_knowledge(directory, max_bytes=args.max_bytes or max_bytes())
    except KnowledgeError as exc:
        for problem in exc.problems:
            print(problem)
        print(f"{len(exc.problems)} problem(s) in {directory}", file=sys.stderr)
        return 1
    print(f"OK {directory}: {kb.summary()}")
    return 0


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
