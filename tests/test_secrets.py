"""The token never reaches a log; logs name users by id only, never by name, phone or text."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bot.logs import RedactTokens
from standin import FakeUser, StandIn
from tests.harness import said, to_location

TOKEN = "987654321:AAHsecretTOKENvalue_zz-1234567890abc"
SECRET = TOKEN.split(":")[1]
CLI = [sys.executable, "-c", "from bot.cli import main; main()"]


def test_redaction_filter_hides_tokens_anywhere() -> None:
    redact = RedactTokens((TOKEN,)).redact
    assert SECRET not in redact(f"POST https://api.telegram.org/bot{TOKEN}/getUpdates")
    assert "<token>" in redact("the token `123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabc` was rejected")


def _env(standin: StandIn, tmp_path: Path, level: str, model: Path | None = None) -> dict[str, str]:
    model_dir = {"MODEL_DIR": str(model)} if model is not None else {}  # trained once, shared
    return {
        **model_dir,
        **os.environ,
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": standin.url,
        "DATABASE_URL": f"sqlite:///{tmp_path}/s.db",
        "STAFF_CHAT_ID": "-100500",
        "LOG_LEVEL": level,
    }


async def _run_bot(
    env: dict[str, str], cwd: Path, standin: StandIn, script: Callable[[Path], Awaitable[None]]
) -> str:
    """`nuanxin run` in a child process while `script(log)` talks to it; the log it wrote."""
    log = cwd / "bot.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([*CLI, "run"], env=env, cwd=cwd, stderr=out, stdout=out)
        try:
            # a child process starts in real time: wait (bounded) until it polls
            deadline = time.monotonic() + 60
            while standin.stats.calls["getupdates"] == 0:
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                await asyncio.sleep(0.05)
            await script(log)
        finally:
            proc.terminate()
            for _ in range(400):
                if proc.poll() is not None:
                    break
                await asyncio.sleep(0.05)
    return log.read_text(encoding="utf-8", errors="replace")


async def logged(log: Path, text: str, timeout: float = 30) -> None:
    """Wait (bounded, in real time: the bot is a child process) until its log shows `text`."""
    deadline = time.monotonic() + timeout
    while text not in log.read_text(encoding="utf-8", errors="replace"):
        assert time.monotonic() < deadline, f"{text!r} not logged within {timeout}s"
        await asyncio.sleep(0.05)


async def submit_named_with_phone(worker: FakeUser, text: str, phone: str) -> None:
    """A suggestion with the worker's name and phone number on it, confirmed."""
    await to_location(worker, text)
    await worker.send_text("跳过")
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:named")
    await worker.expect_next(said("suggest.ask_phone"))
    await worker.send_contact(phone)
    summary = await worker.expect_next(said("suggest.summary", text=text))
    assert phone in summary.content  # it is on the suggestion (staff see it), not in the log
    await worker.press(data="sg:confirm")
    await worker.expect_next(said("suggest.receipt"))


@pytest.mark.slow
def test_rejected_token_is_not_printed(tmp_path: Path) -> None:
    async def run() -> subprocess.CompletedProcess[str]:
        async with StandIn(tokens={"1:other"}) as standin:
            env = _env(standin, tmp_path, "DEBUG")
            return await asyncio.to_thread(
                subprocess.run, [*CLI, "run"], env=env, cwd=tmp_path, capture_output=True,
                text=True, timeout=60,
            )  # fmt: skip

    result = asyncio.run(run())
    assert result.returncode == 1
    assert "rejected BOT_TOKEN" in result.stderr
    assert SECRET not in result.stderr + result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("level", ["DEBUG", "INFO"])
async def test_error_paths_never_log_the_token_or_personal_data(
    standin: StandIn, tmp_path: Path, model_dir: Path, level: str
) -> None:
    standin.tokens = {TOKEN}
    worker = standin.user(4242, "张三丰", username="zsf_rider")

    async def script(log: Path) -> None:
        await submit_named_with_phone(worker, "秘密内容XYZ：站长克扣工资", "13800138000")
        standin.faults.add("sendMessage", "500", count=None)  # every send fails from now on
        await worker.send_text("/help")
        # the send's retries, then the error handler, whose own message fails too
        await logged(log, "could not tell chat 4242")
        standin.faults.clear()

    log = await _run_bot(_env(standin, tmp_path, level, model_dir), tmp_path, standin, script)
    assert SECRET not in log
    assert "submitted by user 4242" in log or level == "DEBUG"
    if level == "INFO":  # the default level: ids only
        for private in ("张三丰", "zsf_rider", "秘密内容XYZ", "13800138000"):
            assert private not in log
