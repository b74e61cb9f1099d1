"""Working days as offices count them: the State Council's holidays and make-up workdays."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.workdays import add_workdays, is_workday, workdays_between


@pytest.mark.parametrize(
    ("day", "works"),
    [
        (date(2026, 10, 1), False),  # National Day
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # a Saturday worked in exchange (调休)
        (date(2026, 9, 20), True),  # a Sunday worked in exchange
        (date(2026, 11, 28), False),  # an ordinary Saturday
        (date(2026, 11, 30), True),
    ],
)
def test_is_workday_follows_the_official_calendar(day: date, works: bool) -> None:
    assert is_workday(day) is works


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 9, 29), 5, date(2026, 10, 12)),  # Sep 30, Oct 8, 9, 10 (Sat), 12
        (date(2026, 9, 30), 1, date(2026, 10, 8)),
        (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday -> Monday
        (date(2026, 11, 30), 0, date(2026, 11, 30)),
    ],
)
def test_add_workdays_skips_holidays_and_counts_make_up_days(
    start: date, days: int, due: date
) -> None:
    assert add_workdays(start, days) == due
    assert workdays_between(start, due) == days


def test_a_year_without_a_calendar_counts_monday_to_friday() -> None:
    """The package knows the years the State Council has announced; after that, weekends
    only (and a warning), until it is updated."""
    assert is_workday(date(2031, 1, 1)) is True  # a Wednesday; the holiday is not known
    assert is_workday(date(2031, 1, 4)) is False  # a Saturday
    assert add_workdays(date(2031, 1, 3), 1) == date(2031, 1, 6)
