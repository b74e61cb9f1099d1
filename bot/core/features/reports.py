"""Staff reports: /stats (the weekly chart over the figures per desk) and /export (a
spreadsheet)."""

from __future__ import annotations

import asyncio
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from bot.catalog import label, labels
from bot.core.actions import Buttons, Document, Picture, PrivateChatButton
from bot.core.cases import desk_name, routing
from bot.core.charts import Panel, first_week, render_report, weekly_table
from bot.core.context import Ctx
from bot.core.errors import DatabaseDown
from bot.core.filters import parse, usage_names
from bot.domain import REVIEW, Role, Status, category_ids
from bot.export import (
    ExportError,
    ExportFilter,
    ExportOptions,
    default_filename,
    export_suggestions,
)
from bot.storage import DatabaseUnavailable, suggestions
from bot.storage import stats as figures_of
from bot.storage.stats import Figures, Report, rows_of
from knowledge import Routing

Format = Literal["xlsx", "csv"]
FORMATS: dict[str, Format] = {"xlsx": "xlsx", "csv": "csv"}
IDENTITY_WORDS = ("identity", "实名")
WEEKS = 12
MAX_UPLOAD = 50 * 1024 * 1024  # what a bot may send through the Bot API
EXPORT_LANG = "zh"  # spreadsheets go to meetings in Chinese
# Only colours the picture (a rate under it is drawn red); the city sets its own targets.
ALERT_RATE = 0.8
NONE = "—"  # a rate of nothing: no answered case had a deadline, no answer is rated
COLUMN_KEYS = ("stats.col_desk", "stats.col_received", "stats.col_on_time", "stats.col_overdue",
               "stats.col_satisfaction", "stats.col_days", "stats.col_reopened")  # fmt: skip


# --- /stats ---------------------------------------------------------------------------


async def stats(ctx: Ctx) -> None:
    """The weekly chart per category over the figures per desk (all time), and the
    headline figures with the counts by status as its caption."""
    services, lang = ctx.services, ctx.lang
    now, tz = services.clock.now(), services.tz
    start = datetime.combine(first_week(now, tz, WEEKS), datetime.min.time(), tz)
    rows = await ctx.db(suggestions.created_since, start.astimezone(UTC).replace(tzinfo=None))
    report = await _figures(ctx, now.astimezone(tz).date())
    counts = await ctx.db(suggestions.status_counts)
    names = {**labels("category", category_ids(), lang), REVIEW: label("category", REVIEW, lang)}
    table = weekly_table(rows, tz, now, WEEKS)
    png = await asyncio.to_thread(
        render_report, table, names, ctx.t("stats.title", weeks=WEEKS), desk_panel(ctx, report)
    )
    ctx.out.append(Picture(png, caption=_caption(ctx, report, counts)))


async def _figures(ctx: Ctx, today: date) -> Report:
    """The figures of every case, counted in a worker thread: the working-day count walks
    the answered cases in Python, which would hold up every chat on the loop."""
    db = ctx.services.db
    try:
        return await asyncio.to_thread(db.run_sync, figures_of.figures, today=today,
                                       tz=ctx.services.tz)  # fmt: skip
    except DatabaseUnavailable:
        raise DatabaseDown() from None


def percent(part: int, whole: int) -> str:
    """`86% (6/7)`, or a dash when there is nothing to count."""
    return f"{part / whole:.0%} ({part}/{whole})" if whole else NONE


def days(value: float | None) -> str:
    return NONE if value is None else f"{value:.1f}"


def desk_panel(ctx: Ctx, report: Report) -> Panel:
    """The figures per desk, as the table under the chart: the routing file's desks first
    (at zero when they have no case), then a desk removed since and the staff chat."""
    order = [desk.id for desk in routing(ctx.services).desks]
    lines = [(_desk(ctx, g.key), g.figures) for g in rows_of(report.desks, order)]
    flagged: set[tuple[int, int]] = set()
    for row, (_name, figures) in enumerate([*lines, ("", report.total)]):
        flagged |= {(row, col) for col in _alerts(figures)}
    return Panel(
        title=ctx.t("stats.table_title", today=report.today.isoformat()),
        headers=tuple(ctx.t(key) for key in COLUMN_KEYS),
        rows=tuple(_cells(ctx, name, figures) for name, figures in lines),
        total=_cells(ctx, ctx.t("stats.total"), report.total),
        flagged=frozenset(flagged),
        note=ctx.t("stats.note", alert=f"{ALERT_RATE:.0%}"),
    )


def _desk(ctx: Ctx, desk_id: str | None) -> str:
    return desk_name(ctx.services, desk_id) if desk_id else ctx.t("stats.no_desk")


def _cells(ctx: Ctx, name: str, f: Figures) -> tuple[str, ...]:
    reopened = ctx.t("stats.reopened_cell", cases=f.reopened, times=f.reopenings)
    return (name, str(f.received), percent(f.on_time, f.due_answered), str(f.overdue),
            percent(f.satisfied, f.rated), days(f.average_workdays),
            reopened if f.reopened else "0")  # fmt: skip


def _alerts(f: Figures) -> list[int]:
    """The columns of a line to draw red: overdue cases, rates under ALERT_RATE."""
    alerts = [3] if f.overdue else []
    if f.on_time_rate is not None and f.on_time_rate < ALERT_RATE:
        alerts.append(2)
    if f.satisfaction is not None and f.satisfaction < ALERT_RATE:
        alerts.append(4)
    return alerts


def _caption(ctx: Ctx, report: Report, counts: dict[str, int]) -> str:
    total = report.total
    lines = [f"{label('status', s, ctx.lang)}：{counts.get(s, 0)}" for s in Status]
    return ctx.t(
        "stats.caption",
        total=total.received,
        answered=total.answered,
        on_time=percent(total.on_time, total.due_answered),
        overdue=total.overdue,
        satisfaction=percent(total.satisfied, total.rated),
        days=days(total.average_workdays),
        reopened=total.reopened,
        lines="\n".join(lines),
    )


# --- /export --------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportRequest:
    """What `/export ...` asks for."""

    format: Format
    filt: ExportFilter
    identity: bool = False


def parse_export_args(args: list[str], table: Routing) -> ExportRequest:
    """`[xlsx|csv] [YYYY-MM-DD [YYYY-MM-DD]] [category] [status] [kind] [desk] [identity]`
    in any order; categories, statuses, kinds and desks by id or by name, in Chinese or
    English (`bot.core.filters`). Raises ExportError naming the first word it cannot use."""
    fmt: Format = "xlsx"
    dates: list[date] = []
    identity = False
    rest: list[str] = []
    for arg in args:
        word = arg.casefold()
        if word in IDENTITY_WORDS:
            identity = True
        elif word in FORMATS:
            fmt = FORMATS[word]
        else:
            try:
                dates.append(date.fromisoformat(arg))
            except ValueError:
                rest.append(arg)
    found, unknown = parse(rest, table)
    if unknown:
        raise ExportError(unknown[0])
    if len(dates) > 2 or (len(dates) == 2 and dates[0] > dates[1]):
        raise ExportError(str(dates[-1]))
    since = dates[0] if dates else None
    until = dates[1] if len(dates) > 1 else None
    status = found.status.value if found.status is not None else None
    kind = found.kind.value if found.kind is not None else None
    filt = ExportFilter(since, until, found.category, status, kind, found.desk)
    return ExportRequest(fmt, filt, identity)


async def export(ctx: Ctx, args: list[str]) -> None:
    """/export [xlsx|csv] [since] [until] [category] [status] [kind] [desk] [identity]:
    the file comes back; with identity only in a private chat, for the allowed role."""
    table = routing(ctx.services)
    try:
        request = parse_export_args(args, table)
    except ExportError as exc:
        ctx.say(
            ctx.t("export.usage", bad=str(exc), who=_who_may(ctx), **usage_names(table, ctx.lang))
        )
        return
    if request.identity and not await _identity_allowed(ctx):
        return
    names = labels("category", category_ids(), EXPORT_LANG)
    desks = {desk.id: desk.name for desk in table.desks}
    kb = ctx.services.kb
    stations = {station.id: station.name for station in kb.stations} if kb is not None else {}
    today = ctx.services.clock.now().astimezone(ctx.services.tz).date()
    options = ExportOptions(request.format, ctx.services.tz, names, request.identity,
                            desk_names=desks, station_names=stations, today=today)  # fmt: skip
    await _send_export(ctx, request.filt, options)


async def _identity_allowed(ctx: Ctx) -> bool:
    """Names and phone numbers go only into a private chat, and only to the role the
    settings allow (IDENTITY_EXPORT_ROLE); a group gets a refusal and a button to the
    private chat, never a file."""
    if not ctx.who.private:
        open_chat = Buttons(((PrivateChatButton(ctx.t("group.open_private")),),))
        ctx.say(ctx.t("export.identity_group"), open_chat)
        return False
    admins_only = ctx.services.settings.identity_export_role == Role.ADMIN
    allowed = await (ctx.is_admin() if admins_only else ctx.is_staff())
    if not allowed:
        ctx.say(ctx.t("export.identity_refused", who=_who_may(ctx)))
    return allowed


def _who_may(ctx: Ctx) -> str:
    """Who may export identity, as the usage and the refusal say it."""
    admins_only = ctx.services.settings.identity_export_role == Role.ADMIN
    return ctx.t("export.role_admin") if admins_only else ctx.t("export.role_staff")


async def _send_export(ctx: Ctx, filt: ExportFilter, options: ExportOptions) -> None:
    """Write the file in a worker thread and send it (or say it is too big to send)."""
    filename = default_filename(options, filt, ctx.services.clock.now())
    handle, name = tempfile.mkstemp(prefix="nuanxin-export-", suffix=f".{options.format}")
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
