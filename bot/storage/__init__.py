"""Storage: SQLAlchemy models, migrations and the repository the handlers call."""

from bot.storage.db import DatabaseError, make_engine, migrate
from bot.storage.models import Role, Status
from bot.storage.repo import Store

__all__ = ["DatabaseError", "Role", "Status", "Store", "make_engine", "migrate"]
