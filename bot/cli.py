"""The `nuanxin` command line: thin commands that call one library function each."""

from __future__ import annotations

import argparse
import asyncio
import inspect
import logging
import os
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bot.logs import setup_logging
from bot.settings import SETTINGS, Settings, SettingsError, markdown_table

if TYPE_CHECKING:
    from knowledge import KnowledgeBase

Command = Callable[[argparse.Namespace, Settings], int]


def _run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.telegram.runner import serve

    asyncio.run(serve(settings))
    return 0


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.demo import run_demo

    if "LOG_LEVEL" not in os.environ:  # keep the terminal chat readable
        logging.getLogger().setLevel(logging.WARNING)
    return asyncio.run(run_demo(settings, database_url=args.database_url, script=args.script))


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage.db import describe
    from bot.telegram.runner import open_database

    db = open_database(settings)
    try:
        print(f"database is up to date: {describe(db.engine)}")
    finally:
        db.dispose()
    return 0


def _staff(args: argparse.Namespace, settings: Settings) -> int:
    from bot.domain import Role
    from bot.storage import users
    from bot.telegram.runner import open_database

    db = open_database(settings)
    try:
        if args.staff_command == "list":
            stored = db.run_sync(users.with_roles, (Role.STAFF, Role.ADMIN))
            rows = [(u.id, u.role, "database", u.display_name or "") for u in stored]
            rows += [(i, "staff", "STAFF_IDS", "") for i in sorted(settings.staff_ids)]
            rows += [(i, "admin", "ADMIN_IDS", "") for i in sorted(settings.admin_ids)]
            for user_id, role, source, name in rows:
                print(f"{user_id}\t{role}\t{source}\t{name}")
            if not rows:
                print("no staff yet: add one with `nuanxin staff add TELEGRAM_ID`")
            return 0
        role = Role.WORKER if args.staff_command == "remove" else (
            Role.ADMIN if args.admin else Role.STAFF)  # fmt: skip
        db.run_sync(users.set_role, args.user_id, role)
        print(f"{args.user_id} is now {role}")
        from_env = args.user_id in settings.staff_ids | settings.admin_ids
        if args.staff_command == "remove" and from_env:
            print("note: this id is also in STAFF_IDS/ADMIN_IDS; remove it there too")
        return 0
    finally:
        db.dispose()


def _knowledge(settings: Settings) -> KnowledgeBase | None:
    """The knowledge files in use, or None when they do not load (the export then shows
    desk and station ids)."""
    from knowledge import KnowledgeError, load_knowledge, sample_dir

    directory = settings.knowledge_dir or sample_dir()
    try:
        return load_knowledge(directory, max_bytes=settings.knowledge_max_bytes)
    except KnowledgeError:
        return None


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.catalog import labels
    from bot.domain import category_ids
    from bot.export import (
        ExportError,
        ExportFilter,
        ExportOptions,
        default_filename,
        export_suggestions,
    )
    from bot.telegram.runner import open_database

    filt = ExportFilter(args.since, args.until, args.category, args.status)
    names = labels("category", category_ids(), "zh")
    tz = ZoneInfo(settings.timezone)
    kb = _knowledge(settings)
    desks = {desk.id: desk.name for desk in kb.routing.desks} if kb else {}
    stations = {s.id: s.name for s in kb.stations} if kb else {}
    options = ExportOptions(args.format, tz, names, args.with_identity, desk_names=desks,
                            station_names=stations, today=datetime.now(tz).date())  # fmt: skip
    output = Path(args.output or default_filename(options, filt, datetime.now(UTC)))
    db = open_database(settings)
    try:
        result = export_suggestions(db, filt, options, output)
    except ExportError as exc:
        sys.exit(f"nuanxin export: {exc}")
    finally:
        db.dispose()
    note = " (with identity)" if args.with_identity else " (identity masked)"
    print(f"wrote {result.rows} suggestions to {output}{note}")
    return 0


def _qr(args: argparse.Namespace, settings: Settings) -> int:
    """Write a poster (PNG and PDF) for every station, or the named ones."""
    from bot.export.posters import PosterError, PosterLinks, select_stations, write_posters
    from knowledge import KnowledgeError, load_knowledge

    links = PosterLinks(settings.web_public_url, settings.bot_username)
    if len(links.missing()) == 2:
        print("nuanxin qr: set WEB_PUBLIC_URL (the web chat) or BOT_USERNAME (Telegram), "
              "or both, in .env or the environment", file=sys.stderr)  # fmt: skip
        return 2
    directory = args.knowledge or settings.knowledge_dir or _knowledge_dir()
    try:
        kb = load_knowledge(directory, max_bytes=settings.knowledge_max_bytes)
        stations = select_stations(kb.stations.all, args.station or [])
        for name in links.missing():
            print(f"note: {name} is not set: the posters have only one QR code")
        written = 0
        for station, png, pdf in write_posters(stations, links, args.out):
            print(f"{station.id}\t{png}\t{pdf}\t{station.name}")
            if links.bot_username and links.telegram(station.id) is None:
                print(f"note: {station.id}: Telegram start links take no '.': no Telegram code")
            written += 1
    except KnowledgeError as exc:
        print(exc.report(), file=sys.stderr)
        return 2
    except PosterError as exc:
        print(f"nuanxin qr: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {written} posters to {args.out}")
    return 0


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-11-28") from None


def _knowledge_dir() -> Path:
    from knowledge import sample_dir

    return Settings.load().knowledge_dir or sample_dir()


def _kb_reload(args: argparse.Namespace, settings: Settings) -> int:
    """Validate the files here, then ask the running bot (SIGHUP) to reload them."""
    import signal
    import time

    from bot.core.knowledge import RESULT_FILE
    from bot.telegram.runner import PID_FILE
    from knowledge import KnowledgeError, load_knowledge

    directory = settings.knowledge_dir or _knowledge_dir()
    try:
        load_knowledge(directory, max_bytes=settings.knowledge_max_bytes)
    except KnowledgeError as exc:
        print(exc.report())
        print("not reloaded: fix the problems above; the bot keeps the previous knowledge")
        return 1
    try:
        pid = int(PID_FILE.read_text(encoding="utf-8").strip())
        asked = time.time()
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError):
        print(f"no running bot found through {PID_FILE}: is `nuanxin run` running here?")
        return 1
    while time.time() - asked < 20:
        if RESULT_FILE.exists() and RESULT_FILE.stat().st_mtime >= asked:
            result = RESULT_FILE.read_text(encoding="utf-8").strip()
            print(result)
            return 0 if result.startswith("reloaded") else 1
        time.sleep(0.2)
    print("the bot did not answer within 20 s; see its log")
    return 1


def _knowledge_max_bytes() -> int:
    try:
        return Settings.load().knowledge_max_bytes
    except SettingsError:
        from knowledge import DEFAULT_MAX_BYTES

        return DEFAULT_MAX_BYTES


def _model_dir() -> Path:
    try:
        return Settings.load().model_dir
    except SettingsError:
        return Path("var/model")


def _reviewed_examples() -> list[tuple[str, str]]:
    """Suggestions whose category staff confirmed or corrected, for `train --include-reviewed`."""
    from bot.storage import training
    from bot.telegram.runner import open_database

    db = open_database(Settings.load())
    try:
        return db.run_sync(training.reviewed_examples)
    finally:
        db.dispose()


def _settings_list(args: argparse.Namespace, settings: Settings) -> int:
    if args.markdown:
        print(markdown_table())
        return 0
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
    staff = sub.add_parser("staff", help="add, remove or list staff and admins").add_subparsers(
        dest="staff_command", metavar="STAFF_COMMAND", required=True
    )
    p = staff.add_parser("add", help="give a Telegram user the staff (or admin) role")
    p.add_argument("user_id", type=int, help="the Telegram user id")
    p.add_argument("--admin", action="store_true", help="admin instead of staff")
    p.set_defaults(func=_staff)
    p = staff.add_parser("remove", help="take the staff or admin role away")
    p.add_argument("user_id", type=int, help="the Telegram user id")
    p.set_defaults(func=_staff)
    staff.add_parser("list", help="everyone with a role, and where it comes from").set_defaults(
        func=_staff
    )
    p = sub.add_parser("export", help="write suggestions to an XLSX or CSV file for meetings")
    p.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    p.add_argument("--since", type=_date, help="first day (local), e.g. 2026-11-01")
    p.add_argument("--until", type=_date, help="last day (local), inclusive")
    p.add_argument("--category", help="a category id, e.g. labor_rights")
    p.add_argument("--status", help="submitted, received, in_progress, answered, adopted...")
    p.add_argument("--output", help="file to write (default: a name that says what is in it)")
    p.add_argument(
        "--with-identity",
        action="store_true",
        help="include names, phones and Telegram ids of non-anonymous senders (staff only)",
    )
    p.set_defaults(func=_export)
    p = sub.add_parser("qr", help="print posters: a PNG and an A5 PDF per station, two QR codes")
    p.add_argument("--out", type=Path, default=Path("posters"), help="folder (default: posters)")
    p.add_argument("--station", nargs="+", metavar="ID", help="only these stations (ids)")
    p.add_argument("--knowledge", type=Path, help="knowledge folder (default: KNOWLEDGE_DIR)")
    p.set_defaults(func=_qr)
    from knowledge.cli import register as register_knowledge

    def add_reload(kb: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        reload = kb.add_parser("reload", help="validate, then make the running bot reload them")
        reload.set_defaults(func=_kb_reload)

    register_knowledge(sub, _knowledge_dir, kb_extra=add_reload,
                       default_max_bytes=_knowledge_max_bytes)  # fmt: skip
    from classifier.cli import register as register_classifier

    register_classifier(sub, reviewed_source=_reviewed_examples, model_dir_default=_model_dir())
    p = sub.add_parser("settings", help="list every setting with its default and help")
    p.add_argument("--markdown", action="store_true", help="as the README's table")
    p.set_defaults(func=_settings_list)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `nuanxin` console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.load()
    except SettingsError as exc:
        sys.exit(f"nuanxin: {exc}")
    setup_logging(settings.log_level, settings=settings)
    from bot.telegram.runner import StartupError

    try:
        takes_settings = "settings" in inspect.signature(args.func).parameters
        code = args.func(args, settings) if takes_settings else args.func(args)
    except StartupError as exc:
        sys.exit(f"nuanxin: {exc}")
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)
