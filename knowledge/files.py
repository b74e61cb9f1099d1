"""Reading the files admins edit, and nothing else: regular files inside the knowledge folder,
at most ``max_bytes`` each.

A link to ``/dev/zero`` or to a huge file would exhaust memory, and a link to
``/proc/self/environ`` would put the bot's environment (token, database URL) into the report
the admins read; so links leaving the folder, devices, pipes and system files are refused
before anything is read, and reading stops at the limit even when a file grows meanwhile.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from knowledge.problems import Problems

DEFAULT_MAX_BYTES = 1_000_000  # the bot's KNOWLEDGE_MAX_BYTES default
_CHUNK = 1 << 16
_SYSTEM = (Path("/proc"), Path("/sys"))  # generated files: size 0, any content


def read_file(
    directory: Path, path: Path, name: str, max_bytes: int, problems: Problems
) -> bytes | None:
    """The bytes of ``path``; None and a problem naming ``name`` when it is missing or
    refused (outside ``directory``, not a regular file, over ``max_bytes``)."""
    if not os.path.lexists(path):
        problems.add(name, 0, "", "missing file")
        return None
    real = _inside(directory, path, name, problems)
    if real is None:
        return None
    try:
        # O_NONBLOCK: opening a pipe must not wait for a writer (it is refused just below)
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        problems.add(name, 0, "", f"cannot be read: {exc.strerror}")
        return None
    try:
        return _read_regular(fd, name, max_bytes, problems)
    except OSError as exc:
        problems.add(name, 0, "", f"cannot be read: {exc.strerror}")
        return None
    finally:
        os.close(fd)


def _inside(directory: Path, path: Path, name: str, problems: Problems) -> Path | None:
    """Where ``path`` really is, when that is inside ``directory`` and not a system file."""
    try:
        real = path.resolve(strict=True)
        root = directory.resolve(strict=True)
    except FileNotFoundError:
        problems.add(name, 0, "", "is a link to a file that does not exist")
        return None
    except (OSError, RuntimeError):  # a loop of links (RuntimeError before Python 3.13)
        problems.add(name, 0, "", "is a link that cannot be followed (a loop of links?)")
        return None
    if not real.is_relative_to(root):
        problems.add(
            name, 0, "", "is a link to a file outside the knowledge folder: copy the file in"
        )
        return None
    if any(real.is_relative_to(system) for system in _SYSTEM):  # a folder inside /proc
        problems.add(name, 0, "", "is a system file, not one an admin edits: refused")
        return None
    return real


def _read_regular(fd: int, name: str, max_bytes: int, problems: Problems) -> bytes | None:
    """At most ``max_bytes`` from an open regular file; None and a problem otherwise."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        problems.add(name, 0, "", "is not a regular file (a folder, device or pipe): refused")
        return None
    if info.st_size > max_bytes:
        problems.add(name, 0, "", _too_big(info.st_size, max_bytes))
        return None
    chunks: list[bytes] = []
    total = 0
    while chunk := os.read(fd, min(_CHUNK, max_bytes + 1 - total)):
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:  # it grew while being read: stop at the limit
            problems.add(name, 0, "", f"grew past the limit of {max_bytes:,} bytes while read")
            return None
    return b"".join(chunks)


def _too_big(size: int, max_bytes: int) -> str:
    return (
        f"is {size:,} bytes, more than the limit of {max_bytes:,} bytes "
        "(KNOWLEDGE_MAX_BYTES): shorten it"
    )
