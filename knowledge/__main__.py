"""``python -m knowledge kb check [DIR]`` and ``python -m knowledge ask ...``."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from knowledge.cli import register
from knowledge.load import sample_dir


def default_dir() -> Path:
    """KNOWLEDGE_DIR when set, else the packaged sample."""
    return Path(os.environ.get("KNOWLEDGE_DIR") or sample_dir())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__)
    register(parser.add_subparsers(dest="command", metavar="COMMAND", required=True), default_dir)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
