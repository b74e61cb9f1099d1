"""Starting and stopping the bot: one code path for `nuanxin run`, the demo and the tests."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from dataclasses import dataclass
from pathlib import Path

from telegram import Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import Application

from bot.app import build_application, build_services
from bot.context import Services
from bot.handlers.admin import reload_on_signal
from bot.settings import Settings
from bot.storage import DatabaseError, Store, make_engine, migrate
from bot.storage.db import describe
from classifier import DataError, ModelError
from knowledge import KnowledgeError

logger = logging.getLogger(__name__)
PID_FILE = Path("var/nuanxin.pid")  # lets `nuanxin kb reload` find the running bot


class StartupError(Exception):
    """The bot cannot start; the message is one actionable line."""


@dataclass
class Webhook:
    url: str
    listen: str
    port: int
    secret: str | None


def open_store(settings: Settings) -> Store:
    """Connect to the database and bring its schema up to date."""
    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
    except DatabaseError as exc:
        engine.dispose()
        raise StartupError(str(exc)) from None
    logger.info("database ready: %s", describe(engine))
    return Store(engine)


def prepare(settings: Settings) -> tuple[Services, Application]:  # type: ignore[type-arg]
    """Services and the Application, after the checks that need no network."""
    if not settings.bot_token:
        raise StartupError(
            "BOT_TOKEN is not set: get a token from @BotFather and put BOT_TOKEN=... in .env "
            "(or try the bot offline with `nuanxin demo`)"
        )
    store = open_store(settings)
    try:
        services = build_services(settings, store)
    except (ModelError, DataError) as exc:
        store.engine.dispose()
        fix = f"delete {settings.model_dir} to rebuild it, or run `nuanxin train`"
        raise StartupError(f"the classifier model cannot be used ({exc}): {fix}") from None
    except KnowledgeError as exc:
        store.engine.dispose()
        problems = "; ".join(str(p) for p in exc.problems[:5])
        raise StartupError(f"the knowledge files are invalid ({problems}): fix them, "
                           "check with `nuanxin kb check`") from None  # fmt: skip
    return services, build_application(services)


async def start_app(app: Application, webhook: Webhook | None = None) -> None:  # type: ignore[type-arg]
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
        await app.updater.start_webhook(
            listen=webhook.listen,
            port=webhook.port,
            url_path="telegram",
            webhook_url=webhook.url,
            secret_token=webhook.secret,
            allowed_updates=Update.ALL_TYPES,
        )
    await app.start()


async def _close_requests(app: Application) -> None:  # type: ignore[type-arg]
    """Close the HTTP clients of an Application whose initialize() failed half-way."""
    for request in app.bot_data.get("requests", ()):
        await request.shutdown()


async def stop_app(app: Application) -> None:  # type: ignore[type-arg]
    """Stop taking updates, finish the current ones, release everything."""
    if app.updater and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    services = app.bot_data.get("services")
    if services is not None and services.outbox is not None:
        await services.outbox.close()
    with contextlib.suppress(RuntimeError):
        await app.shutdown()


def dump_tasks() -> None:
    """SIGUSR1: print what every asyncio task is waiting on (for a bot that seems stuck)."""
    for task in asyncio.all_tasks():
        print(f"--- {task.get_name()}", file=sys.stderr)
        task.print_stack(limit=12, file=sys.stderr)
    sys.stderr.flush()


async def serve(settings: Settings) -> None:
    """Run until SIGINT or SIGTERM."""
    services, app = prepare(settings)
    webhook = None
    if settings.webhook_url:
        webhook = Webhook(
            settings.webhook_url,
            settings.webhook_listen,
            settings.webhook_port,
            settings.webhook_secret or None,
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    loop.add_signal_handler(signal.SIGHUP, lambda: app.create_task(reload_on_signal(app)))
    loop.add_signal_handler(signal.SIGUSR1, dump_tasks)
    PID_FILE.parent.mkdir(parents=True, exist_ok=True)
    PID_FILE.write_text(f"{os.getpid()}\n", encoding="utf-8")
    try:
        await start_app(app, webhook)
        mode = "webhook" if webhook else "long polling"
        logger.info("nuanxin is running (%s); press Ctrl+C to stop", mode)
        await stop.wait()
    finally:
        await stop_app(app)
        services.store.engine.dispose()
        PID_FILE.unlink(missing_ok=True)
