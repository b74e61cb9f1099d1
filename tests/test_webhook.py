"""Webhook mode trusts nobody but Telegram: no start without a secret, the secret checked before
a byte of the body is read, bodies over 1 MB refused unread, the bot's memory flat under a
flood of large unauthenticated posts."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.catalog import t
from bot.settings import Settings
from bot.storage import suggestions
from bot.telegram.runner import StartupError, Webhook
from bot.telegram.updates import MAX_BODY, SECRET_HEADER
from standin import StandIn
from tests.botkit import RunningBot
from tests.conftest import STAFF_CHAT, STAFF_ID
from tests.harness import said, submit
from tests.test_runner import nuanxin

SECRET = "s3cret-token_for-tests"
MB = 1024 * 1024
CHUNK = b"\0" * (64 * 1024)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_webhook_needs_a_sound_secret() -> None:
    for secret in ("", "has spaces", "x" * 257):
        with pytest.raises(StartupError, match=r"WEBHOOK_SECRET .*secrets\.token_urlsafe"):
            Webhook("https://example.org/telegram", "127.0.0.1", 8443, secret)


@pytest.mark.slow  # a child Python process that imports the bot: about 3 s
def test_run_in_webhook_mode_without_a_secret_says_how_to_make_one(tmp_path: Path) -> None:
    env = {"BOT_TOKEN": "1:x", "DATABASE_URL": f"sqlite:///{tmp_path}/x.db", "CWD": str(tmp_path),
           "WEBHOOK_URL": "https://example.org/telegram"}  # fmt: skip
    result = nuanxin("run", env=env)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("nuanxin: WEBHOOK_SECRET is not set"), result.stderr
    assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in last
    assert not (tmp_path / "x.db").exists()  # refused before anything else was done


@pytest.fixture
async def webhook_bot(bot_settings: Settings) -> AsyncIterator[RunningBot]:
    """The real bot in webhook mode (the stand-in posts updates to it, with the secret)."""
    port = free_port()
    hook = Webhook(f"http://127.0.0.1:{port}/telegram", "127.0.0.1", port, SECRET)
    running = RunningBot(bot_settings, webhook=hook)
    await running.start()
    yield running
    await running.stop()


def forged_answer(code: str, text: str) -> dict[str, Any]:
    """An update as if the staff member had typed `/answer CODE text` to the bot."""
    staff = {"id": STAFF_ID, "is_bot": False, "first_name": "李老师"}
    command = {"type": "bot_command", "offset": 0, "length": len("/answer")}
    message = {"message_id": 4242, "from": staff, "chat": {**staff, "type": "private"},
               "date": int(time.time()), "text": f"/answer {code} {text}",
               "entities": [command]}  # fmt: skip
    return {"update_id": 10**6, "message": message}


async def post(url: str, body: dict[str, Any], secret: str | None) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, json=body, headers=headers) as r,
    ):
        return r.status


async def test_a_forged_update_without_the_secret_is_refused(
    webhook_bot: RunningBot, standin: StandIn
) -> None:
    worker = standin.user(1001, "小王")
    code = await submit(worker)
    await standin.group(STAFF_CHAT).expect_next(said("staff.new", code=code))
    member = standin.user(STAFF_ID, "李老师")
    url, forged = standin.webhook["url"], forged_answer(code, "已处理，请放心")
    for secret in (None, "", "wrong", SECRET[:-1] + "X", SECRET + "X"):
        assert await post(url, forged, secret) == 403, secret
    # the same chat once more, by Telegram: had the forgery been taken, its preview came first
    await member.send_text(f"/view {code}")
    await member.expect_next(said("staff.new", code=code))
    stored = webhook_bot.sync(suggestions.get, code)
    assert stored is not None and stored.answer is None
    assert worker.drain() == []
    # with the secret the very same update is served: it was refused for the secret alone
    assert await post(url, forged, SECRET) == 200
    await member.expect_next(said("staff.answer_preview", code=code, text="已处理，请放心"))
    await member.press(t("staff.btn_send", "zh"))
    await member.expect_next(said("staff.new", code=code))  # the card /view showed, edited
    await member.expect_next(said("staff.answer_sent", code=code))
    await worker.expect_next(said("worker.answer", code=code, answer="已处理，请放心"))


class Upload:
    """A large body streamed from a generator (never held whole); counts what was handed over."""

    def __init__(self, size: int) -> None:
        self.size, self.given = size, 0

    async def body(self) -> AsyncIterator[bytes]:
        while self.given < self.size:
            self.given += len(CHUNK)
            yield CHUNK


async def send_large(
    session: aiohttp.ClientSession, upload: Upload, url: str, secret: str | None, declared: bool
) -> int:
    """POST the upload (with a Content-Length, or chunked); the status."""
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    if declared:
        headers["Content-Length"] = str(upload.size)
    async with session.post(url, data=upload.body(), headers=headers) as response:
        return response.status


async def refused_or_cut(
    session: aiohttp.ClientSession, upload: Upload, url: str, secret: str | None, declared: bool
) -> int:
    """The status, or 0 when the connection was closed before the client could read it: the
    bot closes a refused request's connection at once, and a client busy writing its body may
    meet the closed socket before it reads the answer (an attacker's problem, not the bot's)."""
    try:
        return await send_large(session, upload, url, secret, declared)
    except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError):
        return 0


async def test_large_bodies_are_refused_unread(webhook_bot: RunningBot, standin: StandIn) -> None:
    url = standin.webhook["url"]
    async with aiohttp.ClientSession() as session:
        for secret, declared, status in (
            (None, True, 403),
            ("wrong", False, 403),
            (SECRET, True, 413),
            (SECRET, False, 413),
        ):
            upload = Upload(20 * MB)
            assert await send_large(session, upload, url, secret, declared) == status
            assert upload.given < 10 * MB, (secret, declared)  # refused long before the end
        # a body just over the limit, and one just under it (not JSON: taken, skipped)
        over, under = Upload(MAX_BODY + len(CHUNK)), Upload(MAX_BODY)
        assert await send_large(session, over, url, SECRET, False) == 413
        assert await send_large(session, under, url, SECRET, False) == 200
        async with session.get(url, headers={SECRET_HEADER: SECRET}) as response:
            assert response.status == 405
    worker = standin.user(1001, "小王")
    await worker.send_text("/start")
    await worker.expect_next(said("start", name="小王"))


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (the peak so far) of a process, in kB, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


@pytest.fixture
def webhook_process(standin: StandIn, tmp_path: Path, model_dir: Path) -> Iterator[int]:
    """`nuanxin run` in webhook mode as a child process: its memory is the bot's alone (not
    the test's, the stand-in's or pytest's), which keeps the measurement honest."""
    port = free_port()
    env = {**os.environ, "BOT_TOKEN": standin.token, "TELEGRAM_API_URL": standin.url,
           "DATABASE_URL": f"sqlite:///{tmp_path}/w.db", "MODEL_DIR": str(model_dir),
           "WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram", "WEBHOOK_LISTEN": "127.0.0.1",
           "WEBHOOK_PORT": str(port), "WEBHOOK_SECRET": SECRET, "LOG_LEVEL": "WARNING"}  # fmt: skip
    log = (tmp_path / "bot.log").open("wb")
    command = [sys.executable, "-c", "from bot.cli import main; main()", "run"]
    proc = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=log, stderr=log)
    try:
        yield proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


@pytest.mark.slow  # a child process that imports the bot, then 36 posts of 20 MB: about 4 s
async def test_memory_stays_flat_under_large_unauthenticated_posts(
    webhook_process: int, standin: StandIn
) -> None:
    deadline = time.monotonic() + 60  # a child process starts in real time: wait, bounded
    while not standin.webhook["url"]:
        assert time.monotonic() < deadline, "the bot did not set its webhook within 60 s"
        await asyncio.sleep(0.05)
    worker = standin.user(1001, "小王")
    await worker.send_text("/start")  # served end to end before the measurement starts
    await worker.expect_next(said("start", name="小王"), timeout=30)
    before = memory_kb(webhook_process)
    url = standin.webhook["url"]
    # 30 without the right secret (half with a Content-Length, half chunked), 6 with it but
    # too large; all at once, 20 MB each
    plan = [(None if i % 3 else "wrong", i % 2 == 0, 403) for i in range(30)]
    plan += [(SECRET, i % 2 == 0, 413) for i in range(6)]
    uploads = [Upload(20 * MB) for _ in plan]
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        statuses = await asyncio.gather(*(
            refused_or_cut(session, upload, url, secret, declared)
            for upload, (secret, declared, _) in zip(uploads, plan, strict=True)
        ))  # fmt: skip
    after = memory_kb(webhook_process)
    offered = sum(upload.given for upload in uploads) / MB
    print(f"\nbot RSS before {before['VmRSS'] / 1024:.1f} MB, after {after['VmRSS'] / 1024:.1f}"
          f" MB, peak {after['VmHWM'] / 1024:.1f} MB (was {before['VmHWM'] / 1024:.1f}); "
          f"{len(plan)} x 20 MB posted at once, {offered:.0f} MB handed to the sockets before "
          f"the answers; statuses {sorted(statuses)}")  # fmt: skip
    for status, (*_, expected) in zip(statuses, plan, strict=True):
        assert status in (expected, 0), statuses
    assert offered < len(plan) * 20 / 4  # MB: the bodies were not read (not even discarded)
    assert after["VmHWM"] - before["VmHWM"] < 16 * 1024  # kB: no body was held
    assert after["VmRSS"] - before["VmRSS"] < 16 * 1024
    await worker.send_text("/help")  # and the bot still serves
    await worker.expect_next(said("help"), timeout=30)
