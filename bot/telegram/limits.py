"""Flood control both ways: what users send us, and what we send Telegram.

Incoming: a token bucket per user; over the limit, updates are dropped with one friendly
notice per cool-down (no reply storm). Outgoing: Telegram's limits (about 30 messages a
second in all, 20 a minute per group, and about one a second per private chat, which
PTB's AIORateLimiter has no bucket for), plus retries on 429 and passing network faults.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from aiolimiter import AsyncLimiter
from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter

from bot.core.flood import FloodGuard, TokenBucket

__all__ = ["FloodGuard", "TelegramLimits", "TokenBucket"]
logger = logging.getLogger(__name__)
SENDS = {
    "sendMessage", "sendPhoto", "sendDocument", "sendVenue", "sendLocation", "sendContact",
    "sendMediaGroup", "sendVoice", "sendSticker", "copyMessage", "forwardMessage",
}  # fmt: skip


class TelegramLimits(AIORateLimiter):
    """AIORateLimiter plus a per-private-chat bucket and retries on passing network faults."""

    def __init__(self, per_chat_burst: int = 3, per_chat_rate: float = 1.0,
                 network_retries: int = 3, max_retries: int = 5) -> None:  # fmt: skip
        super().__init__(max_retries=max_retries)
        self.per_chat_burst = per_chat_burst
        self.per_chat_rate = per_chat_rate
        self.network_retries = network_retries
        self._chats: dict[int, AsyncLimiter] = {}

    def _chat_limiter(self, chat_id: int) -> AsyncLimiter:
        limiter = self._chats.get(chat_id)
        if limiter is None:
            if len(self._chats) > 4096:
                idle = [k for k, v in self._chats.items() if v.has_capacity(v.max_rate)]
                for key in idle:
                    del self._chats[key]
            period = self.per_chat_burst / self.per_chat_rate
            limiter = self._chats[chat_id] = AsyncLimiter(self.per_chat_burst, period)
        return limiter

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait for the chat's bucket (private chats), then send, retrying passing faults."""
        chat_id = _chat_id(data)
        if chat_id is not None and chat_id > 0 and endpoint in SENDS:
            async with self._chat_limiter(chat_id):
                return await self._send(callback, args, kwargs, endpoint, data, rate_limit_args)
        return await self._send(callback, args, kwargs, endpoint, data, rate_limit_args)

    async def _send(self, *call: Any) -> Any:
        for attempt in range(self.network_retries + 1):
            try:
                return await super().process_request(*call)
            except (BadRequest, RetryAfter):
                raise
            except NetworkError as exc:  # 5xx, dropped connections, time-outs
                if attempt == self.network_retries:
                    raise
                delay = 0.2 * 2**attempt
                logger.warning(
                    "%s failed (%s); retry %d in %.1fs", call[3], exc, attempt + 1, delay
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")


def _chat_id(data: dict[str, Any]) -> int | None:
    try:
        return int(data["chat_id"])
    except (KeyError, TypeError, ValueError):
        return None
