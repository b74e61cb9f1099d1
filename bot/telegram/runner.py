"""Starting and stopping the bot: one code path for `nuanxin run`, the demo and the tests.

This is where the parts meet: the database, the core's services and engine, and the
Telegram Application with the outbox delivering through it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from telegram import Update
from telegram.error import InvalidToken, NetworkError, TelegramError

from bot.core.cases import look
from bot.core.channels import Channels
from bot.core.clock import Clock, SystemClock
from bot.core.context import Services
from bot.core.engine import Engine
from bot.core.knowledge import reload_for_command_line
from bot.core.outbox import Outbox
from bot.settings import Settings
from bot.storage import Database, DatabaseError, migrate
from bot.storage.db import describe
from bot.telegram.app import App, build_application
from bot.telegram.outbound import TelegramChannel
from bot.telegram.updates import WebhookServer
from bot.web.channel import WebChannel
from bot.web.server import WebChat, WebServer
from classifier import Classifier, DataError, ModelError, ensure_default_model
from knowledge import KnowledgeError, KnowledgeHolder, sample_dir

logger = logging.getLogger(__name__)
PID_FILE = Path("var/nuanxin.pid")  # lets `nuanxin kb reload` find the running bot
SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")  # what setWebhook accepts
MAKE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'


class StartupError(Exception):
    """The bot cannot start; the message is one actionable line."""


@dataclass
class Webhook:
    """Webhook mode's settings; there is none without a sound secret."""

    url: str
    listen: str
    port: int
    secret: str

    def __post_init__(self) -> None:
        # Without the secret anyone who reaches the port could post an update as anyone,
        # a staff member included: refuse to start rather than warn.
        if not self.secret:
            raise StartupError(
                "WEBHOOK_SECRET is not set: webhook mode needs it so that only Telegram can "
                f"post updates; make one with `{MAKE_SECRET}` and put WEBHOOK_SECRET=... in .env"
            )
        if not SECRET_FORMAT.fullmatch(self.secret):
            raise StartupError(
                "WEBHOOK_SECRET must be 1-256 of A-Z, a-z, 0-9, _ and -: "
                f"make one with `{MAKE_SECRET}`"
            )


@dataclass
class Prepared:
    """A bot ready to start: its services, its engine and its Application."""

    services: Services
    engine: Engine
    app: App
    web: WebChat


def open_database(settings: Settings) -> Database:
    """Connect to the database and bring its schema up to date."""
    db = Database(settings.database_url)
    try:
        migrate(db.engine)
    except DatabaseError as exc:
        db.dispose()
        raise StartupError(str(exc)) from None
    logger.info("database ready: %s", describe(db.engine))
    return db


def build_services(settings: Settings, db: Database, clock: Clock | None = None) -> Services:
    """The core's services (raises KnowledgeError for invalid knowledge files)."""
    services = Services(settings, db, clock or SystemClock(), ZoneInfo(settings.timezone))
    services.knowledge = KnowledgeHolder(
        settings.knowledge_dir or sample_dir(), max_bytes=settings.knowledge_max_bytes
    )
    services.classifier = Classifier.load(ensure_default_model(settings.model_dir))
    return services


def prepare(settings: Settings, clock: Clock | None = None) -> Prepared:
    """Services, engine and Application, after the checks that need no network."""
    if not settings.bot_token:
        raise StartupError(
            "BOT_TOKEN is not set: get a token from @BotFather and put BOT_TOKEN=... in .env "
            "(or try the bot offline with `nuanxin demo`)"
        )
    db = open_database(settings)
    try:
        services = build_services(settings, db, clock)
    except (ModelError, DataError) as exc:
        db.dispose()
        fix = f"delete {settings.model_dir} to rebuild it, or run `nuanxin train`"
        raise StartupError(f"the classifier model cannot be used ({exc}): {fix}") from None
    except KnowledgeError as exc:
        db.dispose()
        problems = "; ".join(str(p) for p in exc.problems[:5])
        raise StartupError(f"the knowledge files are invalid ({problems}): fix them, "
                           "check with `nuanxin kb check`") from None  # fmt: skip
    engine = Engine(services)
    app = build_application(services, engine)
    # One outbox for both channels: a web rider's answers wait in their web chat even
    # while the web server is off (WEB_PORT empty).
    web_chat = WebChannel(db, services.clock, services.tz)
    channels = Channels(TelegramChannel(app.bot), web_chat)
    services.files = channels
    outbox = Outbox(db, channels, services.clock, look(services))
    services.outbox = app.bot_data["outbox"] = outbox
    return Prepared(services, engine, app, WebChat(services, engine, web_chat, channels))


async def start_app(app: App, webhook: Webhook | None = None) -> None:
    """initialize, post_init, take updates (polling or webhook), start handling them."""
    api = app.bot.base_url.rsplit("/bot", 1)[0]
    try:
        await app.initialize()
    except InvalidToken:  # its message quotes the token: never pass it on
        await _close_requests(app)
        raise StartupError(
            f"the Bot API at {api} rejected BOT_TOKEN: copy the token again from @BotFather"
        ) from None
    except NetworkError as exc:
        await _close_requests(app)
        raise StartupError(
            f"cannot reach the Bot API at {api} ({exc}): check TELEGRAM_API_URL and the network"
        ) from None
    if app.post_init:
        await app.post_init(app)
    assert app.updater is not None
    if webhook is None:
        await app.updater.start_polling(timeout=10, allowed_updates=Update.ALL_TYPES)
    else:
        await _start_webhook(app, webhook)
    await app.start()


async def _start_webhook(app: App, webhook: Webhook) -> None:
    """Our webhook server (not PTB's: see `WebhookServer`), then setWebhook with the secret."""
    server = WebhookServer(app.bot, app.update_queue, webhook.secret)
    try:
        await server.start(webhook.listen, webhook.port)
    except OSError as exc:
        raise cannot_listen(webhook.listen, webhook.port, exc, "WEBHOOK") from None
    app.bot_data["webhook"] = server
    try:
        await app.bot.set_webhook(
            webhook.url, allowed_updates=Update.ALL_TYPES, secret_token=webhook.secret
        )
    except TelegramError as exc:
        raise StartupError(
            f"the Bot API refused the webhook ({exc}): check WEBHOOK_URL and WEBHOOK_SECRET"
        ) from None


def cannot_listen(address: str, port: int, exc: OSError, settings: str) -> StartupError:
    """A server cannot take its port: which, why, and the two settings that choose it."""
    return StartupError(f"cannot listen on {address}:{port} ({exc.strerror}): "
                        f"check {settings}_LISTEN and {settings}_PORT")  # fmt: skip


async def _close_requests(app: App) -> None:
    """Close the HTTP clients of an Application whose initialize() failed half-way."""
    for request in app.bot_data.get("requests", ()):
        await request.shutdown()


async def start_web(bot: Prepared, settings: Settings) -> WebServer | None:
    """The web chat on WEB_LISTEN:WEB_PORT (None: WEB_PORT is empty). Started after the
    Application, so the outbox and the engine are ready when the first rider arrives."""
    if settings.web_port is None:
        return None
    server = WebServer(bot.web)
    try:
        await server.start(settings.web_listen, settings.web_port)
    except OSError as exc:
        raise cannot_listen(settings.web_listen, settings.web_port, exc, "WEB") from None
    bot.app.bot_data["web"] = server
    logger.info("web chat on http://%s:%s/", settings.web_listen, server.port)
    return server


async def stop_app(app: App) -> None:
    """Stop taking updates, finish the current ones, release everything."""
    web: WebServer | None = app.bot_data.pop("web", None)
    if web is not None:
        await web.stop()
    if app.updater and app.updater.running:
        await app.updater.stop()
    webhook: WebhookServer | None = app.bot_data.pop("webhook", None)
    if webhook is not None:
        await webhook.stop()
    if app.running:
        await app.stop()
    outbox: Outbox | None = app.bot_data.get("outbox")
    if outbox is not None:
        await outbox.close()
    services: Services | None = app.bot_data.get("services")
    with contextlib.suppress(RuntimeError):
        await app.shutdown()
    if services is not None:
        await services.db.aclose()


def dump_tasks() -> None:
    """SIGUSR1: print what every asyncio task is waiting on (for a bot that seems stuck)."""
    for task in asyncio.all_tasks():
        print(f"--- {task.get_name()}", file=sys.stderr)
        task.print_stack(limit=12, file=sys.stderr)
    sys.stderr.flush()


async def serve(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM."""
    webhook = None
    if settings.webhook_url:  # checked first: a missing secret needs no database to be told
        webhook = Webhook(settings.webhook_url, settings.webhook_listen, settings.webhook_port,
                          settings.webhook_secret)  # fmt: skip
    bot = prepare(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def reload() -> None:  # `nuanxin kb reload` sends SIGHUP
        bot.app.create_task(reload_for_command_line(bot.services))

    loop.add_signal_handler(signal.SIGHUP, reload)
    loop.add_signal_handler(signal.SIGUSR1, dump_tasks)
    PID_FILE.parent.mkdir(parents=True, exist_ok=True)
    PID_FILE.write_text(f"{os.getpid()}\n", encoding="utf-8")
    try:
        await start_app(bot.app, webhook)
        await start_web(bot, settings)
        mode = "webhook" if webhook else "long polling"
        logger.info("nuanxin is running (%s); press Ctrl+C to stop", mode)
        await stop.wait()
    finally:
        await stop_app(bot.app)
        PID_FILE.unlink(missing_ok=True)
