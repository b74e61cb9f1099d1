"""Reloading the FAQ, station and policy files without downtime: /reload, the file watch,
and `nuanxin kb reload` (a signal to the running bot) all come here."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from bot.catalog import t
from bot.core.actions import Message
from bot.core.context import Services
from knowledge import ReloadResult

logger = logging.getLogger(__name__)
RESULT_FILE = Path("var/reload-result.txt")  # where `nuanxin kb reload` reads the outcome
REPORT_CHARS = 3000  # of problems in one reload report (the rest: `nuanxin kb check`)


def describe(result: ReloadResult, lang: str) -> str:
    """What a reload did, for the admin (problems as `file:line: field: problem`)."""
    if result.ok:
        return t("admin.reloaded", lang, summary=result.knowledge.summary())
    shown, length = [], 0
    for problem in (str(p) for p in result.problems[:30]):
        length += len(problem) + 1
        if length > REPORT_CHARS:  # a message must stay under Telegram's 4,096 characters
            break
        shown.append(problem)
    problems = "\n".join(shown) + ("\n…" if len(shown) < len(result.problems) else "")
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


async def watch(services: Services) -> list[Message]:
    """KNOWLEDGE_WATCH=1: reload when a file changed; what to tell the admins of a bad edit."""
    result = await reload_knowledge(services, only_if_changed=True)
    if result is None or result.ok:
        return []
    text = describe(result, "zh")
    return [Message(text, chat=admin) for admin in sorted(services.settings.admin_ids)]


async def reload_for_command_line(services: Services) -> None:
    """After a signal from `nuanxin kb reload`: reload and leave the result for it to read."""
    result = await reload_knowledge(services)
    if result is not None:
        RESULT_FILE.parent.mkdir(parents=True, exist_ok=True)
        RESULT_FILE.write_text(result.message() + "\n", encoding="utf-8")
