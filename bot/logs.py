"""Logging set-up: module loggers, quiet HTTP libraries, and nothing secret or personal.

A log line may carry ids, counts, receipt codes and names from the code. It never carries
the bot token, the webhook secret or the database password (replaced by value wherever they
appear, and anything token-shaped besides), nor what people typed or are called: our own
records name people by id, and the libraries' records that carry a whole payload (Bot API
parameters and results, updates, webhook bodies, result rows) keep their message with the
payload hidden. This holds at every level, DEBUG included.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

# A Telegram bot token (`<digits>:<35ish chars>`), wherever it shows up, e.g. inside a URL.
TOKEN_PATTERN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")
SECRET = "<secret>"
HIDDEN = "<hidden>"
# Library records whose arguments are payloads: the message texts, names and phone numbers
# of updates and Bot API calls (and the webhook secret among setWebhook's parameters), or a
# database row. Template -> the positions of the arguments kept; the others are hidden.
# Found by running the bot with every library logger at DEBUG (tests/test_secrets.py, which
# fails when a library starts logging a payload another way).
PAYLOADS: dict[str, tuple[int, ...]] = {
    # telegram.Bot: which endpoint is kept
    "Calling Bot API endpoint `%s` with parameters `%s`": (0,),
    "Call to Bot API endpoint `%s` finished with return value `%s`": (0,),
    # telegram.ext.Application, and the webhook server of telegram.ext.Updater
    "Processing update %s": (),
    "Dropping pending update: %s": (),
    "Webhook received data: %s": (),
    "Something went wrong processing the data received from Telegram. Received data was "
    "*not* processed! Received data was: %r": (),
    # sqlalchemy.engine.Engine at DEBUG (statements come without their values: the engines
    # hide parameters)
    "Row %r": (),
}


class SecretSettings(Protocol):
    """The settings that hold secrets (`bot.settings.Settings` has them)."""

    @property
    def bot_token(self) -> str: ...
    @property
    def webhook_secret(self) -> str: ...
    @property
    def database_url(self) -> str: ...


def secrets_of(settings: SecretSettings) -> tuple[str, ...]:
    """The token, the webhook secret and the database password, in the forms they can take
    in a log line (the token's secret part alone, e.g. percent-encoded in a URL)."""
    token = settings.bot_token
    found = [token, token.partition(":")[2], settings.webhook_secret]
    found += _passwords(settings.database_url)
    return tuple(dict.fromkeys(s for s in found if s))


def _passwords(url: str) -> list[str]:
    """A database URL's password: in its authority, or as libpq's `password=` parameter."""
    try:
        parts = urlsplit(url)
        given = [parts.password or "", *parse_qs(parts.query).get("password", [])]
    except ValueError:  # not a URL we can read: the settings check reports it elsewhere
        return []
    return [form for p in given for form in (p, unquote(p))]


class Redact(logging.Filter):
    """Hide secrets, token-shaped text and library payloads in every record."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        # longest first: a secret that contains another is replaced whole
        self.secrets = tuple(sorted({s for s in secrets if s}, key=len, reverse=True))

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, SECRET)
        return TOKEN_PATTERN.sub(SECRET, text)

    def filter(self, record: logging.LogRecord) -> bool:
        _hide_payload(record)
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = self.redact(message), None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def _hide_payload(record: logging.LogRecord) -> None:
    kept = PAYLOADS.get(record.msg) if isinstance(record.msg, str) else None
    if kept is None or record.args is None:
        return
    # (a lone mapping argument is unwrapped by LogRecord)
    args = record.args if isinstance(record.args, tuple) else (record.args,)
    record.args = tuple(a if i in kept else HIDDEN for i, a in enumerate(args))


def setup_logging(
    level: str, secrets: Iterable[str] = (), settings: SecretSettings | None = None
) -> None:
    """Log to stderr at `level`, redacting `secrets` and those of `settings` (the token,
    the webhook secret, the database password); HTTP client chatter only from WARNING."""
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    every = (*secrets, *(secrets_of(settings) if settings is not None else ()))
    handler.addFilter(Redact(every))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "aiohttp.access", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
