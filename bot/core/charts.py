"""Weekly counts per category and a chart of them (PNG, with Chinese labels)."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo


@dataclass(frozen=True)
class WeeklyTable:
    weeks: list[date]  # Mondays, oldest first
    counts: dict[str, list[int]]  # category id -> count per week


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def first_week(now: datetime, tz: tzinfo, weeks: int) -> date:
    """The Monday `weeks - 1` weeks before this week's."""
    return week_start(now.astimezone(tz).date()) - timedelta(weeks=weeks - 1)


def weekly_table(
    rows: Iterable[tuple[datetime, str | None]], tz: tzinfo, now: datetime, weeks: int = 12
) -> WeeklyTable:
    """Bucket (naive-UTC created_at, category) rows into local weeks; None -> "review"."""
    start = first_week(now, tz, weeks)
    mondays = [start + timedelta(weeks=i) for i in range(weeks)]
    tally: Counter[tuple[str, date]] = Counter()
    for created, category in rows:
        local = created.replace(tzinfo=UTC).astimezone(tz).date()
        monday = week_start(local)
        if monday >= start:
            tally[(category or "review", monday)] += 1
    cats = sorted({cat for cat, _ in tally})
    return WeeklyTable(mondays, {c: [tally[(c, m)] for m in mondays] for c in cats})


def render_chart(table: WeeklyTable, names: Mapping[str, str], title: str) -> bytes:
    """A stacked bar chart, one bar per week, as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from classifier.plotting import use_cjk_font

    use_cjk_font()
    fig, ax = plt.subplots(figsize=(9, 4.8), dpi=110)
    labels = [f"{m:%m-%d}" for m in table.weeks]
    bottom = [0] * len(table.weeks)
    for category, counts in table.counts.items():
        ax.bar(labels, counts, bottom=bottom, label=names.get(category, category))
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    ax.set_title(title)
    ax.set_ylabel("件")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    if table.counts:
        ax.legend(fontsize=8, loc="upper left", ncols=2)
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()
