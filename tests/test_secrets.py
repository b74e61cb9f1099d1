"""Nothing secret reaches a log (the token, the webhook secret, the database password), and
logs name people by id only, never by name, phone or text: at every level, DEBUG included."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from bot.core.clock import ManualClock
from bot.logs import Redact, secrets_of, setup_logging
from bot.settings import Settings
from bot.telegram.runner import Webhook
from standin import FakeUser, StandIn
from tests.botkit import RunningBot
from tests.harness import said, to_location

TOKEN = "987654321:AAHsecretTOKENvalue_zz-1234567890abc"
SECRET = TOKEN.split(":")[1]
HOOK_SECRET = "hookSECRET_value-0123456789"
PASSWORD = "dbPASSWORD-value-42"
CLI = [sys.executable, "-c", "from bot.cli import main; main()"]
# every library the bot runs on, at DEBUG as someone chasing a problem would set them
LIBRARIES = ("telegram", "httpx", "httpcore", "aiohttp", "aiohttp.access", "apscheduler",
             "sqlalchemy", "alembic")  # fmt: skip


def test_redaction_filter_hides_tokens_anywhere() -> None:
    redact = Redact((TOKEN,)).redact
    assert SECRET not in redact(f"POST https://api.telegram.org/bot{TOKEN}/getUpdates")
    assert "<secret>" in redact("the token `123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabc` was rejected")


def test_redaction_takes_every_secret_from_the_settings() -> None:
    settings = Settings.load(
        environ={
            "BOT_TOKEN": TOKEN,
            "WEBHOOK_SECRET": HOOK_SECRET,
            "DATABASE_URL": f"postgresql://nuanxin:{PASSWORD}@db.example/nuanxin",
        },
        env_file=None,
    )
    redact = Redact(secrets_of(settings)).redact
    line = redact(
        f"token {SECRET} secret {HOOK_SECRET} settings {settings!r} url {settings.database_url}"
    )
    for secret in (SECRET, HOOK_SECRET, PASSWORD):
        assert secret not in line
    quoted = Settings.load(environ={"DATABASE_URL": "postgresql://db/x?password=a%2Fb%3Dc"},
                           env_file=None)  # fmt: skip
    assert "a/b=c" not in Redact(secrets_of(quoted)).redact("password a/b=c")


def test_library_payloads_are_hidden_and_the_rest_kept() -> None:
    def shown(msg: str, *args: object) -> str:
        record = logging.LogRecord("telegram.Bot", logging.DEBUG, __file__, 1, msg, args, None)
        Redact().filter(record)
        return record.getMessage()

    call = shown("Calling Bot API endpoint `%s` with parameters `%s`", "sendMessage",
                 {"chat_id": 1, "text": "张三丰 13800138000"})  # fmt: skip
    assert call == "Calling Bot API endpoint `sendMessage` with parameters `<hidden>`"
    assert shown("Processing update %s", {"message": {"text": "张三丰"}}) == (
        "Processing update <hidden>"
    )
    assert shown("Getting updates: %s", [1, 2]) == "Getting updates: [1, 2]"


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
    assert "submitted by user 4242" in log
    for private in ("张三丰", "zsf_rider", "秘密内容XYZ", "13800138000"):  # at every level
        assert private not in log


# --- in process, every library at DEBUG: polling, a refused statement, webhook mode ----------

NAMES = ("张三丰", "zsf_rider", "李四光", "lsg_driver")
PHONE = "13800138000"
TEXTS = ("秘密内容XYZ：站长克扣工资", "秘密问题QRS：哪里能喝水")


@contextmanager
def captured_log(settings: Settings) -> Iterator[io.StringIO]:
    """`setup_logging` given these settings (their secrets redacted), every library at
    DEBUG, and its handler writing here; the logging set-up before it restored after."""
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    levels = {name: logging.getLogger(name).level for name in LIBRARIES}
    out = io.StringIO()
    setup_logging("DEBUG", settings=settings)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG)
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(out)
    try:
        yield out
    finally:
        root.handlers[:] = before[0]
        root.setLevel(before[1])
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def with_password(url: str) -> str:
    """The test database's URL with a password (PostgreSQL trusts the test user anyway)."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return url
    return parts._replace(netloc=f"{parts.username}:{PASSWORD}@{parts.hostname}:{parts.port}"
                          ).geturl()  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def until_logged(out: io.StringIO, text: str, timeout: float = 10) -> None:
    """Wait (bounded) until the log shows `text`: an error path runs after the reply."""
    deadline = time.monotonic() + timeout
    while text not in out.getvalue():
        assert time.monotonic() < deadline, f"{text!r} not logged within {timeout}s"
        await asyncio.sleep(0.02)


async def polling_with_failures(bot: RunningBot, standin: StandIn, out: io.StringIO) -> None:
    """A named suggestion with a phone number; the same again, refused by the database with
    the name, phone and text among the statement's parameters; a reply Telegram refuses."""
    worker = standin.user(4242, NAMES[0], username=NAMES[1])
    bot.sync(lambda s: s.execute(text("CREATE UNIQUE INDEX one_per_phone "
                                      "ON suggestions (contact_phone)")))  # fmt: skip
    await submit_named_with_phone(worker, TEXTS[0], PHONE)
    await to_location(worker, TEXTS[0])
    await worker.send_text("跳过")
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:named")
    await worker.expect_next(said("suggest.ask_phone"))
    await worker.send_contact(PHONE)
    await worker.expect_next(said("suggest.summary", text=TEXTS[0]))
    await worker.press(data="sg:confirm")
    await worker.expect_next(said("error"))  # the unique index refused the second one
    await until_logged(out, "IntegrityError")
    standin.faults.add("sendMessage", "500", count=None)
    await worker.send_text("/help")
    await until_logged(out, "could not tell chat 4242")
    standin.faults.clear()


@pytest.mark.slow
async def test_nothing_secret_or_personal_is_logged_at_debug(
    bot_settings: Settings, standin: StandIn
) -> None:
    """DEBUG logs everything the other levels do, and more: what holds here holds for all."""
    standin.tokens = {TOKEN}
    settings = bot_settings.with_values(
        bot_token=TOKEN,
        webhook_secret=HOOK_SECRET,
        database_url=with_password(bot_settings.database_url),
    )
    with captured_log(settings) as out:
        bot = RunningBot(settings, clock=ManualClock())
        await bot.start()
        try:
            await polling_with_failures(bot, standin, out)
        finally:
            await bot.stop()
        port = free_port()
        hook = Webhook(f"http://127.0.0.1:{port}/telegram", "127.0.0.1", port, HOOK_SECRET)
        bot = RunningBot(settings, webhook=hook, clock=ManualClock())
        await bot.start()
        try:
            driver = standin.user(4343, NAMES[2], username=NAMES[3])
            await driver.send_text(TEXTS[1])
            await driver.reply()
        finally:
            await bot.stop()
    log = out.getvalue()
    for secret in (SECRET, HOOK_SECRET, PASSWORD):
        assert secret not in log
    for private in (*NAMES, PHONE, *TEXTS):
        assert private not in log, private
    # the paths ran, and logged: the checks above looked at something
    for seen in ("Calling Bot API endpoint `setWebhook`", "unhandled error in event",
                 "sqlalchemy.engine", "submitted by user 4242"):  # fmt: skip
        assert seen in log, seen
