"""Building the Application: services, handlers and background jobs, wired in one place."""

from __future__ import annotations

import functools
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from telegram import Bot, BotCommand, ReplyKeyboardRemove, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults, TypeHandler

from bot.context import BotContext, Services, run_db
from bot.handlers import (
    admin,
    errors,
    faq,
    mine,
    policies,
    privacy,
    reports,
    staff,
    staff_answer,
    start,
    stations,
    suggest,
    suggest_wiring,
)
from bot.handlers.common import remember_user, tell_flooder
from bot.i18n import t
from bot.limits import FloodGuard, TelegramLimits, TokenBucket
from bot.messages import RENDERERS
from bot.outbox import OutboxSender
from bot.persistence import DraftPersistence
from bot.processing import ChatOrderedProcessor
from bot.settings import Settings
from bot.storage import Store
from bot.transport import AiohttpRequest
from classifier import Classifier, ensure_default_model
from knowledge import KnowledgeHolder, sample_dir

logger = logging.getLogger(__name__)
OUTBOX_INTERVAL = 5.0
SWEEP_INTERVAL = 30.0
WATCH_INTERVAL = 3.0
COMMANDS = {
    "zh": [("start", "主菜单"), ("suggest", "提建议"), ("my", "我的建议"), ("ask", "问问题"),
           ("stations", "附近驿站"), ("policies", "政策与热线"), ("help", "帮助"),
           ("cancel", "取消"), ("language", "English / 中文")],
    "en": [("start", "Main menu"), ("suggest", "Make a suggestion"), ("my", "My suggestions"),
           ("ask", "Ask a question"), ("stations", "Nearby stations"),
           ("policies", "Policies and hotlines"), ("help", "Help"), ("cancel", "Cancel"),
           ("language", "中文 / English")],
}  # fmt: skip


def build_services(settings: Settings, store: Store) -> Services:
    """Services shared by all handlers (raises KnowledgeError for invalid knowledge files)."""
    services = Services(settings=settings, store=store, tz=ZoneInfo(settings.timezone))
    services.outbox = OutboxSender(store, RENDERERS)
    services.knowledge = KnowledgeHolder(settings.knowledge_dir or sample_dir())
    services.classifier = load_classifier(settings.model_dir)
    return services


def load_classifier(model_dir: Path) -> Classifier:
    """The suggestion classifier; a default one is trained from the seed data if missing."""
    return Classifier.load(ensure_default_model(model_dir))


def build_application(services: Services) -> Application:  # type: ignore[type-arg]
    """The real python-telegram-bot Application, talking to `TELEGRAM_API_URL`."""
    settings = services.settings
    api = settings.telegram_api_url
    requests = (AiohttpRequest(connection_pool_size=16), AiohttpRequest())
    builder = ApplicationBuilder()
    guard = FloodGuard(TokenBucket(settings.flood_burst, settings.flood_rate))
    processor = ChatOrderedProcessor(guard)
    if settings.outgoing_limits:
        builder = builder.rate_limiter(TelegramLimits())
    app = (
        builder.token(settings.bot_token)
        .request(requests[0])
        .get_updates_request(requests[1])
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=services.tz))
        .persistence(DraftPersistence(services.store, settings.conversation_timeout))
        .concurrent_updates(processor)  # in order per chat, chats in parallel
        .post_init(_post_init)
        .build()
    )
    app.bot_data["services"] = services
    app.bot_data["requests"] = requests  # closed by the runner if start-up fails
    processor.on_flood = functools.partial(tell_flooder, app)
    app.add_handler(TypeHandler(Update, remember_user), group=-2)
    staff_answer.register(app)  # group -1 first: a staff member's pending answer
    start.register(app)
    suggest_wiring.register(app, settings.conversation_timeout)
    mine.register(app)
    faq.register(app)
    stations.register(app)
    policies.register(app)
    staff.register(app)
    privacy.register(app)
    reports.register(app)
    admin.register(app)
    faq.register_free_text(app)
    errors.register_last(app)
    return app


async def _post_init(app: Application) -> None:  # type: ignore[type-arg]
    """Publish the command menu and start the background jobs."""
    for lang, commands in COMMANDS.items():
        code = None if lang == "zh" else lang
        try:
            menu = [BotCommand(c, d) for c, d in commands]
            await app.bot.set_my_commands(menu, language_code=code)
        except TelegramError as exc:  # a cosmetic failure must not stop the bot
            logger.warning("could not publish the command menu: %s", exc)
    await staff_answer.load_pending(app)
    assert app.job_queue is not None
    app.job_queue.run_repeating(
        _flush_outbox, OUTBOX_INTERVAL, first=OUTBOX_INTERVAL, name="outbox"
    )
    app.job_queue.run_repeating(_sweep_job, SWEEP_INTERVAL, first=SWEEP_INTERVAL, name="sweep")
    if app.bot_data["services"].settings.knowledge_watch:
        app.job_queue.run_repeating(admin.watch_job, WATCH_INTERVAL, first=WATCH_INTERVAL,
                                    name="knowledge-watch")  # fmt: skip
    services = app.bot_data["services"]
    await sweep_drafts(services, app.bot)  # drafts that expired while the bot was down
    services.outbox.kick(app.bot)  # receipts and answers owed from before a restart


async def _flush_outbox(context: BotContext) -> None:
    """Retry what the outbox still owes."""
    if context.services.outbox is not None:
        await context.services.outbox.flush(context.bot)


async def _sweep_job(context: BotContext) -> None:
    await sweep_drafts(context.services, context.bot)


async def sweep_drafts(services: Services, bot: Bot) -> None:
    """End drafts idle past the timeout that no in-memory timer covers (after a restart)."""
    idle = timedelta(seconds=services.settings.conversation_timeout + SWEEP_INTERVAL)
    expired = await run_db(services.store.pop_expired_drafts, suggest.NAME, idle)
    for chat_id, _user_id, lang in expired:
        try:
            await bot.send_message(
                chat_id, t("suggest.timeout", lang), reply_markup=ReplyKeyboardRemove()
            )
        except Exception as exc:  # a blocked chat must not stop the sweep
            logger.warning("could not tell chat %s its draft expired: %s", chat_id, exc)


def job_names(app: Application[Any, Any, Any, Any, Any, Any]) -> list[str]:
    """Names of the scheduled jobs (for diagnostics)."""
    return [job.name or "" for job in app.job_queue.jobs()] if app.job_queue else []
