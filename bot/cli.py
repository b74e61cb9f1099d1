"""The `nuanxin` command line: thin commands that call one library function each."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence

from bot.logs import setup_logging
from bot.settings import SETTINGS, Settings, SettingsError

Command = Callable[[argparse.Namespace, Settings], int]


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runner import serve

    asyncio.run(serve(settings))
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.demo import run_demo

    if "LOG_LEVEL" not in os.environ:  # keep the terminal chat readable
        logging.getLogger().setLevel(logging.WARNING)
    return asyncio.run(run_demo(settings, database_url=args.database_url, script=args.script))


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runner import open_store

    store = open_store(settings)
    print(f"database is up to date: {store.engine.url.render_as_string(hide_password=True)}")
    return 0


def _settings_list(args: argparse.Namespace, settings: Settings) -> int:
    for setting in SETTINGS:
        print(f"{setting.name}={setting.default}\n    {setting.help}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="nuanxin", description="暖新 nuanxin: a Telegram bot for new-employment workers."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    p = sub.add_parser("run", help="run the bot (long polling, or webhook when WEBHOOK_URL is set)")
    p.set_defaults(func=_run)
    p = sub.add_parser(
        "demo", help="try the bot offline: local Bot API stand-in, real bot, terminal chat"
    )
    p.add_argument("--database-url", default="sqlite:///var/demo.db", help="demo database")
    p.add_argument(
        "--script", default=None, help="read chat lines from this file instead of the terminal"
    )
    p.set_defaults(func=_demo)
    db = sub.add_parser("db", help="database maintenance").add_subparsers(
        dest="db_command", metavar="DB_COMMAND", required=True
    )
    db.add_parser(
        "upgrade", help="create or migrate the schema to the newest version"
    ).set_defaults(func=_db_upgrade)
    p = sub.add_parser("settings", help="list every setting with its default and help")
    p.set_defaults(func=_settings_list)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `nuanxin` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.load()
    except SettingsError as exc:
        sys.exit(f"nuanxin: {exc}")
    setup_logging(settings.log_level, secrets=(settings.bot_token,))
    from bot.runner import StartupError

    try:
        code = args.func(args, settings)
    except StartupError as exc:
        sys.exit(f"nuanxin: {exc}")
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)
