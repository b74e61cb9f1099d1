"""Admins: /reload the knowledge files without downtime; the file watch and SIGHUP do too."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.ext import Application, CommandHandler

from bot.context import BotContext, Services
from bot.handlers.common import send, user_lang
from bot.i18n import t
from bot.roles import admin_only
from knowledge import ReloadResult

logger = logging.getLogger(__name__)
RESULT_FILE = Path("var/reload-result.txt")


def describe(result: ReloadResult, lang: str) -> str:
    """What a reload did, for the admin (problems as `file:line: field: problem`)."""
    if result.ok:
        return t("admin.reloaded", lang, summary=result.knowledge.summary())
    problems = "\n".join(str(p) for p in result.problems[:30])
    return t("admin.reload_failed", lang, count=len(result.problems), problems=problems)


async def reload_knowledge(
    services: Services, only_if_changed: bool = False
) -> ReloadResult | None:
    """Validate the files, swap them in atomically when valid; log what happened."""
    holder = services.knowledge
    if holder is None:
        return None
    run = holder.reload_if_changed if only_if_changed else holder.reload
    result = await asyncio.to_thread(run)
    if result is not None:
        level = logging.INFO if result.ok else logging.WARNING
        logger.log(level, "knowledge %s", result.message().replace("\n", "; "))
    return result


@admin_only
async def reload_command(update: Update, context: BotContext) -> None:
    """/reload: reload the FAQ, station and policy files; report exactly what is wrong."""
    result = await reload_knowledge(context.services)
    if result is not None:
        await send(update, context, describe(result, user_lang(update, context)))


async def tell_admins(services: Services, bot: Bot, text: str) -> None:
    for admin in sorted(services.settings.admin_ids):
        try:
            await bot.send_message(admin, text)
        except TelegramError as exc:
            logger.warning("could not tell admin %s: %s", admin, exc)


async def watch_job(context: BotContext) -> None:
    """KNOWLEDGE_WATCH=1: reload when a file changed; tell the admins when an edit is bad."""
    result = await reload_knowledge(context.services, only_if_changed=True)
    if result is not None and not result.ok:
        await tell_admins(context.services, context.bot, describe(result, "zh"))


async def reload_on_signal(app: Application) -> None:  # type: ignore[type-arg]
    """SIGHUP (sent by `nuanxin kb reload`): reload and leave the result for the command."""
    result = await reload_knowledge(app.bot_data["services"])
    if result is not None:
        RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
        RESULT_FILE.write_text(result.message() + "\n", encoding="utf-8")


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("reload", reload_command))
