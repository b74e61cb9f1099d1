"""The XLSX figures sheet (办理指标): the figures desks are judged by (`bot.storage.stats`)
per desk and per category, the cases by worker type and by district, and how each figure
is defined, for the same cases as the rest of the file.

The sheet is written top to bottom, row after row, as XlsxWriter's constant_memory mode needs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from xlsxwriter import Workbook
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from bot.domain import REVIEW, WorkerType
from bot.export.query import UNCLASSIFIED, ExportFilter, ExportOptions, worker_name
from bot.storage.stats import Count, Figures, Report, rows_of

FIGURES = "办理指标"
NO_DESK = "工作人员群（未分组）"  # cases of no desk: the one staff chat of the settings
NOT_GIVEN = "未填写"
NOT_FOUND = "未识别"
TOTAL = "合计"
_COUNT, _RATE, _DAYS = 0, 1, 2


@dataclass(frozen=True)
class _Column:
    header: str
    value: Callable[[Figures], float | None]
    kind: int = _COUNT


COLUMNS = (
    _Column("受理", lambda f: f.received),
    _Column("已办结", lambda f: f.answered),
    _Column("有期限的已办结", lambda f: f.due_answered),
    _Column("按期办结", lambda f: f.on_time),
    _Column("按期办结率", lambda f: f.on_time_rate, _RATE),
    _Column("超期未办", lambda f: f.overdue),
    _Column("平均办理工作日", lambda f: f.average_workdays, _DAYS),
    _Column("已评价", lambda f: f.rated),
    _Column("满意及基本满意", lambda f: f.satisfied),
    _Column("满意率", lambda f: f.satisfaction, _RATE),
    _Column("重新打开件数", lambda f: f.reopened),
    _Column("重新打开次数", lambda f: f.reopenings),
)
DEFINITIONS = (
    ("受理", "本文件范围内的案件（筛选见“汇总”）。"),
    ("已办结", "状态为已答复、已采纳或未采纳，且有答复时间的案件。"),
    ("按期办结率", "按期办结 ÷ 有办理期限的已办结案件；"
                   "答复当天（本地日期）不晚于办理期限即为按期。"),
    ("超期未办", "导出当天仍未办结（含被重新打开的）且办理期限早于当天的案件。"),
    ("平均办理工作日", "从受理当天到答复当天的工作日数（跳过周末和法定节假日，"
                       "调休上班日计入），已办结案件的平均。"),
    ("满意率", "（满意 + 基本满意）÷ 已评价；重新答复后等待工人重新评价。"),
    ("重新打开", "工人评价“不满意”后重新办理：件数与次数。"),
)  # fmt: skip


@dataclass(frozen=True)
class _Formats:
    title: Format
    header: Format
    total: Format
    rate: Format
    total_rate: Format
    days: Format
    total_days: Format

    @classmethod
    def create(cls, book: Workbook) -> _Formats:
        bold = {"bold": True}
        return cls(
            title=book.add_format({"bold": True, "font_size": 13}),
            header=book.add_format(
                {"bold": True, "bg_color": "#DDEBF7", "text_wrap": True, "valign": "top"}
            ),
            total=book.add_format({**bold, "top": 1}),
            rate=book.add_format({"num_format": "0.0%"}),
            total_rate=book.add_format({**bold, "top": 1, "num_format": "0.0%"}),
            days=book.add_format({"num_format": "0.0"}),
            total_days=book.add_format({**bold, "top": 1, "num_format": "0.0"}),
        )


def write_figures(
    book: Workbook, ws: Worksheet, report: Report, filt: ExportFilter, options: ExportOptions
) -> None:
    """Fill the figures sheet `ws` of `book` with `report`."""
    fmt = _Formats.create(book)
    ws.write_string(0, 0, FIGURES, fmt.title)
    ws.write_string(0, 1, f"截至 {report.today:%Y-%m-%d}，范围与本文件相同")
    row = 2
    desks = [filt.desk] if filt.desk is not None else list(options.desk_names)
    row = _figures_table(ws, fmt, row, "工作组", _desk_rows(report, desks, options), report)
    categories = [filt.category] if filt.category is not None else list(options.category_names)
    named = [(_category(g.key, options), g.figures) for g in rows_of(report.categories, categories)]
    row = _figures_table(ws, fmt, row, "类别", named, report)
    workers = [(worker_name(c.key) or c.key or NOT_GIVEN, c.count) for c in _workers(report)]
    row = _count_table(ws, fmt, row, "身份", workers)
    districts = [(c.key or NOT_FOUND, c.count) for c in report.districts]
    row = _count_table(ws, fmt, row, "区县", districts)
    _definitions(ws, fmt, row)
    ws.set_column(0, 0, 22)
    ws.set_column(1, len(COLUMNS), 15)  # the longest header, 7 characters, on one line


def _desk_rows(
    report: Report, order: Sequence[str | None], options: ExportOptions
) -> list[tuple[str, Figures]]:
    """The routing file's desks first (at zero when they have no case), then any other."""
    rows = []
    for group in rows_of(report.desks, order):
        name = NO_DESK if group.key is None else options.desk_names.get(group.key, group.key)
        rows.append((name, group.figures))
    return rows


def _category(key: str | None, options: ExportOptions) -> str:
    if key is None or key == REVIEW:
        return UNCLASSIFIED
    return options.category_names.get(key, key)


def _workers(report: Report) -> list[Count]:
    """Worker types in their usual order, then any other value, then "not given"."""
    found = {c.key: c for c in report.worker_types}
    order = [w.value for w in WorkerType if w.value in found]
    rest = [key for key in found if key not in order]
    return [found[key] for key in [*order, *rest]]


def _figures_table(
    ws: Worksheet,
    fmt: _Formats,
    row: int,
    what: str,
    lines: Sequence[tuple[str, Figures]],
    report: Report,
) -> int:
    """A title, a header, one row per line and a total row from `row` on; the row after
    the blank one that follows."""
    ws.write_string(row, 0, f"按{what}", fmt.title)
    ws.write_string(row + 1, 0, what, fmt.header)
    for col, column in enumerate(COLUMNS, start=1):
        ws.write_string(row + 1, col, column.header, fmt.header)
    row += 2
    for name, figures in lines:
        _figures_row(ws, row, name, figures, fmt, total=False)
        row += 1
    # every group of the report has a line, so they add up to the report's total
    _figures_row(ws, row, TOTAL, report.total, fmt, total=True)
    return row + 2


def _figures_row(
    ws: Worksheet, row: int, name: str, figures: Figures, fmt: _Formats, *, total: bool
) -> None:
    ws.write_string(row, 0, name, fmt.total if total else None)
    for col, column in enumerate(COLUMNS, start=1):
        value = column.value(figures)
        cell = {
            _COUNT: fmt.total if total else None,
            _RATE: fmt.total_rate if total else fmt.rate,
            _DAYS: fmt.total_days if total else fmt.days,
        }[column.kind]
        if value is None:
            ws.write_string(row, col, "-", cell)
        else:
            ws.write_number(row, col, value, cell)


def _count_table(
    ws: Worksheet, fmt: _Formats, row: int, what: str, counts: Sequence[tuple[str, int]]
) -> int:
    ws.write_string(row, 0, f"按{what}", fmt.title)
    ws.write_string(row + 1, 0, what, fmt.header)
    ws.write_string(row + 1, 1, "数量", fmt.header)
    row += 2
    for name, count in counts:
        ws.write_string(row, 0, name)
        ws.write_number(row, 1, count)
        row += 1
    ws.write_string(row, 0, TOTAL, fmt.total)
    ws.write_number(row, 1, sum(count for _, count in counts), fmt.total)
    return row + 2


def _definitions(ws: Worksheet, fmt: _Formats, row: int) -> None:
    ws.write_string(row, 0, "说明", fmt.title)
    for offset, (name, text) in enumerate(DEFINITIONS, start=1):
        ws.write_string(row + offset, 0, name)
        ws.write_string(row + offset, 1, text)
