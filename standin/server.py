"""The stand-in's HTTP layer: Bot API routes, long polling, webhook delivery, file downloads."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote, unquote_plus

import aiohttp
from aiohttp import web

from standin.faults import SEND_METHODS, ApiError, Fault, Faults, Limits, Stats
from standin.messages import BotMessage, StoredFile, Upload
from standin.state import BOT_INFO, Params, State
from standin.user import FakeGroup, FakeUser

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEFAULT_TOKEN = "123456:STANDIN-token"
MAX_BODY = 60 * 1024 * 1024
_JSON = "application/json"
_TOKEN = re.compile(r"\d+:[A-Za-z0-9_-]+")
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
# Parameters that PTB sends as raw strings; every other form value is JSON-encoded.
STRING_PARAMS = frozenset((
    "text", "caption", "parse_mode", "url", "secret_token", "callback_query_id", "title",
    "address", "foursquare_id", "foursquare_type", "google_place_id", "google_place_type",
    "action", "file_id", "language_code", "inline_message_id", "business_connection_id",
    "ip_address", "message_effect_id", "phone_number", "first_name", "last_name", "vcard", "emoji",
    "name", "description", "short_description", "photo", "document", "sticker", "voice", "audio",
    "video", "animation", "thumbnail", "certificate",
))  # fmt: skip


def _dumps(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def _ok(result: Any) -> web.Response:
    return web.Response(body=_dumps({"ok": True, "result": result}), content_type=_JSON)


def _error(code: int, description: str, retry_after: int | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.Response(status=code, body=_dumps(body), content_type=_JSON)


CHAT_SCOPES = frozenset({"chat", "chat_administrators", "chat_member"})


def _scope_key(params: Params, state: State) -> str:
    """Commands are kept per scope and language, like Telegram; no scope is the default scope.
    The key is `type:chat_id:language`, and `type:chat_id:user_id:language` for one member.

    A chat's scope needs a chat the bot knows ("chat not found" otherwise, e.g. a person
    who never wrote to the bot), and only the plain chat scope fits a private chat."""
    scope = params.get("scope") or {"type": "default"}
    kind, chat_id = scope.get("type"), scope.get("chat_id")
    if kind in CHAT_SCOPES:
        digits = str(chat_id)
        chat = state.chats.get(int(digits)) if digits.lstrip("-").isdecimal() else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        if kind != "chat" and chat.info.get("type") == "private":
            raise ApiError(400, "Bad Request: can't use specified scope in private chats")
        chat_id = chat.id  # "-100500" and -100500 name the same chat
    member = f"{scope.get('user_id')}:" if kind == "chat_member" else ""
    return f"{kind}:{chat_id}:{member}{params.get('language_code', '')}"


def _bot_commands(raw: Any) -> list[dict[str, str]]:
    """The BotCommand list Telegram stores: command and description only, both required."""
    if raw is None or raw == "":
        return []
    if not isinstance(raw, list):
        raise ApiError(400, "Bad Request: expected an Array of BotCommand")
    unparsable = "Bad Request: can't parse BotCommand: "
    commands = []
    for item in raw:
        if not isinstance(item, dict):
            raise ApiError(400, unparsable + "expected an Object")
        for key in ("command", "description"):
            if key not in item:
                raise ApiError(400, unparsable + f'Can\'t find field "{key}"')
        commands.append({key: str(item[key]) for key in ("command", "description")})
    return commands


def _decode(key: str, value: Any) -> Any:
    """Decode one form value: raw for string parameters, JSON for everything else."""
    if not isinstance(value, str) or key in STRING_PARAMS or not value:
        return value
    if value.isdecimal() or (value[0] == "-" and value[1:].isdecimal()):
        return int(value)
    try:
        return json.loads(value)
    except ValueError:
        return value


def _parse_form(body: str) -> Params:
    """Parse application/x-www-form-urlencoded (faster than urllib's parse_qsl)."""
    params: Params = {}
    for pair in body.split("&"):
        key, _, value = pair.partition("=")
        if "%" in value or "+" in value:
            value = unquote_plus(value)
        params[unquote_plus(key) if "%" in key or "+" in key else key] = value
    return params


async def _read_params(request: web.BaseRequest, query: str) -> Params:
    """Parameters from the query string and a form, multipart or JSON body."""
    params: Params = _parse_form(query) if query else {}
    if request.body_exists:
        ctype = request.headers.get("Content-Type", "")
        if ctype.startswith("application/json"):
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
        elif ctype.startswith("multipart/"):
            for key, value in (await request.post()).items():
                if isinstance(value, web.FileField):
                    params[key] = Upload(value.filename, value.file.read(), value.content_type)
                else:
                    params[key] = value
        else:  # application/x-www-form-urlencoded, parsed without aiohttp's MultiDict
            params.update(_parse_form((await request.read()).decode()))
    return {k: _decode(k, v) for k, v in params.items()}


def _make_request(
    message: Any, payload: Any, protocol: Any, writer: Any, task: Any
) -> web.BaseRequest:
    """aiohttp request factory with a 60 MB body limit for uploads."""
    loop = asyncio.get_running_loop()
    return web.BaseRequest(message, payload, protocol, writer, task, loop, client_max_size=MAX_BODY)


class StandIn:
    """A local Telegram Bot API server plus the in-process driver for scripted users."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        tokens: set[str] | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.host, self.port = host, port
        self.tokens = set(tokens) if tokens is not None else None
        self.limits = limits
        self.faults = Faults()
        self.state = State()
        self.webhook: dict[str, Any] = {"url": ""}
        self._users: dict[int, FakeUser] = {}
        self._poll_generation = 0
        self._closing = False
        self._runner: web.BaseRunner | None = None
        self._webhook_task: asyncio.Task[None] | None = None
        self.commands: dict[str, list[dict[str, Any]]] = {}

    # lifecycle ----------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:PORT."""
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """What ApplicationBuilder().base_url() needs."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """What ApplicationBuilder().base_file_url() needs."""
        return f"{self.url}/file/bot"

    @property
    def token(self) -> str:
        """A token this stand-in accepts."""
        return min(self.tokens) if self.tokens else DEFAULT_TOKEN

    async def start(self) -> StandIn:
        """Start serving on host:port (port 0 picks a free one)."""
        # aiohttp's low-level server: no router or middlewares on the hot path
        server = web.Server(
            self._dispatch, request_factory=_make_request, handler_cancellation=True,
            access_log=None,
        )  # fmt: skip
        self._runner = web.ServerRunner(server, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._closing = False
        return self

    async def stop(self) -> None:
        """Release parked long polls, stop webhook delivery and close the server."""
        self._closing = True
        self.state.updates_signal.fire()
        task, self._webhook_task = self._webhook_task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> StandIn:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # driver API ---------------------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        language_code: str | None = "zh-hans",
        username: str | None = None,
        last_name: str | None = None,
    ) -> FakeUser:
        """A scripted person with a private chat (chat id == user id); same object per id."""
        if user_id not in self._users:
            self._users[user_id] = FakeUser.create(
                self.state, user_id, first_name, language_code, username, last_name
            )
        return self._users[user_id]

    def group(self, chat_id: int, title: str = "暖新工作人员") -> FakeGroup:
        """A group chat (ids starting with -100 are supergroups)."""
        return FakeGroup.create(self.state, chat_id, title)

    def block(self, user_id: int) -> None:
        """The user blocks the bot: sends to them answer 403."""
        self.state.blocked.add(user_id)

    def unblock(self, user_id: int) -> None:
        """The user unblocks the bot."""
        self.state.blocked.discard(user_id)

    def redeliver(self, update_id: int) -> None:
        """Deliver the very same update (same update_id) once more."""
        self.state.redeliver(update_id)

    def add_listener(self, callback: Callable[[BotMessage], Any]) -> None:
        """Call callback(BotMessage) for every bot message or edit (sync or async)."""
        self.state.listeners.append(callback)

    def remove_listener(self, callback: Callable[[BotMessage], Any]) -> None:
        """Stop calling callback."""
        self.state.listeners.remove(callback)

    def pending_updates(self) -> int:
        """Updates the bot has not confirmed yet."""
        return self.state.pending()

    @property
    def stats(self) -> Stats:
        """Per-method call counts and per-chat send timestamps."""
        return self.state.stats

    @property
    def uploads(self) -> list[StoredFile]:
        """Every file the bot uploaded, oldest first."""
        return self.state.uploads

    # HTTP ---------------------------------------------------------------------------------------

    def _token_error(self, token: str) -> web.Response | None:
        """Telegram's answer to a token it does not accept, or None for a good token."""
        if self.tokens is not None and token in self.tokens:
            return None
        if _TOKEN.fullmatch(token) is None:  # api.telegram.org: a malformed token is Not Found
            return _error(404, "Not Found")
        if self.tokens is not None:  # well-formed but not a bot's token
            return _error(401, "Unauthorized")
        return None

    async def _dispatch(self, request: web.BaseRequest) -> web.StreamResponse:
        """Route /bot<token>/<method> and /file/bot<token>/<file_path>."""
        path, _, query = request.raw_path.partition("?")
        if "%" in path:
            path = unquote(path)
        if path.startswith("/bot"):
            token, _, method = path[4:].partition("/")
            rejected = self._token_error(token)
            if rejected is not None:
                return rejected
            return await self._handle(request, method.lower(), await _read_params(request, query))
        if path.startswith("/file/bot"):
            token, _, file_path = path[9:].partition("/")
            rejected = self._token_error(token)
            if rejected is not None:
                return rejected
            f = self.state.files_by_path.get(file_path)
            if f is not None:
                ctype = f.mime_type or "application/octet-stream"
                return web.Response(body=f.data, content_type=ctype)
        return _error(404, "Not Found")

    async def _handle(
        self, request: web.BaseRequest, name: str, params: Params
    ) -> web.StreamResponse:
        """Every Bot API call: faults, flood limits, the method, Telegram-shaped answer."""
        self.state.stats.calls[name] += 1
        fault = self.faults.take(name, params.get("chat_id")) if self.faults else None
        if fault is not None and fault.when == "before":
            early = await self._apply_fault(fault, request)
            if early is not None:
                return early
        try:
            if self.limits is not None and name in SEND_METHODS:
                self.limits.enforce(params.get("chat_id"))
            method = getattr(self.state, "api_" + name, None)
            if method is not None:
                result = method(params)
            else:
                handler = getattr(self, "_api_" + name, None)
                if handler is None:
                    raise ApiError(404, "Not Found")
                result = await handler(params, request)
        except ApiError as exc:
            response = _error(exc.code, exc.description, exc.retry_after)
        else:
            response = _ok(result)
        if fault is not None and fault.when == "after":
            early = await self._apply_fault(fault, request)
            if early is not None:
                return early
        return response

    async def _apply_fault(
        self, fault: Fault, request: web.BaseRequest
    ) -> web.StreamResponse | None:
        """The response replacing the normal answer, or None to answer normally."""
        if fault.kind == "slow":
            await asyncio.sleep(fault.delay)
            return None
        error = fault.error()
        if error is not None:
            return _error(error.code, error.description, error.retry_after)
        if request.transport is not None:  # "drop": close the connection without an answer
            request.transport.abort()
        raise asyncio.CancelledError

    # server-level methods -----------------------------------------------------------------------

    async def _api_close(self, params: Params, request: web.BaseRequest) -> bool:
        """close, logOut and settings the stand-in accepts and forgets."""
        return True

    _api_logout = _api_setchatmenubutton = _api_setmydescription = _api_close
    _api_setmyshortdescription = _api_setmyname = _api_close

    async def _api_getme(self, params: Params, request: web.BaseRequest) -> dict[str, Any]:
        return BOT_INFO

    async def _api_setmycommands(self, params: Params, request: web.BaseRequest) -> bool:
        self.commands[_scope_key(params, self.state)] = _bot_commands(params.get("commands"))
        return True

    async def _api_getmycommands(self, params: Params, request: web.BaseRequest) -> list[Any]:
        return self.commands.get(_scope_key(params, self.state), [])

    async def _api_deletemycommands(self, params: Params, request: web.BaseRequest) -> bool:
        self.commands.pop(_scope_key(params, self.state), None)
        return True

    async def _api_getupdates(
        self, params: Params, request: web.BaseRequest
    ) -> list[dict[str, Any]]:
        """getUpdates with real long polling and offset confirmation."""
        state = self.state
        if self.webhook["url"]:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        state.confirm(int(params.get("offset") or 0))
        limit = min(100, max(1, int(params.get("limit") or 100)))
        self._poll_generation += 1
        generation = self._poll_generation
        state.updates_signal.fire()  # an older parked poll now answers 409, like Telegram
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, float(params.get("timeout") or 0))
        while not (state.queue or state.forced or self._closing):
            left = deadline - loop.time()
            if left <= 0:
                break
            await state.updates_signal.wait(left)
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
        transport = request.transport
        if self._closing or transport is None or transport.is_closing():
            return []
        return state.take(limit, params.get("allowed_updates"))

    async def _api_setwebhook(self, params: Params, request: web.BaseRequest) -> bool:
        """setWebhook; plain http URLs are fine, as on a self-hosted Bot API server."""
        url = str(params.get("url") or "")
        secret = params.get("secret_token")
        if url and not url.startswith(("http://", "https://")):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        if secret is not None and not _SECRET.fullmatch(str(secret)):
            raise ApiError(
                400, "Bad Request: bad webhook: Secret token contains unallowed characters"
            )
        if params.get("drop_pending_updates"):
            self.state.drop_pending()
        self.webhook = {
            "url": url,
            "secret_token": secret,
            "allowed_updates": params.get("allowed_updates"),
            "max_connections": int(params.get("max_connections") or 40),
        }
        self._sync_webhook()
        return True

    async def _api_deletewebhook(self, params: Params, request: web.BaseRequest) -> bool:
        if params.get("drop_pending_updates"):
            self.state.drop_pending()
        self.webhook = {"url": ""}
        self._sync_webhook()
        return True

    async def _api_getwebhookinfo(self, params: Params, request: web.BaseRequest) -> dict[str, Any]:
        info = {k: v for k, v in self.webhook.items() if v is not None and k != "secret_token"}
        return {
            **info,
            "has_custom_certificate": False,
            "pending_update_count": self.state.pending(),
        }

    def _sync_webhook(self) -> None:
        """Start or stop the webhook delivery task to match the webhook setting."""
        if self.webhook["url"] and (self._webhook_task is None or self._webhook_task.done()):
            self._webhook_task = asyncio.create_task(self._deliver())
        self.state.updates_signal.fire()

    async def _deliver(self) -> None:
        """POST pending updates to the webhook in order, one at a time, retrying failures."""
        state, backoff = self.state, 0.05
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            while self.webhook["url"] and not self._closing:
                update = state.peek()
                if update is None:
                    await state.updates_signal.wait(1.0)
                    continue
                hook = self.webhook
                allowed = hook.get("allowed_updates")
                if allowed and not set(allowed).intersection(update):
                    state.ack(update)
                    continue
                headers = {"Content-Type": _JSON}
                if hook.get("secret_token"):
                    headers[SECRET_HEADER] = hook["secret_token"]
                try:
                    async with session.post(hook["url"], data=_dumps(update), headers=headers) as r:
                        await r.read()
                        error = None if 200 <= r.status < 300 else f"Wrong response: {r.status}"
                except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                    error = f"Connection failed: {exc.__class__.__name__}"
                if error is None:
                    state.ack(update)
                    backoff = 0.05
                    continue
                hook.update(last_error_date=int(time.time()), last_error_message=error)
                await asyncio.sleep(backoff)
                backoff = min(1.0, backoff * 2)
