"""Storage: the only place that speaks SQL. Models, migrations, and small repositories.

Each repository module (`users`, `drafts`, `suggestions`, `outbox`, `staff`, `cards`,
`training`, `privacy`, `export`) is a set of functions taking a sync `Session` first;
`Database` runs them in a transaction, inline (SQLite) or on the async engine (PostgreSQL):

    from bot.storage import Database, drafts
    draft = await db.run(drafts.load, "suggest", chat_id, user_id)
"""

from bot.domain import Role, Status
from bot.storage.database import Database, DatabaseUnavailable
from bot.storage.db import DatabaseError, make_engine, migrate
from bot.storage.suggestions import NotFound

__all__ = [
    "Database",
    "DatabaseError",
    "DatabaseUnavailable",
    "NotFound",
    "Role",
    "Status",
    "make_engine",
    "migrate",
]
