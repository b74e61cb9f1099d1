"""``python -m knowledge kb check [DIR]`` and ``python -m knowledge ask ...``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from knowledge.cli import register
from knowledge.files import DEFAULT_MAX_BYTES
from knowledge.load import sample_dir


def default_dir() -> Path:
    """KNOWLEDGE_DIR when set, else the packaged sample."""
    return Path(os.environ.get("KNOWLEDGE_DIR") or sample_dir())


def default_max_bytes() -> int:
    """KNOWLEDGE_MAX_BYTES when set to a number, else the bot's default."""
    value = os.environ.get("KNOWLEDGE_MAX_BYTES", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else DEFAULT_MAX_BYTES


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    register(commands, default_dir, default_max_bytes=default_max_bytes)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
