"""Time, injected: limits, conversation timeouts and deadlines read this, never the OS.

Tests and the demo use `ManualClock` and move it forward instead of sleeping.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for rate limits)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime.now(UTC)
        self._monotonic = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._monotonic += seconds

    def set(self, moment: datetime) -> None:
        """Jump the calendar to `moment` (a day, a week on); the monotonic clock does not
        jump: nothing that counts seconds sees a leap."""
        self._now = moment


def naive_utc(moment: datetime) -> datetime:
    """The database's form of a time: naive UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None)
