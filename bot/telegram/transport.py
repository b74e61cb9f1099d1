"""An aiohttp transport for python-telegram-bot (a `BaseRequest`): the same calls, less CPU.

PTB's default transport (httpx) spends about a millisecond of CPU per Bot API call on these
machines; the bot makes one or two calls for every update it handles, so the transport is a
large part of its cost. aiohttp is already a dependency (the Bot API stand-in).
"""

from __future__ import annotations

from typing import Any

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData


class AiohttpRequest(BaseRequest):
    """Bot API calls over one pooled aiohttp session: JSON bodies, multipart for files."""

    def __init__(
        self,
        connection_pool_size: int = 8,
        read_timeout: float = 5.0,
        write_timeout: float = 5.0,
        connect_timeout: float = 5.0,
        media_write_timeout: float = 20.0,
    ) -> None:
        self._pool = connection_pool_size
        self._timeouts = {"read": read_timeout, "write": write_timeout, "connect": connect_timeout}
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._timeouts["read"]

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool, ttl_dns_cache=300)
            headers = {"User-Agent": self.USER_AGENT}
            self._session = aiohttp.ClientSession(connector=connector, headers=headers)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def _timeout(self, read: Any, write: Any, connect: Any, files: bool) -> aiohttp.ClientTimeout:
        def pick(value: Any, default: float | None) -> float | None:
            return default if isinstance(value, DefaultValue) else value

        write_default = self._media_write_timeout if files else self._timeouts["write"]
        read_s = pick(read, self._timeouts["read"])
        write_s = pick(write, write_default)
        sock_read = None if read_s is None else read_s + (write_s or 0)
        return aiohttp.ClientTimeout(connect=pick(connect, self._timeouts["connect"]),
                                     sock_read=sock_read)  # fmt: skip

    @staticmethod
    def _body(data: RequestData | None) -> tuple[Any, dict[str, str]]:
        if data is None:
            return None, {}
        if not data.contains_files:
            return data.json_payload, {"Content-Type": "application/json"}
        form = aiohttp.FormData()
        for name, value in data.json_parameters.items():
            form.add_field(name, value)
        for name, (filename, content, mime) in data.multipart_data.items():
            form.add_field(name, content, filename=filename, content_type=mime)
        return form, {}

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
        """One HTTP call; aiohttp's errors become PTB's TimedOut / NetworkError."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        body, headers = self._body(request_data)
        files = bool(request_data and request_data.contains_files)
        timeout = self._timeout(read_timeout, write_timeout, connect_timeout, files)
        try:
            async with self._session.request(
                method, url, data=body, headers=headers, timeout=timeout
            ) as response:
                return response.status, await response.read()
        except TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
