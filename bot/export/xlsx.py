"""The XLSX export: a summary sheet with a chart first, the figures desks are judged by
second (`bot.export.figures`), then one sheet per category.

The workbook runs in XlsxWriter's `constant_memory` mode: each sheet keeps only its current
row in memory and streams finished rows to a temporary file, so rows must reach each sheet in
order (a row counter per sheet). Column widths, the frozen header, the autofilter and the
summary are set at the end: XlsxWriter writes them when it assembles the file on close, and
the summary sheets are the first tabs because they are created first, although they are
filled last.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from xlsxwriter import Workbook
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from bot.export.figures import FIGURES, write_figures
from bot.export.query import (
    STATUS_NAMES,
    ExportFilter,
    ExportOptions,
    ExportResult,
    Record,
    Tally,
    category_name,
    columns,
    plain_label,
)
from bot.storage.stats import Report

SUMMARY = "汇总"
MAX_ROWS = 1_048_576  # Excel's limit; a fuller category continues on a sheet "名称 (2)"
DATE_FORMAT = "yyyy-mm-dd hh:mm"
DAY_FORMAT = "yyyy-mm-dd"
WRAPPED = {"text": 60, "answer": 60, "place": 40}  # field -> widest column, then wrap
NARROW_CAP = 30
_TEXT, _DATE, _NUMBER = 0, 1, 2
_KINDS = {"received": _DATE, "answered_at": _DATE, "due_on": _DATE, "confidence": _NUMBER,
          "reopened": _NUMBER}  # fmt: skip
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")

WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,  # a cell "=1+1" from a worker stays text
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def display_width(text: str) -> int:
    """Columns `text` needs: CJK characters (3 bytes in UTF-8) count 2, ASCII 1."""
    return (len(text.encode()) + len(text)) // 2


@dataclass(frozen=True)
class _Formats:
    header: Format
    text: Format
    wrap: Format
    date: Format
    day: Format
    percent: Format
    integer: Format

    @classmethod
    def create(cls, book: Workbook) -> _Formats:
        top = {"valign": "top"}
        return cls(
            header=book.add_format({"bold": True, "valign": "top", "bg_color": "#DDEBF7"}),
            text=book.add_format(top),
            wrap=book.add_format({**top, "text_wrap": True}),
            date=book.add_format({**top, "num_format": DATE_FORMAT}),
            day=book.add_format({**top, "num_format": DAY_FORMAT}),
            percent=book.add_format({**top, "num_format": "0%"}),
            integer=book.add_format({**top, "num_format": "0"}),
        )

    def of(self, field: str) -> Format:
        """The cell format of a record field."""
        special = {"due_on": self.day, "reopened": self.integer}.get(field)
        if special is not None:
            return special
        kind = _KINDS.get(field, _TEXT)
        if field in WRAPPED:
            return self.wrap
        return {_DATE: self.date, _NUMBER: self.percent}.get(kind, self.text)


class _Sheet:
    """One category sheet: its next row, the widest content per column, and the cell plan."""

    def __init__(self, ws: Worksheet, fields: Sequence[tuple[str, str]], fmt: _Formats) -> None:
        self.ws = ws
        self.row = 1
        self.widths = [display_width(header) + 2 for _field, header in fields]  # + filter arrow
        self.plan: list[tuple[int, int, int, Format, int]] = []
        for col, (name, header) in enumerate(fields):
            kind = _KINDS.get(name, _TEXT)
            self.plan.append((col, Record._fields.index(name), kind, fmt.of(name), _cap(name)))
            ws.write_string(0, col, header, fmt.header)
            if kind == _DATE:
                shown = "2026-11-28" if name == "due_on" else "2026-11-28 08:30"
                self.widths[col] = max(self.widths[col], len(shown))

    @property
    def full(self) -> bool:
        return self.row >= MAX_ROWS

    def add(self, record: Record) -> None:
        """Write `record` on the next row (the hot loop of the export)."""
        row, ws, widths = self.row, self.ws, self.widths
        for col, index, kind, cell_format, cap in self.plan:
            value: Any = record[index]
            if value is None:
                continue
            if kind == _TEXT:
                ws.write_string(row, col, value, cell_format)
                if widths[col] < cap and len(value) * 2 > widths[col]:
                    widths[col] = min(max(widths[col], display_width(value)), cap)
            elif kind == _DATE:
                ws.write_datetime(row, col, value, cell_format)
            else:
                ws.write_number(row, col, value, cell_format)
        self.row = row + 1

    def finish(self) -> None:
        """Widths, frozen header and autofilter: stored now, written when the file closes."""
        for col, width in enumerate(self.widths):
            self.ws.set_column(col, col, width + 1)
        self.ws.freeze_panes(1, 0)
        self.ws.autofilter(0, 0, max(self.row - 1, 0), len(self.widths) - 1)


def _cap(field: str) -> int:
    return WRAPPED.get(field, NARROW_CAP)


class _Book:
    """The workbook and its category sheets, created in summary order."""

    def __init__(self, out: BinaryIO | Path, options: ExportOptions, tmpdir: str) -> None:
        target: Any = str(out) if isinstance(out, Path) else out
        self.book = Workbook(target, {**WORKBOOK_OPTIONS, "tmpdir": tmpdir})
        self.fmt = _Formats.create(self.book)
        self.fields = columns(options, with_category=False)
        self.summary = self.book.add_worksheet(SUMMARY)
        self.figures = self.book.add_worksheet(FIGURES)
        self.used = {SUMMARY.lower(), FIGURES.lower()}
        self.sheets: dict[str, _Sheet] = {}
        self.done: list[_Sheet] = []

    def sheet(self, category: str) -> _Sheet:
        """The sheet that takes the next row of `category`, made when first needed."""
        sheet = self.sheets.get(category)
        if sheet is None or sheet.full:
            if sheet is not None:
                self.done.append(sheet)
            ws = self.book.add_worksheet(self._unique_name(category))
            sheet = self.sheets[category] = _Sheet(ws, self.fields, self.fmt)
        return sheet

    def _unique_name(self, category: str) -> str:
        """A valid sheet name: ≤31 characters, none of []:*?/\\, unique ignoring case."""
        base = _BAD_SHEET_CHARS.sub("_", category).strip("'") or "未命名"
        name, number = base[:31], 1
        while name.lower() in self.used or name.lower() == "history":
            number += 1
            suffix = f" ({number})"
            name = base[: 31 - len(suffix)] + suffix
        self.used.add(name.lower())
        return name

    def discard(self) -> None:
        """Close the sheets' row files after a failure; XlsxWriter closes them only on a
        successful close() (`_opt_close` is its own helper for that, there is no public one)."""
        for ws in self.book.worksheets():
            ws._opt_close()

    def close(self) -> None:
        for sheet in [*self.done, *self.sheets.values()]:
            sheet.finish()
        try:
            self.book.close()
        except FileCreateError as error:  # the OSError inside, as a CSV export would raise it
            cause = error.args[0] if error.args else None
            raise cause if isinstance(cause, OSError) else OSError(str(error)) from None


def write_xlsx(
    records: Iterable[Record],
    sheet_order: Sequence[str],
    filt: ExportFilter,
    options: ExportOptions,
    out: BinaryIO | Path,
    report: Report,
) -> ExportResult:
    """Stream `records` into an XLSX file; category sheets are made in `sheet_order` first,
    the figures sheet shows `report` (the figures of the same cases).

    The sheets' row files live in a private temporary folder, removed even when the export
    fails half-way (nothing is written to `out` then: XlsxWriter writes it on close).
    """
    with tempfile.TemporaryDirectory(prefix="nuanxin-export-") as tmpdir:
        book = _Book(out, options, tmpdir)
        try:
            for category in sheet_order:
                book.sheet(category)
            tally = Tally(filt, options)
            for record in records:
                book.sheet(record.category).add(record)
                tally.add(record)
            result = tally.result()
            _write_summary(book, result, filt, options)
            write_figures(book.book, book.figures, report, filt, options)
            book.close()
        except BaseException:
            book.discard()
            raise
    return result


def _filter_text(filt: ExportFilter, options: ExportOptions) -> list[tuple[str, str]]:
    """Summary lines that say which suggestions the file holds."""
    lines = [("时间范围", "全部")]
    if filt.since or filt.until:
        since = filt.since.isoformat() if filt.since else "最早"
        until = filt.until.isoformat() if filt.until else "今天"
        lines = [("时间范围", f"{since} 至 {until}")]
    if filt.category is not None:
        lines.append(("类别筛选", category_name(filt.category, options.category_names)))
    if filt.status is not None:
        lines.append(("状态筛选", STATUS_NAMES.get(filt.status, filt.status)))
    if filt.kind is not None:
        lines.append(("类型筛选", plain_label("kind", filt.kind) or filt.kind))
    if filt.desk is not None:
        lines.append(("工作组筛选", options.desk_names.get(filt.desk, filt.desk)))
    return lines


def _write_summary(
    book: _Book, result: ExportResult, filt: ExportFilter, options: ExportOptions
) -> None:
    """Meta lines, counts per category and per status, and a column chart of the categories."""
    ws, fmt = book.summary, book.fmt
    meta: list[tuple[str, Any]] = [
        ("导出时间", datetime.now(options.tz).replace(tzinfo=None, second=0, microsecond=0)),
        *_filter_text(filt, options),
        ("身份信息", "包含（仅限工作人员）" if options.with_identity else "不含，号码已打码"),
        ("合计", result.rows),
    ]
    for row, (label, value) in enumerate(meta):
        value_format = fmt.date if isinstance(value, datetime) else None
        _write_cells(ws, row, [(0, label, fmt.header), (1, value, value_format)])
    top = len(meta) + 1
    categories = list(result.by_category.items())
    statuses = [(STATUS_NAMES.get(key, key), count) for key, count in result.by_status.items()]
    _write_cells(ws, top, [(0, "类别", fmt.header), (1, "数量", fmt.header),
                           (3, "状态", fmt.header), (4, "数量", fmt.header)])  # fmt: skip
    for offset in range(max(len(categories), len(statuses))):
        cells: list[tuple[int, Any, Format | None]] = []
        if offset < len(categories):
            cells += [(0, categories[offset][0], None), (1, categories[offset][1], None)]
        if offset < len(statuses):
            cells += [(3, statuses[offset][0], None), (4, statuses[offset][1], None)]
        _write_cells(ws, top + 1 + offset, cells)
    ws.set_column(0, 0, max([10, *(display_width(name) + 2 for name, _ in categories)]))
    ws.set_column(1, 1, 18)
    ws.set_column(3, 3, 10)
    if categories:
        _add_chart(book, top + 1, categories)


def _write_cells(ws: Worksheet, row: int, cells: Sequence[tuple[int, Any, Format | None]]) -> None:
    for col, value, cell_format in cells:
        if isinstance(value, str):
            ws.write_string(row, col, value, cell_format)
        elif isinstance(value, datetime | date):
            ws.write_datetime(row, col, value, cell_format)
        else:
            ws.write_number(row, col, value)


def _add_chart(book: _Book, first: int, categories: Sequence[tuple[str, int]]) -> None:
    last = first + len(categories) - 1
    chart = book.book.add_chart({"type": "column"})
    chart.add_series(
        {
            "name": "建议数量",
            "categories": [SUMMARY, first, 0, last, 0],
            "values": [SUMMARY, first, 1, last, 1],
            # constant_memory keeps no cell data for the chart's cache: give it the values
            "categories_data": [name for name, _ in categories],
            "values_data": [count for _, count in categories],
            "data_labels": {"value": True},
        }
    )
    chart.set_title({"name": "各类别建议数量"})
    chart.set_legend({"none": True})
    chart.set_y_axis({"name": "条数", "major_gridlines": {"visible": True}})
    book.summary.insert_chart(first - 1, 6, chart, {"x_scale": 1.6, "y_scale": 1.3})
