"""Staff reports: /stats (a chart) and /export (a spreadsheet)."""

from __future__ import annotations

import asyncio
import os
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from bot.catalog import label, labels
from bot.core.actions import Document, Picture
from bot.core.charts import first_week, render_chart, weekly_table
from bot.core.context import Ctx
from bot.domain import REVIEW, Status, category_ids
from bot.export import (
    ExportError,
    ExportFilter,
    ExportOptions,
    default_filename,
    export_suggestions,
)
from bot.storage import suggestions

Format = Literal["xlsx", "csv"]
FORMATS: dict[str, Format] = {"xlsx": "xlsx", "csv": "csv"}
WEEKS = 12
MAX_UPLOAD = 50 * 1024 * 1024  # what a bot may send through the Bot API
EXPORT_LANG = "zh"  # spreadsheets go to meetings in Chinese


async def stats(ctx: Ctx) -> None:
    """Suggestions per category per week for the last 12 weeks, and counts by status."""
    lang, tz, now = ctx.lang, ctx.services.tz, ctx.services.clock.now()
    start = datetime.combine(first_week(now, tz, WEEKS), datetime.min.time(), tz)
    rows = await ctx.db(suggestions.created_since, start.astimezone(UTC).replace(tzinfo=None))
    table = weekly_table(rows, tz, now, WEEKS)
    names = {**labels("category", category_ids(), lang), REVIEW: label("category", REVIEW, lang)}
    title = ctx.t("stats.title", weeks=WEEKS)
    png = await asyncio.to_thread(render_chart, table, names, title)
    counts = await ctx.db(suggestions.status_counts)
    lines = [f"{label('status', s, lang)}：{counts.get(s, 0)}" for s in Status]
    caption = ctx.t("stats.caption", total=sum(counts.values()), lines="\n".join(lines))
    ctx.out.append(Picture(png, caption=caption))


def parse_export_args(args: list[str]) -> tuple[Format, ExportFilter, bool]:
    """`[xlsx|csv] [YYYY-MM-DD [YYYY-MM-DD]] [category] [status] [identity]`, in any order."""
    fmt: Format = "xlsx"
    dates: list[date] = []
    category: str | None = None
    status: str | None = None
    identity = False
    for arg in args:
        if arg in ("identity", "实名"):
            identity = True
        elif arg in FORMATS:
            fmt = FORMATS[arg]
        elif arg in category_ids():
            category = arg
        elif Status.parse(arg) is not None:
            status = arg
        else:
            try:
                dates.append(date.fromisoformat(arg))
            except ValueError:
                raise ExportError(arg) from None
    if len(dates) > 2:
        raise ExportError(str(dates[2]))
    since = dates[0] if dates else None
    until = dates[1] if len(dates) > 1 else None
    return fmt, ExportFilter(since=since, until=until, category=category, status=status), identity


async def export(ctx: Ctx, args: list[str]) -> None:
    """/export [xlsx|csv] [since] [until] [category] [status]: the file comes back."""
    try:
        fmt, filt, identity = parse_export_args(args)
    except ExportError as exc:
        ctx.say(ctx.t("export.usage", bad=str(exc)))
        return
    names = labels("category", category_ids(), EXPORT_LANG)
    options = ExportOptions(fmt, ctx.services.tz, names, identity)
    filename = default_filename(options, filt, ctx.services.clock.now())
    handle, name = tempfile.mkstemp(prefix="nuanxin-export-", suffix=f".{fmt}")
    os.close(handle)
    path = Path(name)
    try:
        result = await asyncio.to_thread(export_suggestions, ctx.services.db, filt, options, path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if path.stat().st_size > MAX_UPLOAD:
        path.unlink(missing_ok=True)
        ctx.say(ctx.t("export.too_big", rows=result.rows))
        return
    caption = ctx.t("export.caption", rows=result.rows)
    ctx.out.append(Document(path, filename=filename, caption=caption, remove_after=True))
