"""Knowledge files that would exhaust memory or print secrets are refused before they are read:
YAML alias bombs, links to devices and to files outside the folder, files over the size limit,
and a link to the process environment."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.settings import Settings
from knowledge import DEFAULT_MAX_BYTES, KnowledgeError, KnowledgeHolder, load_knowledge, sample_dir
from standin import StandIn
from tests.botkit import RunningBot
from tests.conftest import ADMIN_ID
from tests.harness import said

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = "is a link to a file outside the knowledge folder: copy the file in"
# A fake secret in the shape of a token; its commas would make it separate CSV columns.
SECRET = "fake-s3cret-7f9c2a,b41d0e93,e8a6c57d"
# Twelve lines, 9**9 (387 million) strings once expanded: "billion laughs".
ALIAS_BOMB = "\n".join(
    [
        "entries:",
        "  - id: lol",
        "    question: 哪里可以喝水",
        "    answer: 驿站都能喝水",
        "    tags: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
        *(
            f"    alternatives{n}: &{b} [{', '.join([f'*{a}'] * 9)}]"
            for n, (a, b) in enumerate(zip("abcdefgh", "bcdefghi", strict=True))
        ),
    ]
)


def too_big(name: str, size: int, limit: int) -> str:
    return (
        f"{name}: is {size:,} bytes, more than the limit of {limit:,} bytes "
        "(KNOWLEDGE_MAX_BYTES): shorten it"
    )


def secret_pieces() -> list[str]:
    """Every 6-character piece of the secret (lower case: the CSV reader folds case)."""
    value = SECRET.lower()
    return [value[i : i + 6] for i in range(len(value) - 5)]


def leaked(text: str) -> list[str]:
    return [piece for piece in secret_pieces() if piece in text.lower()]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "kb"
    shutil.copytree(sample_dir(), target)
    return target


# --- loads that could exhaust memory run in a child process with a memory limit -----------

CHILD = """
import json, resource, sys, time
from knowledge import KnowledgeError, load_knowledge
page = resource.getpagesize()
with open("/proc/self/statm") as statm:
    address_space = int(statm.read().split()[0]) * page
limit = address_space + 512 * 2**20  # a regression ends in MemoryError, not in swapping
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    load_knowledge(sys.argv[1])
    problems = []
except KnowledgeError as exc:
    problems = [str(p) for p in exc.problems]
seconds = time.perf_counter() - start
grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps({"problems": problems, "seconds": seconds, "grown_kb": grown}))
"""


# A refused load must stay far from the minutes a bomb used to take, but it still parses the
# rest of the sample folder (124 FAQ entries: about 0.6 s with PyYAML's pure-Python parser).
QUICK = 2.0


@dataclass(frozen=True)
class Outcome:
    problems: list[str]
    seconds: float  # the load alone, without the child's start-up
    grown_kb: int  # how much the child's peak memory grew during the load


def load_in_child(folder: Path) -> Outcome:
    """``load_knowledge(folder)`` in a child process limited to 512 MB more memory."""
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(folder)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return Outcome(**json.loads(result.stdout))


def test_yaml_alias_bomb_is_refused_quickly_in_bounded_memory(folder: Path) -> None:
    (folder / "faq.yaml").write_text(ALIAS_BOMB, encoding="utf-8")
    outcome = load_in_child(folder)
    assert outcome.problems == [
        "faq.yaml:6: invalid YAML: aliases (*name) are not allowed: write the text out"
    ]
    assert outcome.seconds < QUICK
    assert outcome.grown_kb < 50_000  # before the fix: over 3 GB, or MemoryError


def test_links_to_a_device_or_outside_the_folder_are_refused(folder: Path, tmp_path: Path) -> None:
    (folder / "synonyms.yaml").unlink()
    (folder / "synonyms.yaml").symlink_to("/dev/zero")
    outside = tmp_path / "elsewhere.yaml"
    shutil.copy(folder / "policies" / "05-hotlines.yaml", outside)
    (folder / "policies" / "05-hotlines.yaml").unlink()
    (folder / "policies" / "05-hotlines.yaml").symlink_to(outside)
    os.mkfifo(folder / "policies" / "06-pipe.yaml")  # opening it must not wait for a writer
    inside = folder / "policies" / "07-link-inside.yaml"
    inside.symlink_to(folder / "policies" / "04-legal-aid.yaml")  # inside: still read
    outcome = load_in_child(folder)
    assert outcome.problems == [
        "policies/05-hotlines.yaml: " + OUTSIDE,
        "policies/06-pipe.yaml: is not a regular file (a folder, device or pipe): refused",
        # a link that stays inside the folder is read like any file
        "policies/07-link-inside.yaml: id: duplicate id 'legal-aid' "
        "(also in policies/04-legal-aid.yaml)",
        "synonyms.yaml: " + OUTSIDE,
    ]
    assert outcome.seconds < QUICK


def test_a_27_mb_synonyms_file_is_refused_by_the_size_cap_at_once(folder: Path) -> None:
    block = "".join(f"  词{i}: [变体{i}a, 变体{i}b, 变体{i}c]\n" for i in range(10_000))
    synonyms = folder / "synonyms.yaml"
    synonyms.write_text("synonyms:\n" + block * 54, encoding="utf-8")
    size = synonyms.stat().st_size
    assert 27_000_000 < size < 28_000_000
    outcome = load_in_child(folder)
    assert outcome.problems == [too_big("synonyms.yaml", size, DEFAULT_MAX_BYTES)]
    assert outcome.seconds < QUICK  # before the fix: 138 s and 3.6 GB
    assert outcome.grown_kb < 10_000


# --- the size limit, on every path that loads -----------------------------------------------


def test_a_file_over_the_limit_is_refused_with_its_size(folder: Path) -> None:
    size = (folder / "faq.yaml").stat().st_size
    with pytest.raises(KnowledgeError) as info:
        load_knowledge(folder, max_bytes=size - 1)
    assert [str(p) for p in info.value.problems] == [too_big("faq.yaml", size, size - 1)]
    assert load_knowledge(folder, max_bytes=size).faq_entry("water") is not None


def test_the_file_watch_applies_the_same_limits(folder: Path) -> None:
    faq = folder / "faq.yaml"
    limit = faq.stat().st_size + 100
    holder = KnowledgeHolder(folder, max_bytes=limit)
    before = holder.current
    faq.write_text(faq.read_text(encoding="utf-8") + "#" * 200 + "\n", encoding="utf-8")
    result = holder.reload_if_changed()  # what KNOWLEDGE_WATCH=1 calls
    assert result is not None and not result.ok
    assert [str(p) for p in result.problems] == [too_big("faq.yaml", faq.stat().st_size, limit)]
    assert holder.current is before
    (folder / "stations.csv").unlink()
    (folder / "stations.csv").symlink_to("/proc/self/environ")
    result = holder.reload_if_changed()
    assert result is not None and "stations.csv: " + OUTSIDE in result.message()


@pytest.fixture
async def small_limit_bot(bot_settings: Settings, folder: Path) -> AsyncIterator[RunningBot]:
    limit = (folder / "faq.yaml").stat().st_size + 100
    running = RunningBot(bot_settings.with_values(knowledge_dir=folder, knowledge_max_bytes=limit))
    await running.start()
    yield running
    await running.stop()


async def test_reload_refuses_a_file_over_the_bots_limit(
    small_limit_bot: RunningBot, standin: StandIn, folder: Path
) -> None:
    faq = folder / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8") + "#" * 200 + "\n", encoding="utf-8")
    limit = small_limit_bot.settings.knowledge_max_bytes
    admin = standin.user(ADMIN_ID)
    await admin.send_text("/reload")
    await admin.expect_next(
        said(
            "admin.reload_failed", count=1, problems=too_big("faq.yaml", faq.stat().st_size, limit)
        )
    )


# --- secrets: a link to the process environment ---------------------------------------------


def test_kb_check_never_prints_the_environment(folder: Path) -> None:
    (folder / "stations.csv").unlink()
    (folder / "stations.csv").symlink_to("/proc/self/environ")
    result = subprocess.run(
        [sys.executable, "-m", "knowledge", "kb", "check", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONWARNINGS": "ignore", "NUANXIN_TEST_SECRET": SECRET},
    )
    assert result.returncode == 1
    assert result.stdout == "stations.csv: " + OUTSIDE + "\n"
    assert leaked(result.stdout + result.stderr) == []


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_reload_never_shows_the_environment_to_admins(
    standin: StandIn, folder: Path, tmp_path: Path, database_url: str, model_dir: Path
) -> None:
    """The bot as its own process, so that /proc/self/environ holds the (fake) secret."""
    env = {
        **os.environ,
        "BOT_TOKEN": standin.token,
        "TELEGRAM_API_URL": standin.url,
        "DATABASE_URL": database_url,
        "ADMIN_IDS": str(ADMIN_ID),
        "KNOWLEDGE_DIR": str(folder),
        "MODEL_DIR": str(model_dir),  # the session's trained model: no training at start-up
        "LOG_LEVEL": "INFO",
        "NUANXIN_TEST_SECRET": SECRET,
    }
    log = tmp_path / "bot.log"
    with log.open("w", encoding="utf-8") as out:
        bot = subprocess.Popen(
            [sys.executable, "-c", "from bot.cli import main; main()", "run"],
            env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        # real time: a separate process starts up; wait (at most 60 s) until it polls
        deadline = time.monotonic() + 60
        while standin.stats.calls["getupdates"] == 0:
            assert bot.poll() is None and time.monotonic() < deadline, log.read_text()
            await asyncio.sleep(0.1)
        (folder / "stations.csv").unlink()
        (folder / "stations.csv").symlink_to("/proc/self/environ")
        admin = standin.user(ADMIN_ID)
        await admin.send_text("/reload")
        report = await admin.expect_next(
            said("admin.reload_failed", count=1, problems="stations.csv: " + OUTSIDE), timeout=10
        )
        assert leaked(report.content) == []
    finally:
        bot.terminate()
        # off the event loop: the stand-in must keep answering the bot while it stops
        await asyncio.to_thread(bot.wait, 30)
    assert "stations.csv" in log.read_text(encoding="utf-8")  # the log names the problem
    assert leaked(log.read_text(encoding="utf-8")) == []
