"""The figures staff are judged by (`bot/storage/stats.py`), on a small set of cases whose
figures are worked out by hand, on SQLite and PostgreSQL; and /stats end to end.

The cases straddle the National Day holiday of 2026 (1-7 October off; Sunday 20 September
and Saturday 10 October are make-up workdays) and a plain weekend, so the working days
between arrival and answer are not the calendar days. "Today" is Tuesday 2026-10-20;
times are UTC, 02:00 UTC is 10:00 in Shanghai (the same date).
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from bot.core.clock import ManualClock
from bot.domain import REVIEW
from bot.domain.workdays import workdays_between
from bot.settings import Settings
from bot.storage import Database
from bot.storage.models import Suggestion
from bot.storage.stats import (
    Count,
    Figures,
    Report,
    Scope,
    WorkdayCounter,
    answered_on_time,
    figures,
)
from standin import StandIn
from tests.botkit import RunningBot
from tests.conftest import STAFF_ID
from tests.harness import said

TZ = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 10, 20)
FIRST_FILE = 30.0  # seconds: the first chart of a session loads matplotlib


def at(day: str, hour: int = 2) -> datetime:
    """A naive-UTC time on `day` (02:00 UTC: 10:00 the same day in Shanghai)."""
    return datetime.fromisoformat(day).replace(hour=hour)


# Each case: what the figures need. Working days are counted after the arrival day up to
# and including the answer day.
CASES: dict[str, dict[str, Any]] = {
    # arrives Wed 30 Sep, answered Fri 9 Oct: the holiday week is skipped, 8 and 9 Oct
    # count: 2 working days; due 9 Oct, answered that day: on time
    "A": dict(desk="labor", category="labor_rights", kind="complaint", created_at=at("2026-09-30"),
              answered_at=at("2026-10-09"), due_on=date(2026, 10, 9), status="answered",
              rating="satisfied", worker_type="rider", district="兴隆台区"),
    # the same days, due the day before: late; reopened once, answered again, rated 基本满意
    "B": dict(desk="labor", category="labor_rights", created_at=at("2026-09-30"),
              answered_at=at("2026-10-09"), due_on=date(2026, 10, 8), status="adopted",
              rating="fair", reopened=1, worker_type="courier", district="兴隆台区"),
    # Fri 9 Oct -> Mon 12 Oct: Saturday 10 Oct is a make-up workday, Sunday is not: 2
    "C": dict(desk="labor", category="social_insurance", created_at=at("2026-10-09"),
              answered_at=at("2026-10-12"), due_on=date(2026, 10, 16), status="answered",
              worker_type="rider", district="大洼区"),
    # answered 9 Oct 17:00 UTC = 10 Oct 01:00 in Shanghai: a day late by the local date;
    # 8 Oct -> 10 Oct: 9 Oct and the make-up Saturday: 2
    "D": dict(desk="traffic", category="traffic_access", created_at=at("2026-10-08"),
              answered_at=at("2026-10-09", 17), due_on=date(2026, 10, 9), status="answered",
              worker_type="rider", district="大洼区"),
    # answered once, rated 不满意 and reopened twice: open again, due 9 Oct: overdue now;
    # its old answer does not count as answered
    "E": dict(desk="traffic", category="traffic_access", created_at=at("2026-09-29"),
              answered_at=at("2026-10-08"), due_on=date(2026, 10, 9), status="in_progress",
              rating="unsatisfied", reopened=2, worker_type="truck", district=None),
    # waiting for a category, no desk (the staff chat), due today: not overdue yet
    "F": dict(desk=None, category=None, needs_review=True, created_at=at("2026-10-19"),
              due_on=TODAY, status="submitted", worker_type=None, district=None),
    # a question without a deadline: never overdue
    "G": dict(desk=None, category="other", kind="question", created_at=at("2026-10-19"),
              due_on=None, status="received", worker_type="rider", district="双台子区"),
    # Fri 16 Oct -> Mon 19 Oct, a plain weekend: 1 working day
    "H": dict(desk="care", category="care_services", created_at=at("2026-10-16"),
              answered_at=at("2026-10-19"), due_on=date(2026, 10, 23), status="answered",
              rating="satisfied", worker_type="courier", district="兴隆台区"),
    # closed without an answer time (not adopted straight away): neither answered nor
    # overdue, although its deadline has passed
    "I": dict(desk="care", category="care_services", created_at=at("2026-09-28"),
              due_on=date(2026, 10, 1), status="not_adopted", worker_type="rider",
              district="兴隆台区"),
}  # fmt: skip

LABOR = Figures(received=3, answered=3, due_answered=3, on_time=2, workdays=6, rated=2,
                satisfied=2, reopened=1, reopenings=1)  # A, B, C  # fmt: skip
TRAFFIC = Figures(received=2, answered=1, due_answered=1, on_time=0, overdue=1, workdays=2,
                  rated=1, satisfied=0, reopened=1, reopenings=2)  # D, E  # fmt: skip
CARE = Figures(received=2, answered=1, due_answered=1, on_time=1, workdays=1, rated=1,
               satisfied=1)  # H, I  # fmt: skip
STAFF_CHAT_CASES = Figures(received=2)  # F, G
TOTAL = Figures(received=9, answered=5, due_answered=5, on_time=3, overdue=1, workdays=9,
                rated=4, satisfied=3, reopened=2, reopenings=3)  # fmt: skip


def insert(s: Any, cases: dict[str, dict[str, Any]]) -> None:
    """The cases as rows, straight through the model (a repository function's session)."""
    for number, (name, fields) in enumerate(cases.items(), start=1):
        values = {"text": f"案件{name}", "kind": "suggestion", "reopened": 0} | fields
        s.add(Suggestion(code=f"NX-20261020-{number:04d}", **values))


@pytest.fixture
def cases(db: Database) -> Database:
    db.run_sync(insert, CASES)
    return db


def report_of(db: Database, scope: Scope | None = None) -> Report:
    return db.run_sync(figures, today=TODAY, tz=TZ, scope=scope)


def test_figures_total_as_worked_out_by_hand(cases: Database) -> None:
    report = report_of(cases)

    assert report.today == TODAY
    assert report.total == TOTAL
    assert report.total.on_time_rate == pytest.approx(3 / 5)  # A, C, H of A, B, C, D, H
    assert report.total.satisfaction == pytest.approx(3 / 4)  # 满意 A, H + 基本满意 B of 4
    assert report.total.average_workdays == pytest.approx(9 / 5)  # 2 + 2 + 2 + 2 + 1


def test_figures_per_desk_most_cases_first(cases: Database) -> None:
    report = report_of(cases)

    assert [(g.key, g.figures) for g in report.desks] == [
        ("labor", LABOR), ("care", CARE), ("traffic", TRAFFIC), (None, STAFF_CHAT_CASES),
    ]  # fmt: skip
    assert report.desk("traffic").on_time_rate == 0.0
    assert report.desk("traffic").satisfaction == 0.0
    assert report.desk(None).on_time_rate is None  # nothing answered: no rate, not 0%
    assert report.desk(None).average_workdays is None
    assert report.desk("nobody") == Figures()


def test_figures_per_category(cases: Database) -> None:
    report = report_of(cases)

    assert report.category("labor_rights") == Figures(
        received=2, answered=2, due_answered=2, on_time=1, workdays=4, rated=2, satisfied=2,
        reopened=1, reopenings=1,
    )  # fmt: skip
    assert report.category("social_insurance") == Figures(
        received=1, answered=1, due_answered=1, on_time=1, workdays=2
    )
    assert report.category("traffic_access") == TRAFFIC
    assert report.category("care_services") == CARE
    assert report.category(REVIEW) == Figures(received=1)  # F
    assert report.category("other") == Figures(received=1)  # G
    assert sum((g.figures for g in report.categories), Figures()) == TOTAL


def test_figures_count_worker_types_and_districts(cases: Database) -> None:
    report = report_of(cases)

    assert report.worker_types == (
        Count("rider", 5), Count("courier", 2), Count("truck", 1), Count(None, 1),
    )  # fmt: skip
    assert report.districts == (
        Count("兴隆台区", 4), Count("大洼区", 2), Count(None, 2), Count("双台子区", 1),
    )  # fmt: skip


def test_overdue_depends_on_today(cases: Database) -> None:
    assert db_overdue(cases, date(2026, 10, 9)) == 0  # E is due that day
    assert db_overdue(cases, date(2026, 10, 10)) == 1
    assert db_overdue(cases, date(2026, 10, 21)) == 2  # F was due on the 20th


def db_overdue(db: Database, today: date) -> int:
    return db.run_sync(figures, today=today, tz=TZ).total.overdue


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (Scope(desk="labor"), LABOR),
        (Scope(category=REVIEW), Figures(received=1)),  # F
        (Scope(kind="complaint"), Figures(received=1, answered=1, due_answered=1, on_time=1,
                                          workdays=2, rated=1, satisfied=1)),  # A
        (Scope(status="in_progress"), Figures(received=1, overdue=1, rated=1, reopened=1,
                                              reopenings=2)),  # E
        # arrived on or after 9 Oct, before the 19th (naive UTC bounds): C, H
        (Scope(since=at("2026-10-09", 0), until=at("2026-10-19", 0)),
         Figures(received=2, answered=2, due_answered=2, on_time=2, workdays=3, rated=1,
                 satisfied=1)),
    ],
)  # fmt: skip
def test_figures_of_a_scope(cases: Database, scope: Scope, expected: Figures) -> None:
    assert report_of(cases, scope).total == expected


def test_figures_of_no_cases_have_no_rates(db: Database) -> None:
    report = report_of(db)

    assert report == Report(TODAY, Figures())
    assert (report.total.on_time_rate, report.total.satisfaction) == (None, None)
    assert report.total.average_workdays is None


@pytest.mark.parametrize(
    ("status", "answered_on", "due_on", "expected"),
    [
        ("answered", date(2026, 10, 9), date(2026, 10, 9), True),
        ("adopted", date(2026, 10, 9), date(2026, 10, 8), False),
        ("answered", date(2026, 10, 9), None, None),  # no deadline
        ("in_progress", date(2026, 10, 9), date(2026, 10, 9), None),  # reopened: not answered
        ("not_adopted", None, date(2026, 10, 9), None),  # closed without an answer time
    ],
)
def test_answered_on_time(
    status: str, answered_on: date | None, due_on: date | None, expected: bool | None
) -> None:
    assert answered_on_time(status, answered_on, due_on) is expected


def test_workday_counter_counts_as_workdays_between() -> None:
    """Every pair of days from mid-September to late October 2026: the Mid-Autumn Festival,
    National Day, both make-up workdays, and plain weekends."""
    days = [date(2026, 9, 15) + timedelta(days=n) for n in range(40)]
    counter = WorkdayCounter()
    counted = {(a, b): counter.between(a, b) for a in days for b in days}
    assert counted == {(a, b): workdays_between(a, b) for a in days for b in days}
    assert counter.between(date(2026, 9, 30), date(2026, 10, 9)) == 2


# --- /stats in the bot ----------------------------------------------------------------------


@pytest.fixture
async def clocked(bot_settings: Settings) -> AsyncIterator[RunningBot]:
    """The bot on 2026-10-20, 12:00 in Shanghai."""
    running = RunningBot(bot_settings, clock=ManualClock(datetime(2026, 10, 20, 4, tzinfo=UTC)))
    await running.start()
    yield running
    await running.stop()


@pytest.mark.slow
async def test_stats_sends_a_picture_with_the_figures(
    clocked: RunningBot, standin: StandIn
) -> None:
    clocked.sync(insert, CASES)
    staff = standin.user(STAFF_ID)

    await staff.send_text("/stats")

    expected = said("stats.caption", total=9, answered=5, on_time="60% (3/5)", overdue=1,
                    satisfaction="75% (3/4)", days="1.8", reopened=2)  # fmt: skip
    chart = await staff.expect_next(expected, timeout=FIRST_FILE)
    assert chart.method == "sendPhoto" and chart.photo is not None
    image = Image.open(io.BytesIO(chart.photo))
    image.verify()
    assert image.format == "PNG" and image.size[0] == 1280  # Telegram's full width


@pytest.mark.slow
async def test_stats_without_cases_shows_dashes(clocked: RunningBot, standin: StandIn) -> None:
    staff = standin.user(STAFF_ID)

    await staff.send_text("/stats")

    expected = said("stats.caption", total=0, answered=0, on_time="—", overdue=0,
                    satisfaction="—", days="—", reopened=0)  # fmt: skip
    chart = await staff.expect_next(expected, timeout=FIRST_FILE)
    assert chart.photo is not None
    assert Image.open(io.BytesIO(chart.photo)).format == "PNG"
