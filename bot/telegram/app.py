"""The python-telegram-bot Application: one handler that turns each update into an event
for the core and carries out the actions it returns, plus the scheduled jobs."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import Any

from telegram import Bot, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, NetworkError, TelegramError
from telegram.ext import Application, ApplicationBuilder, CallbackContext, Defaults, TypeHandler

from bot.catalog import lang_of, t
from bot.core.context import Services
from bot.core.engine import Engine
from bot.core.knowledge import watch
from bot.telegram import menus
from bot.telegram.inbound import to_event
from bot.telegram.limits import FloodGuard, TelegramLimits, TokenBucket
from bot.telegram.outbound import answer_press, perform
from bot.telegram.processing import ChatOrderedProcessor
from bot.telegram.transport import AiohttpRequest
from bot.telegram.updates import ScreenedUpdates

logger = logging.getLogger(__name__)
OUTBOX_INTERVAL = 5.0
SWEEP_INTERVAL = 5.0
WATCH_INTERVAL = 3.0
MENU_COMMANDS = menus.MENU_COMMANDS  # every command some menu shows (each has a label)
App = Application[Any, Any, Any, Any, Any, Any]
Context = CallbackContext[Any, Any, Any, Any]
_PENDING: set[asyncio.Task[None]] = set()  # button answers on their way


def build_application(services: Services, engine: Engine) -> App:
    """The real Application, talking to `TELEGRAM_API_URL`."""
    settings = services.settings
    api = settings.telegram_api_url
    # getUpdates through ScreenedUpdates: an update PTB cannot read must not stop the bot
    requests = (AiohttpRequest(connection_pool_size=16), ScreenedUpdates(AiohttpRequest()))
    guard = FloodGuard(TokenBucket(settings.flood_burst, settings.flood_rate),
                       clock=services.clock.monotonic)  # fmt: skip
    processor = ChatOrderedProcessor(guard)
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = ApplicationBuilder()
    if settings.outgoing_limits:
        builder = builder.rate_limiter(TelegramLimits())
    app: App = (
        builder.token(settings.bot_token)
        .request(requests[0])
        .get_updates_request(requests[1])
        .base_url(f"{api}/bot")
        .base_file_url(f"{api}/file/bot")
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=services.tz))
        .concurrent_updates(processor)  # in order per chat, chats in parallel
        .post_init(_post_init)
        .build()
    )
    app.bot_data.update(services=services, engine=engine, requests=requests)
    processor.on_flood = functools.partial(tell_flooder, app.bot)
    app.add_handler(TypeHandler(Update, dispatch))
    app.add_error_handler(on_error)
    return app


async def dispatch(update: Update, context: Context) -> None:
    """Every update: as an event to the core, then its actions to Telegram."""
    event = to_event(update, context.bot.username if context.bot else None)
    if event is None:
        logger.debug("update %s ignored: nothing the bot serves", update.update_id)
        return
    engine: Engine = context.bot_data["engine"]
    actions = await engine.handle(event)
    query = update.callback_query
    if query is not None:
        answer_press(query, actions, _PENDING)
    pressed = query.message.message_id if query is not None and query.message else None
    posted = await perform(context.bot, event.who.chat_id, actions, pressed)
    if posted:  # staff cards (/view, a digest): edited with the case from now on
        await engine.posted(posted)


async def on_error(update: object, context: Context) -> None:
    """Telegram failed while answering (the core's own errors never get here)."""
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, NetworkError) and not isinstance(error, BadRequest):
        # Telegram unreachable even after the retries: known, not a bug; the next update
        # will be served as usual.
        logger.warning("Bot API unreachable in update %s: %s", update_id, error)
    else:
        logger.error("unhandled error in update %s", update_id, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    user = update.effective_user
    lang = lang_of(user.language_code if user else None)
    try:
        await context.bot.send_message(update.effective_chat.id, t("error", lang))
    except Exception:  # the chat may be unreachable; the error is logged above already
        logger.warning("could not tell chat %s about an error", update.effective_chat.id)


async def tell_flooder(bot: Bot, update: Update) -> None:
    """The one friendly notice a flooding user gets per cool-down."""
    user, chat = update.effective_user, update.effective_chat
    lang = lang_of(user.language_code if user else None)
    with contextlib.suppress(TelegramError):
        if update.callback_query:
            await update.callback_query.answer(t("flood", lang), show_alert=True)
        elif chat is not None:
            await bot.send_message(chat.id, t("flood", lang))


async def _post_init(app: App) -> None:
    """Publish the command menus, read conversations back, start the background jobs."""
    services: Services = app.bot_data["services"]
    engine: Engine = app.bot_data["engine"]
    staff_menus = app.bot_data["menus"] = menus.StaffMenus(app.bot, services)
    await staff_menus.publish()
    await engine.start()
    jobs = app.job_queue
    assert jobs is not None
    jobs.run_repeating(_flush_outbox, OUTBOX_INTERVAL, first=OUTBOX_INTERVAL, name="outbox")
    jobs.run_repeating(_sweep_job, SWEEP_INTERVAL, first=SWEEP_INTERVAL, name="sweep")
    at = services.settings.digest_time.replace(tzinfo=services.tz)
    jobs.run_daily(_daily_job, at, name="digest")  # desks' digests, escalations, reminders
    jobs.run_repeating(_menus_job, menus.REFRESH_INTERVAL, first=menus.REFRESH_INTERVAL,
                       name="staff-menus")  # fmt: skip
    if services.settings.knowledge_watch:
        jobs.run_repeating(_watch_job, WATCH_INTERVAL, first=WATCH_INTERVAL, name="knowledge-watch")
    await sweep(app)  # conversations that ran out while the bot was down
    if services.outbox is not None:
        services.outbox.kick()  # receipts and answers owed from before a restart


async def _flush_outbox(context: Context) -> None:
    """Retry what the outbox still owes."""
    services: Services = context.bot_data["services"]
    if services.outbox is not None:
        await services.outbox.flush()


async def sweep(app: App) -> None:
    """End conversations idle past the timeout (also those that expired while the bot was
    down) and tell each person."""
    engine: Engine = app.bot_data["engine"]
    for chat_id, actions in await engine.sweep():
        try:
            await perform(app.bot, chat_id, actions)
        except TelegramError as exc:  # a blocked chat must not stop the sweep
            logger.warning("could not tell chat %s its conversation ended: %s", chat_id, exc)


async def daily(app: App) -> None:
    """Post each desk its digest; its case buttons become cards that follow the case."""
    engine: Engine = app.bot_data["engine"]
    for chat_id, actions in await engine.daily():
        try:
            posted = await perform(app.bot, chat_id, actions)
        except TelegramError as exc:  # one unreachable desk must not stop the others
            logger.warning("could not post the digest to chat %s: %s", chat_id, exc)
            continue
        if posted:
            await engine.posted(posted)


async def _daily_job(context: Context) -> None:
    await daily(context.application)


async def _sweep_job(context: Context) -> None:
    await sweep(context.application)


async def _menus_job(context: Context) -> None:
    """Staff added or removed by `nuanxin staff` (another process): their menus follow."""
    staff_menus: menus.StaffMenus = context.bot_data["menus"]
    await staff_menus.refresh()


async def _watch_job(context: Context) -> None:
    """KNOWLEDGE_WATCH=1: reload changed files; tell the admins when an edit is bad."""
    services: Services = context.bot_data["services"]
    for message in await watch(services):
        try:
            await perform(context.bot, message.chat or 0, [message])
        except TelegramError as exc:
            logger.warning("could not tell admin %s: %s", message.chat, exc)
