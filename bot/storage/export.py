"""The export's SQL: matching suggestions streamed in batches, a count per category, and
the figures of the same cases (`bot.storage.stats`).

Filters are plain values: naive-UTC bounds (`since` inclusive, `until` exclusive), a
category id (or "review"), a status id, a kind and a desk id: a `stats.Scope`. Exports are
long reads on the sync engine, in the caller's thread; rows are tuple-like (SQLAlchemy
rows), their fields in the order of ROW_FIELDS.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import date, datetime, tzinfo
from typing import Any, TypeAlias

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.storage import stats
from bot.storage.database import Database
from bot.storage.models import Suggestion, User

Source: TypeAlias = Engine | Database  # what an export reads from
BATCH = 2000  # rows fetched from the database at a time
ROW_FIELDS = (
    "code", "created_at", "category", "predicted_category", "confidence", "worker_type",
    "place", "latitude", "longitude", "text", "status", "answer", "answered_at",
    "kind", "desk", "district", "station_id", "due_on", "rating", "reopened", "attachments",
    "channel",
    # identity: shown with --with-identity, otherwise masked where the text repeats it
    "anonymous", "user_id", "contact_name", "contact_phone", "display_name", "username",
)  # fmt: skip
_COLUMNS = [getattr(Suggestion, name) for name in ROW_FIELDS[:-2]]
_ROWS = (
    select(*_COLUMNS, User.display_name, User.username)
    .outerjoin(User, User.id == Suggestion.user_id)
    .order_by(Suggestion.created_at, Suggestion.id)
)
_COUNTS = select(Suggestion.category, func.count()).group_by(Suggestion.category)


def rows(
    source: Source,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    category: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    desk: str | None = None,
    batch: int = BATCH,
) -> Generator[tuple[Any, ...], None, None]:
    """Matching suggestions, oldest first, fetched `batch` rows at a time (memory stays
    flat); the connection is held until the generator is exhausted or closed."""
    query = stats.scoped(_ROWS, stats.Scope(since, until, category, status, kind, desk))
    with _engine(source).connect() as conn:
        yield from conn.execution_options(yield_per=batch).execute(query)


def category_counts(
    source: Source,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    category: str | None = None,
    status: str | None = None,
    kind: str | None = None,
    desk: str | None = None,
) -> list[tuple[str | None, int]]:
    """(category id or None, count) of the matching suggestions: a cheap GROUP BY."""
    query = stats.scoped(_COUNTS, stats.Scope(since, until, category, status, kind, desk))
    with _engine(source).connect() as conn:
        return [(cat, int(n)) for cat, n in conn.execute(query)]


def figures(source: Source, scope: stats.Scope, *, today: date, tz: tzinfo) -> stats.Report:
    """`stats.figures` of the cases `scope` selects, read in the caller's thread."""
    with Session(_engine(source)) as session:
        return stats.figures(session, today=today, tz=tz, scope=scope)


def _engine(source: Source) -> Engine:
    return source.engine if isinstance(source, Database) else source
