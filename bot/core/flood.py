"""Flood control on what people send: a token bucket per sender, and a guard that drops
what is over the limit with one friendly notice per cool-down (no reply storm). Every
channel uses the same rules (`FLOOD_BURST`, `FLOOD_RATE`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """`burst` tokens, refilled at `rate` per second; one token per update."""

    burst: float
    rate: float
    _state: dict[int, tuple[float, float]] = field(default_factory=dict)

    def allow(self, key: int, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        tokens, last = self._state.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        allowed = tokens >= 1
        self._state[key] = (tokens - 1 if allowed else tokens, now)
        if len(self._state) > 50_000:
            self._prune(now)
        return allowed

    def _prune(self, now: float) -> None:
        full = [
            k for k, (t, last) in self._state.items() if t + (now - last) * self.rate >= self.burst
        ]
        for key in full:
            del self._state[key]


@dataclass
class FloodGuard:
    """Per-user limits on incoming updates, with a notice at most every `notice_every` s."""

    bucket: TokenBucket
    notice_every: float = 10.0
    clock: Callable[[], float] = time.monotonic  # injected: tests move it by hand
    dropped: int = 0
    _noticed: dict[int, float] = field(default_factory=dict)

    def check(self, user_id: int, now: float | None = None) -> tuple[bool, bool]:
        """(allowed, tell the user now)."""
        now = self.clock() if now is None else now
        if self.bucket.allow(user_id, now):
            return True, False
        self.dropped += 1
        last = self._noticed.get(user_id)
        if last is not None and now - last < self.notice_every:
            return False, False
        self._noticed[user_id] = now
        return False, True
