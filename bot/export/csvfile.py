"""The CSV export: one UTF-8 file with a BOM and CRLF line ends, as Excel writes and reads.

The rows only, the same columns as the XLSX sheets plus 类别: a CSV file is one table, so
the figures of the XLSX summary (`bot.storage.stats`) are not in it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO, TextIO

from bot.export.query import ExportFilter, ExportOptions, ExportResult, Record, Tally, columns

ENCODING = "utf-8-sig"  # the BOM tells Excel the file is UTF-8, not the local code page
# A cell starting with one of these gets a leading ' so no spreadsheet runs it (OWASP)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_CHARS = "".join(FORMULA_START)


_DATES = ("received", "answered_at")
_DAYS = ("due_on",)
_NUMBERS = ("confidence",)
_OURS = ("reopened", "on_time")  # values we write ourselves ("-": not answered): no formula


@contextmanager
def _text_stream(out: BinaryIO | Path) -> Iterator[TextIO]:
    """A text stream on `out`; a caller's binary stream is left open, a half-written file
    is removed."""
    if isinstance(out, Path):
        try:
            with out.open("w", encoding=ENCODING, newline="") as stream:
                yield stream
        except BaseException:
            out.unlink(missing_ok=True)
            raise
        return
    wrapper = io.TextIOWrapper(out, encoding=ENCODING, newline="")
    try:
        yield wrapper
    finally:
        wrapper.flush()
        wrapper.detach()


def write_csv(
    records: Iterable[Record], filt: ExportFilter, options: ExportOptions, out: BinaryIO | Path
) -> ExportResult:
    """Stream `records` into a CSV file with Chinese headers and a 类别 column."""
    fields = [name for name, _ in columns(options, with_category=True)]
    pick = itemgetter(*(Record._fields.index(name) for name in fields))
    dates = [i for i, name in enumerate(fields) if name in _DATES]
    days = [i for i, name in enumerate(fields) if name in _DAYS]
    numbers = [i for i, name in enumerate(fields) if name in _NUMBERS]
    texts = [i for i, name in enumerate(fields) if name not in _DATES + _DAYS + _NUMBERS + _OURS]
    tally = Tally(filt, options)
    with _text_stream(out) as stream:
        writer = csv.writer(stream, lineterminator="\r\n")
        writer.writerow([header for _, header in columns(options, with_category=True)])
        for record in records:
            row = list(pick(record))  # None is written as an empty cell
            for i in dates:
                if row[i] is not None:
                    row[i] = row[i].isoformat(" ", "minutes")
            for i in days:
                if row[i] is not None:
                    row[i] = row[i].isoformat()
            for i in numbers:
                if row[i] is not None:
                    row[i] = f"{row[i]:.2f}"
            for i in texts:
                if row[i] and row[i][0] in FORMULA_CHARS:
                    row[i] = "'" + row[i]
            writer.writerow(row)
            tally.add(record)
    return tally.result()
