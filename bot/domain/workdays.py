"""Working days as Chinese offices count them: weekends and public holidays off, the
official make-up workdays (调休) on.

The calendar comes from `chinese-calendar`, which follows the State Council's yearly notice
on public holidays. Its data ends with the last year announced (the notice comes out each
November or December); for a later year the count falls back to Monday to Friday, logged
once, until the package is updated.
"""

from __future__ import annotations

import functools
import logging
from datetime import date, timedelta

import chinese_calendar

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=8192)  # ~20 years of days; the package's check costs ~40 µs
def is_workday(day: date) -> bool:
    """Whether offices work on `day` (a make-up Saturday is a workday, a holiday Monday not)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # a year the calendar does not know yet
        _unknown_year(day.year)
        return day.weekday() < 5


@functools.cache
def _unknown_year(year: int) -> None:
    logger.warning("no holiday calendar for %s yet: counting Monday to Friday", year)


def add_workdays(start: date, days: int) -> date:
    """The date `days` working days after `start` (the day a case arrives is day 0, so a
    1-day limit on a Friday means the next working day)."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_workday(day):
            left -= 1
    return day


def workdays_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` <= `start`)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_workday(day)
    return count
