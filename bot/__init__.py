"""The Telegram adapter of nuanxin: handlers, storage, the Bot API stand-in and the CLI."""

import os

# python-telegram-bot 22 returns durations (e.g. RetryAfter.retry_after) as timedelta when
# this is set, and warns on every read otherwise.
os.environ.setdefault("PTB_TIMEDELTA", "1")
