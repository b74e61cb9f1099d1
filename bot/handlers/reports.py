"""Staff reports in the bot: /stats (a chart) and /export (a spreadsheet)."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot import categories
from bot.context import BotContext
from bot.export import (
    ExportError,
    ExportFilter,
    ExportOptions,
    default_filename,
    export_suggestions,
)
from bot.handlers.common import send, user_lang
from bot.i18n import STATUS, status_name, t
from bot.roles import staff_only
from bot.stats import first_week, render_chart, weekly_table

WEEKS = 12
MAX_UPLOAD = 50 * 1024 * 1024  # what a bot may send through the Bot API


@staff_only
async def stats(update: Update, context: BotContext) -> None:
    """Suggestions per category per week for the last 12 weeks, and counts by status."""
    lang = user_lang(update, context)
    tz, now = context.services.tz, datetime.now(UTC)
    start = datetime.combine(first_week(now, tz, WEEKS), datetime.min.time(), tz)
    rows = await context.db(context.store.created_since, start.astimezone(UTC).replace(tzinfo=None))
    table = weekly_table(rows, tz, now, WEEKS)
    names = {**categories.names(lang), "review": categories.name(None, lang)}
    png = await asyncio.to_thread(render_chart, table, names, t("stats.title", lang, weeks=WEEKS))
    counts = await context.db(context.store.status_counts)
    lines = [f"{status_name(s, lang)}：{counts.get(s, 0)}" for s in STATUS]
    caption = t("stats.caption", lang, total=sum(counts.values()), lines="\n".join(lines))
    chat = update.effective_chat
    assert chat is not None
    await context.bot.send_photo(chat.id, png, caption=caption)


def parse_export_args(args: list[str]) -> tuple[str, ExportFilter, bool]:
    """`[xlsx|csv] [YYYY-MM-DD [YYYY-MM-DD]] [category] [status] [identity]`, in any order."""
    fmt, dates, category, status, identity = "xlsx", [], None, None, False
    for arg in args:
        if arg in ("identity", "实名"):
            identity = True
        elif arg in ("xlsx", "csv"):
            fmt = arg
        elif arg in categories.ids():
            category = arg
        elif arg in STATUS:
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


@staff_only
async def export(update: Update, context: BotContext) -> None:
    """/export [xlsx|csv] [since] [until] [category] [status]: the file comes back."""
    lang = user_lang(update, context)
    try:
        fmt, filt, identity = parse_export_args(list(context.args or []))
    except ExportError as exc:
        await send(update, context, t("export.usage", lang, bad=str(exc)))
        return
    names = categories.names("zh")
    options = ExportOptions(fmt, context.services.tz, names, identity)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / default_filename(options, filt, datetime.now(UTC))
        result = await asyncio.to_thread(
            export_suggestions, context.store.engine, filt, options, path
        )
        if path.stat().st_size > MAX_UPLOAD:
            await send(update, context, t("export.too_big", lang, rows=result.rows))
            return
        chat = update.effective_chat
        assert chat is not None
        caption = t("export.caption", lang, rows=result.rows)
        with path.open("rb") as document:
            await context.bot.send_document(chat.id, document, filename=path.name, caption=caption)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("stats", stats))
    app.add_handler(CommandHandler("export", export))
