"""Updates coming in: each read on its own, and the webhook server that takes them.

A Bot API server newer or older than python-telegram-bot can send an update PTB cannot read
(a field it requires is missing, a value has another type). PTB reads a getUpdates batch all at
once, so such an update fails the whole batch; its Updater logs the batch (personal data
included) and asks for it again at once, with the same offset, forever: nobody is answered. Here
an update PTB cannot read is skipped, logged once by its id and the error (never its content),
and every other update is served, by long polling and by webhook alike.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from typing import Any

from aiohttp import StreamReader, web
from telegram import Bot, Update
from telegram.ext import ExtBot
from telegram.request import BaseRequest, RequestData

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
WEBHOOK_PATH = "/telegram"  # the path `nuanxin run` has always served
# An update is a few KB (a message is at most 4,096 characters, files come as ids); 1 MB is
# far above any real one and far below what would hurt the bot's memory.
MAX_BODY = 1024 * 1024
_FIELD = re.compile(r"[a-z_]{1,40}")  # an update's kind, e.g. "message"; nothing else is logged


def read_update(raw: object, bot: Bot | None) -> Update | None:
    """The update as PTB reads it, or None when PTB cannot read it (logged, by id only)."""
    if not isinstance(raw, dict):
        logger.warning("update skipped: not a JSON object but %s", type(raw).__name__)
        return None
    try:
        return Update.de_json(raw, bot)
    except Exception as exc:  # whatever PTB raises: the update is unreadable, the bot is not
        _log_unreadable(raw, exc)
        return None


def _log_unreadable(raw: dict[str, Any], exc: Exception) -> None:
    kinds = ",".join(k for k in raw if k != "update_id" and _FIELD.fullmatch(k)) or "?"
    logger.warning(
        "update %s skipped: python-telegram-bot cannot read this %s (%s: %s)",
        update_id_of(raw), kinds, type(exc).__name__, scrubbed(str(exc), raw),
    )  # fmt: skip


def update_id_of(raw: object) -> int | None:
    """The update_id of a raw update, when it has a sound one."""
    uid = raw.get("update_id") if isinstance(raw, dict) else None
    return uid if isinstance(uid, int) and not isinstance(uid, bool) else None


def scrubbed(text: str, raw: object) -> str:
    """An error's text with every value of the update blanked out: PTB's errors name fields,
    but one could quote a value (a phone number, a name), and logs carry ids only."""
    for value in sorted(_values(raw), key=len, reverse=True):
        text = text.replace(value, "…")
    return text[:300]


def _values(raw: object) -> set[str]:
    """Every string and number in a JSON value (numbers of 3 digits or more: shorter ones
    cannot identify anyone, and blanking them would garble the error's own words)."""
    if isinstance(raw, dict):
        return set().union(*map(_values, raw.values())) if raw else set()
    if isinstance(raw, list):
        return set().union(*map(_values, raw)) if raw else set()
    if isinstance(raw, str) and len(raw) >= 2:
        return {raw}
    if isinstance(raw, int | float) and not isinstance(raw, bool) and len(str(raw)) >= 3:
        return {str(raw)}
    return set()


def screened(batch: list[Any]) -> list[Any]:
    """A getUpdates batch with every update PTB cannot read replaced by its bare id.

    PTB's Updater confirms a batch up to its last update_id, so the batch must keep its ids:
    a bare `{"update_id": N}` moves the offset past the bad update (it is never fetched again)
    and reaches the handler as an update without a chat, which is ignored. An item without an
    id cannot be confirmed at all; Telegram never sends one, so it is only dropped."""
    kept = []
    for raw in batch:
        if read_update(raw, None) is not None:
            kept.append(raw)
        elif (uid := update_id_of(raw)) is not None:
            kept.append({"update_id": uid})
    return kept


class ScreenedUpdates(BaseRequest):
    """The transport for getUpdates (`ApplicationBuilder.get_updates_request`): another
    transport's calls, with each batch screened (`screened`) before PTB reads it.

    Why this seam: `parse_json_payload` is the place PTB documents for changing how an answer
    is read, and the request passed as `get_updates_request` carries getUpdates and nothing
    else; no private name of PTB is touched, and PTB's Updater (offsets, retries, 409s) keeps
    working as it is. The price: each update is parsed twice, here and by PTB (0.09 ms of CPU
    for a message, 0.15 ms for a button press; the Bot takes no parsed update)."""

    def __init__(self, inner: BaseRequest) -> None:
        self._inner = inner

    @property
    def read_timeout(self) -> float | None:
        return self._inner.read_timeout

    async def initialize(self) -> None:
        await self._inner.initialize()

    async def shutdown(self) -> None:
        await self._inner.shutdown()

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        answer = BaseRequest.parse_json_payload(payload)
        if answer.get("ok") is True and isinstance(answer.get("result"), list):
            answer["result"] = screened(answer["result"])
        return answer

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        return await self._inner.do_request(
            url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
        )


class WebhookServer:
    """The webhook: our own small aiohttp server feeding the Application's update queue.

    PTB's own (tornado) reads up to 100 MB of every request before it looks at the secret, so
    anyone who reaches the port can make the bot hold gigabytes. Here the secret is compared (in
    constant time) as soon as the headers are in, and a request without it is refused before a
    byte of its body is read; a body over MAX_BODY is refused by its Content-Length, or once
    that much of a chunked body has come; the connection of a refused request is closed, not
    drained. An update PTB cannot read is answered 200 (and logged once), since Telegram sends
    anything else again and again."""

    def __init__(self, bot: Bot, queue: asyncio.Queue[object], secret: str) -> None:
        self._bot, self._queue = bot, queue
        self._secret = secret.encode()
        self._runner: web.ServerRunner | None = None
        self.refused = 0  # requests without the right secret, since the start

    async def start(self, host: str, port: int) -> None:
        """Listen on host:port."""
        # lingering_time=0: aiohttp would otherwise read (and discard) an unread body for up
        # to 10 s after the answer; a refused request's connection is closed instead.
        server = web.Server(self._handle, handler_cancellation=True, access_log=None,
                            lingering_time=0)  # fmt: skip
        runner = web.ServerRunner(server, handle_signals=False, shutdown_timeout=1.0)
        await runner.setup()
        try:
            await web.TCPSite(runner, host, port).start()
        except OSError:
            await runner.cleanup()
            raise
        self._runner = runner

    async def stop(self) -> None:
        """Stop listening; updates already queued are served by the Application."""
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _handle(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.path != WEBHOOK_PATH:
            return _refuse(404)
        if request.method != "POST":
            return _refuse(405)
        if not self._authentic(request.headers.get(SECRET_HEADER)):
            self._note_refusal()
            return _refuse(403)
        if request.content_length is not None and request.content_length > MAX_BODY:
            return _too_large(request.content_length)
        body = await _read_capped(request.content, MAX_BODY)
        if body is None:
            return _too_large(None)
        update = _parse_body(body, self._bot)
        if update is not None:
            if isinstance(self._bot, ExtBot):  # what PTB's own webhook does (callback data)
                self._bot.insert_callback_data(update)
            await self._queue.put(update)
        return web.Response()

    def _authentic(self, given: str | None) -> bool:
        """Telegram's secret header, compared in constant time (no guessing it byte by byte)."""
        if given is None:
            return False
        return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self._secret)

    def _note_refusal(self) -> None:
        """Count refusals; log the 1st, 2nd, 4th, 8th...: someone probing the port is worth a
        line, but a flood of requests must not become a flood of log lines."""
        self.refused += 1
        if self.refused & (self.refused - 1) == 0:
            logger.warning("webhook: refused %d request(s) without the right secret token",
                           self.refused)  # fmt: skip


def _refuse(status: int) -> web.Response:
    """An answer that closes the connection: a body left unread is never read."""
    response = web.Response(status=status)
    response.force_close()
    return response


def _too_large(declared: int | None) -> web.Response:
    """413 for a body over MAX_BODY: by its Content-Length, or once a chunked one passed it."""
    size = f"of {declared} bytes" if declared is not None else "sent in chunks, past the limit"
    logger.warning("webhook: refused a body %s (at most %d bytes)", size, MAX_BODY)
    return _refuse(413)


async def _read_capped(stream: StreamReader, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes `limit` (the rest is never read)."""
    chunks, size = [], 0
    async for chunk in stream.iter_any():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_body(body: bytes, bot: Bot) -> Update | None:
    """The update a webhook body holds, or None (logged once, without its content)."""
    try:
        raw = json.loads(body)
    except ValueError as exc:  # UnicodeDecodeError is a ValueError too
        logger.warning("webhook: skipped a body that is not JSON (%d bytes, %s)",
                       len(body), type(exc).__name__)  # fmt: skip
        return None
    return read_update(raw, bot)
