"""Spreadsheet exports of suggestions for staff: XLSX (a summary with a chart, the figures
desks are judged by, a sheet per category) or CSV (the rows only: one table that any program
reads), streamed from the database so memory stays flat however many rows there are.

    result = export_suggestions(store.engine, ExportFilter(category="labor_rights"),
                                ExportOptions("xlsx", ZoneInfo("Asia/Shanghai"), names),
                                Path("out.xlsx"))

Without `with_identity` the file holds no names, phone numbers or Telegram ids, and the
personal numbers and ids inside the text (phone, ID-card, bank-card and plate numbers, e-mail
addresses, @usernames, WeChat and QQ ids: `bot.export.mask`) are masked; with it, identity is
shown only for suggestions the worker did not send anonymously.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from bot.export.csvfile import write_csv
from bot.export.mask import mask_text
from bot.export.query import (
    UNCLASSIFIED,
    ExportError,
    ExportFilter,
    ExportOptions,
    ExportResult,
    case_figures,
    category_counts,
    iter_records,
    summary_categories,
    validate,
)
from bot.export.xlsx import write_xlsx
from bot.storage.export import Source

__all__ = [
    "UNCLASSIFIED",
    "ExportError",
    "ExportFilter",
    "ExportOptions",
    "ExportResult",
    "default_filename",
    "export_suggestions",
    "mask_text",
]


def export_suggestions(
    source: Source, filt: ExportFilter, options: ExportOptions, out: BinaryIO | Path
) -> ExportResult:
    """Write the suggestions `filt` selects to `out` (a path, or a binary stream left open).

    `source`: the sync engine (`store.engine`) or a `bot.storage.Database`; the rows are
    read in the calling thread. Raises ExportError for an unknown format, status or
    category, or since > until.
    """
    validate(filt, options)
    records = iter_records(source, filt, options)
    if options.format == "csv":
        return write_csv(records, filt, options, out)
    report = case_figures(source, filt, options)
    return write_xlsx(records, _sheet_order(source, filt, options), filt, options, out, report)


def _sheet_order(source: Source, filt: ExportFilter, options: ExportOptions) -> list[str]:
    """Category sheets to create up front: the known categories that have rows, in order."""
    counts = category_counts(source, filt, options)
    known = summary_categories(filt, options)
    present = [name for name in known if counts.get(name) or filt.category is not None]
    return present + [name for name in counts if name not in known]


def default_filename(options: ExportOptions, filt: ExportFilter, now: datetime) -> str:
    """A file name that says what is inside, e.g. `nuanxin-suggestions-20261128.xlsx`.

    Filters and identity show in the name: `nuanxin-suggestions-labor_rights-answered-
    20261101to20261127-identity-20261128.xlsx`. A naive `now` is taken as UTC.
    """
    local = (now if now.tzinfo else now.replace(tzinfo=UTC)).astimezone(options.tz)
    parts = ["nuanxin-suggestions"]
    parts += [value for value in (filt.category, filt.status, filt.kind, filt.desk) if value]
    if filt.since or filt.until:
        since = f"{filt.since:%Y%m%d}" if filt.since else ""
        until = f"{filt.until:%Y%m%d}" if filt.until else ""
        parts.append(f"{since}to{until}")
    if options.with_identity:
        parts.append("identity")
    parts.append(f"{local:%Y%m%d}")
    return "-".join(parts) + f".{options.format}"
