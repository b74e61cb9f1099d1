"""`nuanxin run` and `nuanxin demo`: start-up errors in one line, webhook mode, the demo."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.demo import PEOPLE
from bot.settings import Settings
from bot.telegram.runner import StartupError, Webhook, open_database
from standin import StandIn
from tests.botkit import RunningBot
from tests.harness import CODE, said

ROOT = Path(__file__).resolve().parent.parent


def nuanxin(
    *args: str, env: dict[str, str], stdin: str = "", timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run the installed console script with a clean environment."""
    full_env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env}
    return subprocess.run(
        [sys.executable, "-c", "from bot.cli import main; main()", *args],
        env=full_env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=env.get("CWD", ROOT),
    )


@pytest.mark.slow  # a child Python process that imports the bot: about 3 s
def test_run_without_token_says_how_to_get_one(tmp_path: Path) -> None:
    result = nuanxin(
        "run", env={"DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "CWD": str(tmp_path)}
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("nuanxin: BOT_TOKEN is not set")


@pytest.mark.slow  # a child Python process that imports the bot: about 3 s
def test_run_with_unreachable_database(tmp_path: Path) -> None:
    env = {
        "BOT_TOKEN": "1:x",
        "DATABASE_URL": "postgresql://u@127.0.0.1:9/db",
        "CWD": str(tmp_path),
    }
    result = nuanxin("run", env=env)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("nuanxin: cannot reach the database") and "DATABASE_URL" in last


@pytest.mark.slow  # a child Python process that imports the bot: about 3 s
def test_run_with_a_newer_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/new.db"
    db = open_database(Settings.load(environ={"DATABASE_URL": url}, env_file=None))
    with db.session() as s:
        s.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    db.dispose()
    result = nuanxin("run", env={"BOT_TOKEN": "1:x", "DATABASE_URL": url, "CWD": str(tmp_path)})
    assert result.returncode == 1
    assert "newer than this version of nuanxin" in result.stderr.strip().splitlines()[-1]


async def test_rejected_token_is_one_clear_line(bot_settings: Settings, standin: StandIn) -> None:
    running = RunningBot(bot_settings.with_values(bot_token="123:wrong"))
    standin.tokens = {standin.token}
    with pytest.raises(StartupError, match="rejected BOT_TOKEN"):
        await running.start()
    await running.stop()


async def test_unreachable_bot_api(bot_settings: Settings) -> None:
    running = RunningBot(bot_settings.with_values(telegram_api_url="http://127.0.0.1:9"))
    with pytest.raises(StartupError, match=r"cannot reach the Bot API .*TELEGRAM_API_URL"):
        await running.start()
    await running.stop()


async def test_webhook_mode_takes_updates(bot_settings: Settings, standin: StandIn) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    hook = Webhook(f"http://127.0.0.1:{port}/telegram", "127.0.0.1", port, "s3cret")
    running = RunningBot(bot_settings, webhook=hook)
    await running.start()
    try:
        worker = standin.user(1001, "小王")
        await worker.send_text("/start")
        await worker.expect_next(said("start", name="小王"))
        assert standin.webhook["url"] == hook.url
    finally:
        await running.stop()


def transcript(out: str) -> list[tuple[str, str]]:
    """The demo's printout as (chat, text) per bot message: its indentation and numbered
    buttons taken off, so catalog patterns match as they do in a chat."""
    messages = []
    for block in out.split("\n🤖 → ")[1:]:
        head, *lines = block.split("\n")
        text = [line[3:] for line in lines if line.startswith("   ")]
        text = [line for line in text if not re.match(r"\[\d+\] ", line)]
        messages.append((head.removesuffix(":").removesuffix(" (edited)"), "\n".join(text)))
    return messages


@pytest.mark.slow
def test_demo_submits_a_suggestion_from_a_script(tmp_path: Path, model_dir: Path) -> None:
    text = "驿站能不能装个充电柜"
    # the first button each time: the category (yes, or the best guess), rider, skip the
    # place (the second key), anonymous, submit
    script = "\n".join(["/start", "/suggest", text, "1", "1", "2", "1", "1", "/my", ":quit"])
    env = {"CWD": str(tmp_path), "MODEL_DIR": str(model_dir)}
    result = nuanxin(
        "demo", "--database-url", f"sqlite:///{tmp_path}/demo.db", env=env, stdin=script
    )
    assert result.returncode == 0, result.stderr
    said_in = transcript(result.stdout)
    worker = PEOPLE[0][1]  # the demo speaks as the worker first

    def find(pattern: re.Pattern[str]) -> tuple[str, str]:
        found = [m for m in said_in if pattern.search(m[1])]
        assert len(found) == 1, (pattern.pattern, said_in)
        return found[0]

    assert find(said("suggest.summary", text=text))[0] == worker
    chat, receipt = find(said("suggest.receipt"))
    assert chat == worker
    code = CODE.search(receipt)
    assert code is not None
    chat, _ = find(said("staff.new", code=code.group(0), text=text))
    assert chat != worker  # the staff chat saw it
    assert find(said("my.item", code=code.group(0), text=text))[0] == worker


@pytest.mark.slow
def test_a_second_demo_run_on_the_same_database_makes_new_cases(
    tmp_path: Path, model_dir: Path
) -> None:
    """The stand-in numbers updates from 1 in each run, the demo database stays: a case of
    the second run must not be taken for one of the first (a case is stored once per update)."""
    env = {"CWD": str(tmp_path), "MODEL_DIR": str(model_dir)}
    codes = []
    for typed in ("驿站能不能装个充电柜", "夜里驿站关门太早"):
        script = "\n".join(["/suggest", typed, "1", "1", "2", "1", "1", ":quit"])
        result = nuanxin(
            "demo", "--database-url", f"sqlite:///{tmp_path}/demo.db", env=env, stdin=script
        )
        assert result.returncode == 0, result.stderr
        receipts = [m for _chat, m in transcript(result.stdout)
                    if said("suggest.receipt").search(m)
                    and said("suggest.receipt_quote", text=typed).search(m)]  # fmt: skip
        assert len(receipts) == 1, result.stdout
        found = CODE.search(receipts[0])
        assert found is not None
        codes.append(found.group(0))
    assert codes[0] != codes[1]
