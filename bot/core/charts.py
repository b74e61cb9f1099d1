"""Weekly counts per category, and the /stats picture: a chart of them over a table of the
figures per desk (PNG, with Chinese labels)."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any


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


@dataclass(frozen=True)
class Panel:
    """A table drawn under the weekly chart, its cells already written as text."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    total: tuple[str, ...]  # the last row, in bold
    flagged: frozenset[tuple[int, int]] = frozenset()  # (row, column) in red: look here
    note: str = ""  # a footnote: how the figures are defined


# Inches. 10 in at 128 dpi is 1280 px: Telegram shows a photo up to 1280 px wide unscaled.
WIDTH, DPI = 10.0, 128
CHART_HEIGHT, ROW_HEIGHT, NOTE_HEIGHT = 3.6, 0.36, 0.45
# The CJK font has no bold weight: headers and totals stand out by colour instead.
HEADER_BLUE, HEADER_INK, TOTAL_GREY, ZEBRA = "#DDEBF7", "#1F3864", "#E4E4E4", "#F7F9FC"
INK, RED, GRID = "#222222", "#C0392B", "#C8CED6"


def render_report(table: WeeklyTable, names: Mapping[str, str], title: str, panel: Panel) -> bytes:
    """The weekly stacked bars per category, and the figures table under them, as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from classifier.plotting import use_cjk_font

    use_cjk_font()
    table_height = ROW_HEIGHT * (len(panel.rows) + 2) + 0.45  # + header and total, + title
    height = CHART_HEIGHT + 0.9 + table_height + NOTE_HEIGHT
    fig = plt.figure(figsize=(WIDTH, height), dpi=DPI)
    chart = fig.add_axes((0.7 / WIDTH, (height - CHART_HEIGHT - 0.45) / height,
                          (WIDTH - 2.9) / WIDTH, CHART_HEIGHT / height))  # fmt: skip
    _draw_weeks(chart, table, names, title)
    figures = fig.add_axes((0.3 / WIDTH, NOTE_HEIGHT / height, (WIDTH - 0.6) / WIDTH,
                            (table_height - 0.45) / height))  # fmt: skip
    _draw_panel(figures, panel)
    if panel.note:
        fig.text(0.3 / WIDTH, 0.12 / height, panel.note, fontsize=8, color="#666666")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor="white")
    plt.close(fig)
    return buffer.getvalue()


def _draw_weeks(ax: Any, table: WeeklyTable, names: Mapping[str, str], title: str) -> None:
    """Stacked bars, one per week, the legend beside the plot (it never hides a bar)."""
    from matplotlib.ticker import MaxNLocator

    labels = [f"{m:%m-%d}" for m in table.weeks]
    bottom = [0] * len(table.weeks)
    # categories in the order of `names` (the categories file), others after them
    order = [c for c in names if c in table.counts] + [c for c in table.counts if c not in names]
    for category in order:
        counts = table.counts[category]
        ax.bar(labels, counts, bottom=bottom, label=names.get(category, category))
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    for x, week_total in enumerate(bottom):  # each week's total above its bar
        if week_total:
            ax.annotate(str(week_total), (x, week_total), xytext=(0, 2), textcoords="offset points",
                        ha="center", va="bottom", fontsize=8, color="#555555")  # fmt: skip
    ax.set_ylim(0, max(bottom, default=0) * 1.1 + 1)  # room for the totals
    ax.set_title(title, loc="left", fontsize=13, color=INK)
    ax.set_ylabel("件")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#E5E5E5", linewidth=0.8)
    ax.set_axisbelow(True)
    if table.counts:  # top to bottom as the bars stack
        handles, names_shown = ax.get_legend_handles_labels()
        ax.legend(handles[::-1], names_shown[::-1], fontsize=9, loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), frameon=False)  # fmt: skip
    ax.tick_params(axis="x", labelrotation=45, labelsize=8)


def _draw_panel(ax: Any, panel: Panel) -> None:
    """The figures as a table: a blue header, zebra rows, a grey total, flagged cells red."""
    ax.axis("off")
    ax.set_title(panel.title, loc="left", fontsize=13, color=INK)
    cells = [list(row) for row in (*panel.rows, panel.total)]
    first = 0.22
    widths = [first] + [(1 - first) / (len(panel.headers) - 1)] * (len(panel.headers) - 1)
    drawn = ax.table(cellText=cells, colLabels=list(panel.headers), colWidths=widths,
                     cellLoc="center", bbox=(0, 0, 1, 1))  # fmt: skip
    drawn.auto_set_font_size(False)
    drawn.set_fontsize(10)
    last = len(cells)
    for (row, col), cell in drawn.get_celld().items():
        cell.set_edgecolor(GRID)
        cell.set_linewidth(0.6)
        if col == 0:
            cell.set_text_props(ha="left")
            cell.PAD = 0.03
        if row == 0:
            cell.set_facecolor(HEADER_BLUE)
            cell.get_text().set_color(HEADER_INK)
        elif row == last:
            cell.set_facecolor(TOTAL_GREY)
        elif row % 2 == 0:
            cell.set_facecolor(ZEBRA)
        if (row - 1, col) in panel.flagged:
            cell.get_text().set_color(RED)
