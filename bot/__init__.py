"""nuanxin's bot: the channel-neutral core, the Telegram adapter, storage, and the CLI.

See ARCHITECTURE.md for the layers.
"""

import os

# python-telegram-bot 22 returns durations (e.g. RetryAfter.retry_after) as timedelta when
# this is set, and warns on every read otherwise.
os.environ.setdefault("PTB_TIMEDELTA", "1")
