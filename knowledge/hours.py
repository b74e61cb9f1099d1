"""Opening hours: ``24h``, ``08:00-20:00``, ``07:00-12:00,14:00-21:00``, ``20:00-06:00``.

Times are local (Asia/Shanghai). A range whose end is not after its start runs past midnight.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from knowledge.problems import quote
from textnorm import normalize

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
_ALWAYS = {"24h", "24小时", "全天", "24/7", "00:00-24:00"}
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})\s*[-~至到]\s*(\d{1,2}):(\d{2})$")
_SPLIT = re.compile(r"[,;、]")
Minutes = tuple[int, int]


class HoursError(ValueError):
    """The hours text cannot be read; the message says how to write it."""


def _minutes(hour: str, minute: str, *, end: bool) -> int:
    h, m = int(hour), int(minute)
    if m > 59 or h > 24 or (h == 24 and (m or not end)):
        raise HoursError(f"{hour}:{minute} is not a time of day")
    return h * 60 + m


def _parse_range(text: str) -> Minutes:
    match = _RANGE.match(text.strip())
    if not match:
        raise HoursError(
            f"cannot read {quote(text.strip())}: write 24h, 08:00-20:00 or 07:00-12:00,14:00-21:00"
        )
    start = _minutes(match[1], match[2], end=False)
    stop = _minutes(match[3], match[4], end=True)
    if start == stop:
        raise HoursError(f"{quote(text.strip())} opens and closes at the same time (use 24h)")
    return start, stop


@dataclass(frozen=True)
class OpeningHours:
    """Parsed opening hours; ``ranges`` are (start, end) minutes after midnight."""

    text: str
    always: bool
    ranges: tuple[Minutes, ...]

    @classmethod
    def parse(cls, text: str) -> OpeningHours:
        folded = normalize(text).replace(" ", "")
        if not folded:
            raise HoursError("is empty: write 24h or 08:00-20:00")
        if folded in _ALWAYS:
            return cls(text.strip(), True, ())
        ranges = tuple(_parse_range(part) for part in _SPLIT.split(folded) if part)
        return cls(text.strip(), False, ranges)

    def is_open(self, at: datetime) -> bool:
        """Open at ``at``; a naive datetime is taken as local time."""
        if self.always:
            return True
        local = at.astimezone(LOCAL_TZ) if at.tzinfo else at
        now = local.hour * 60 + local.minute
        return any(_in_range(now, start, stop) for start, stop in self.ranges)

    def next_opening(self, at: datetime) -> datetime | None:
        """When it next opens after ``at`` (local time, naive when ``at`` is): within a day,
        as the hours repeat daily; None when it is open at ``at`` or never closes."""
        if self.always or not self.ranges or self.is_open(at):
            return None
        local = at.astimezone(LOCAL_TZ) if at.tzinfo else at
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        now = local.hour * 60 + local.minute
        starts = sorted(start for start, _ in self.ranges)
        later = [start for start in starts if start > now]
        minutes = later[0] if later else starts[0] + 24 * 60
        return midnight + timedelta(minutes=minutes)


def _in_range(now: int, start: int, stop: int) -> bool:
    if start < stop:
        return start <= now < stop
    return now >= start or now < stop
