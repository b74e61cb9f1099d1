"""All settings in one table: name, default, help. Read from the environment and `.env`."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "BOT_TOKEN",
        "",
        "Bot token from @BotFather. Required by `nuanxin run`; "
        "`nuanxin demo` makes up its own. Never logged.",
    ),
    Setting(
        "TELEGRAM_API_URL",
        "https://api.telegram.org",
        "Base URL of the Bot API; point it at a self-hosted Bot API server if you run one.",
    ),
    Setting(
        "DATABASE_URL",
        "sqlite:///var/nuanxin.db",
        "SQLAlchemy URL. SQLite by default; PostgreSQL in production, "
        "e.g. `postgresql://user@host/db`.",
    ),
    Setting(
        "STAFF_CHAT_ID",
        "",
        "Chat (usually a staff group) where new cases are announced, unless the routing "
        "file (`routing.yaml` in the knowledge folder) sends them to a desk's own chat; "
        "desks written `chat: staff` use this one. Empty: no announcements.",
    ),
    Setting(
        "STAFF_IDS",
        "",
        "Comma-separated Telegram user ids with the staff role "
        "(besides those added with `nuanxin staff add`).",
    ),
    Setting("ADMIN_IDS", "", "Comma-separated Telegram user ids with the admin role."),
    Setting("LOG_LEVEL", "INFO", "Logging level: DEBUG, INFO, WARNING or ERROR."),
    Setting(
        "WEBHOOK_URL",
        "",
        "Public HTTPS URL of this bot. When set, `nuanxin run` takes "
        "updates by webhook instead of long polling.",
    ),
    Setting("WEBHOOK_LISTEN", "127.0.0.1", "Address the webhook server listens on."),
    Setting("WEBHOOK_PORT", "8443", "Port the webhook server listens on."),
    Setting(
        "WEBHOOK_SECRET",
        "",
        "Secret token Telegram sends with every webhook call: required when WEBHOOK_URL is "
        "set (1-256 of A-Z, a-z, 0-9, _ and -); `nuanxin run` refuses to start without it.",
    ),
    Setting(
        "CONVERSATION_TIMEOUT",
        "900",
        "Seconds of silence after which an unfinished conversation ends (a worker's "
        "suggestion, a staff member's answer); the person is told.",
    ),
    Setting("SUGGESTIONS_PER_DAY", "10", "How many suggestions one worker may submit per day."),
    Setting(
        "FLOOD_BURST",
        "10",
        "Updates a user may send in a burst before the flood guard "
        "drops them (with one friendly notice).",
    ),
    Setting("FLOOD_RATE", "1", "Updates per second a user may keep sending after a burst."),
    Setting(
        "OUTGOING_LIMITS",
        "1",
        "1 to keep to Telegram's limits (30 messages/s in all, "
        "20/min per group, about 1/s per private chat) and retry 429s and passing network "
        "faults; 0 only for benchmarks of raw processing speed.",
    ),
    Setting("TIMEZONE", "Asia/Shanghai", "Time zone for receipt codes, dates and opening hours."),
    Setting(
        "MODEL_DIR",
        "var/model",
        "Directory of the suggestion classifier model; a default "
        "model is trained there from the seed data at first start.",
    ),
    Setting(
        "KNOWLEDGE_DIR",
        "",
        "Directory with the FAQ, station and policy files. "
        "Empty: the sample shipped with the package.",
    ),
    Setting(
        "KNOWLEDGE_WATCH", "0", "1 to reload the knowledge files automatically when they change."
    ),
    Setting(
        "DIGEST_TIME",
        "09:00",
        "Local time (HH:MM, TIMEZONE) of the daily digest each desk gets: cases due today "
        "and overdue; overdue ones are escalated to the desk's supervisor then.",
    ),
    Setting(
        "IDENTITY_EXPORT_ROLE",
        "admin",
        "Who may export names and phone numbers (`/export ... identity`): admin or staff. "
        "Only ever in a private chat with the bot, never in a group.",
    ),
    Setting(
        "KNOWLEDGE_MAX_BYTES",
        "1000000",
        "Largest knowledge file accepted, in bytes; a bigger one is refused with its size "
        "instead of being read (the sample's largest is 20 KB; PyYAML parses about 150 KB/s).",
    ),
    Setting(
        "WEB_PUBLIC_URL",
        "",
        "Public address of the web chat, e.g. `https://nuanxin.example.cn/`: the large QR "
        "code of the station posters (`nuanxin qr`) opens it. Empty: posters without it.",
    ),
    Setting(
        "WEB_PORT",
        "",
        "Port of the web chat (the mobile page riders open from a station's QR code, for "
        "those who cannot reach Telegram), served by the same process. Empty: no web chat.",
    ),
    Setting(
        "WEB_LISTEN",
        "127.0.0.1",
        "Address the web chat listens on; put an HTTPS reverse proxy in front of it (the "
        "browser's location, camera and microphone need HTTPS).",
    ),
    Setting(
        "BOT_USERNAME",
        "",
        "The bot's Telegram username without @, for the deep links on the station posters "
        "(`nuanxin qr`). Empty: posters without the Telegram QR code.",
    ),
)

_DEFAULTS = {s.name: s.default for s in SETTINGS}


def markdown_table() -> str:
    """The settings as the README's table."""
    rows = ["| name | default | what it does |", "|---|---|---|"]
    for s in SETTINGS:
        default = f"`{s.default}`" if s.default else "(empty)"
        rows.append(f"| `{s.name}` | {default} | {s.help} |")
    return "\n".join(rows)


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a `.env` file: `NAME=value` lines, `#` comments, optional quotes."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        name = name.strip().removeprefix("export ").strip()
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[name] = value
    return values


def _clock_time(value: str) -> time:
    hours, _, minutes = value.strip().partition(":")
    return time(int(hours), int(minutes or 0))


def _port_or_none(value: str) -> int | None:
    if not value.strip():
        return None
    port = int(value)
    if not 0 <= port <= 65535:
        raise ValueError("a port is 0-65535 (0: any free port)")
    return port


def _public_url(value: str) -> str:
    url = value.strip()
    if url and not url.startswith(("https://", "http://")):
        raise SettingsError("expected an address starting with https://")
    return url


def _username(value: str) -> str:
    name = value.strip().removeprefix("@")
    if name and not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{3,31}", name):
        raise SettingsError("expected a Telegram username: 4-32 letters, digits or _")
    return name


def _export_role(value: str) -> str:
    role = value.strip().lower()
    if role not in ("admin", "staff"):
        raise SettingsError("expected admin or staff")
    return role


def _ids(value: str) -> frozenset[int]:
    try:
        return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
    except ValueError:
        raise SettingsError("expected comma-separated Telegram user ids") from None


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


def _level(value: str) -> str:
    level = value.strip().upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise SettingsError("expected DEBUG, INFO, WARNING or ERROR")
    return level


def _zone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError("unknown time zone (e.g. Asia/Shanghai)") from None
    return value


class SettingsError(ValueError):
    """A setting has a value that cannot be used."""


@dataclass(frozen=True)
class Settings:
    bot_token: str
    telegram_api_url: str
    database_url: str
    staff_chat_id: int | None
    staff_ids: frozenset[int]
    admin_ids: frozenset[int]
    log_level: str
    webhook_url: str
    webhook_listen: str
    webhook_port: int
    webhook_secret: str
    conversation_timeout: float
    suggestions_per_day: int
    flood_burst: float
    flood_rate: float
    outgoing_limits: bool
    timezone: str
    model_dir: Path
    knowledge_dir: Path | None
    knowledge_watch: bool
    knowledge_max_bytes: int
    digest_time: time = time(9, 0)
    identity_export_role: str = "admin"
    web_public_url: str = ""
    web_port: int | None = None
    web_listen: str = "127.0.0.1"
    bot_username: str = ""

    def __repr__(self) -> str:  # never show the token
        return f"Settings(database_url={self.database_url!r}, api={self.telegram_api_url!r})"

    @classmethod
    def load(
        cls, environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
    ) -> Settings:
        """Settings from `.env` (if any) overridden by the environment, then the defaults."""
        values = dict(_DEFAULTS)
        if env_file is not None:
            values.update(read_env_file(env_file))
        environ = os.environ if environ is None else environ
        values.update({k: v for k, v in environ.items() if k in _DEFAULTS})
        return cls.from_values(values)

    @classmethod
    def from_values(cls, v: Mapping[str, str]) -> Settings:
        """Build settings from raw strings, with a clear error naming a bad setting."""

        def get(name: str, convert: Callable[[str], Any]) -> Any:
            try:
                return convert(v[name])
            except (ValueError, SettingsError) as exc:
                raise SettingsError(f"invalid setting {name}={v[name]!r}: {exc}") from None

        return cls(
            bot_token=v["BOT_TOKEN"].strip(),
            telegram_api_url=v["TELEGRAM_API_URL"].rstrip("/"),
            database_url=v["DATABASE_URL"],
            staff_chat_id=get("STAFF_CHAT_ID", lambda x: int(x) if x.strip() else None),
            staff_ids=get("STAFF_IDS", _ids),
            admin_ids=get("ADMIN_IDS", _ids),
            log_level=get("LOG_LEVEL", _level),
            webhook_url=v["WEBHOOK_URL"],
            webhook_listen=v["WEBHOOK_LISTEN"],
            webhook_port=get("WEBHOOK_PORT", int),
            webhook_secret=v["WEBHOOK_SECRET"],
            conversation_timeout=get("CONVERSATION_TIMEOUT", float),
            suggestions_per_day=get("SUGGESTIONS_PER_DAY", int),
            flood_burst=get("FLOOD_BURST", float),
            flood_rate=get("FLOOD_RATE", float),
            outgoing_limits=_flag(v["OUTGOING_LIMITS"]),
            timezone=get("TIMEZONE", _zone),
            model_dir=Path(v["MODEL_DIR"]),
            knowledge_dir=Path(v["KNOWLEDGE_DIR"]) if v["KNOWLEDGE_DIR"] else None,
            knowledge_watch=_flag(v["KNOWLEDGE_WATCH"]),
            knowledge_max_bytes=get("KNOWLEDGE_MAX_BYTES", int),
            digest_time=get("DIGEST_TIME", _clock_time),
            identity_export_role=get("IDENTITY_EXPORT_ROLE", _export_role),
            web_public_url=get("WEB_PUBLIC_URL", _public_url),
            bot_username=get("BOT_USERNAME", _username),
            web_port=get("WEB_PORT", _port_or_none),
            web_listen=v["WEB_LISTEN"],
        )

    def with_values(self, **changes: Any) -> Settings:
        """A copy with some fields replaced (tests and the demo use this)."""
        from dataclasses import replace

        return replace(self, **changes)
