"""Drafts: an unfinished conversation's step and answers, written before each reply.

`load` and `save` run on every conversation step: prebuilt Core statements, one round trip.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy import delete as sql_delete
from sqlalchemy.orm import Session

from bot.storage.common import autocommit, insert_for, per_dialect, stamp
from bot.storage.models import Draft
from bot.storage.views import DraftView

_COLUMNS = (Draft.name, Draft.chat_id, Draft.user_id, Draft.state, Draft.data, Draft.updated_at)
_KEY = (
    Draft.name == bindparam("name"),
    Draft.chat_id == bindparam("chat_id"),
    Draft.user_id == bindparam("user_id"),
)
_LOAD = select(*_COLUMNS).where(*_KEY)
_DELETE = sql_delete(Draft).where(*_KEY)
_STATES = select(Draft.chat_id, Draft.user_id, Draft.state).where(Draft.name == bindparam("name"))
_STATES_SINCE = _STATES.where(Draft.updated_at >= bindparam("since"))


def _upsert(dialect: str) -> Any:
    stmt = insert_for(dialect)(Draft)
    fresh = {name: stmt.excluded[name] for name in ("state", "data", "updated_at")}
    keys = [Draft.name, Draft.chat_id, Draft.user_id]
    return stmt.on_conflict_do_update(index_elements=keys, set_=fresh)


_UPSERT = per_dialect(_upsert)


@autocommit
def load(s: Session, name: str, chat_id: int, user_id: int) -> DraftView | None:
    key = {"name": name, "chat_id": chat_id, "user_id": user_id}
    row = s.connection().execute(_LOAD, key).first()
    return _view(row) if row is not None else None


@autocommit
def save(
    s: Session,
    name: str,
    chat_id: int,
    user_id: int,
    state: str,
    data: dict[str, Any],
    *,
    now: datetime | None = None,
) -> None:
    """Insert or replace a draft in one statement."""
    conn = s.connection()
    values = {"name": name, "chat_id": chat_id, "user_id": user_id, "state": state,
              "data": dict(data), "updated_at": stamp(now)}  # fmt: skip
    conn.execute(_UPSERT[conn.dialect.name], values)


def set_state(
    s: Session,
    name: str,
    chat_id: int,
    user_id: int,
    state: str | None,
    *,
    now: datetime | None = None,
) -> None:
    """Record a conversation state, keeping the answers; None ends the conversation."""
    if state is None:
        delete(s, name, chat_id, user_id)
        return
    draft = s.get(Draft, (name, chat_id, user_id))
    if draft is None:
        s.add(Draft(name=name, chat_id=chat_id, user_id=user_id, state=state, data={},
                    updated_at=stamp(now)))  # fmt: skip
    else:
        draft.state = state


@autocommit
def delete(s: Session, name: str, chat_id: int, user_id: int) -> bool:
    """Drop a draft; False when there was none."""
    key = {"name": name, "chat_id": chat_id, "user_id": user_id}
    return bool(s.connection().execute(_DELETE, key).rowcount)


@autocommit
def states(s: Session, name: str, *, since: datetime | None = None) -> dict[tuple[int, int], str]:
    """(chat, user) -> state of the drafts of a conversation; with `since` (naive UTC),
    only those saved at or after it."""
    query, params = (_STATES, {"name": name}) if since is None else (
        _STATES_SINCE, {"name": name, "since": since})  # fmt: skip
    return {(chat, user): state for chat, user, state in s.connection().execute(query, params)}


@autocommit
def pop_expired(
    s: Session,
    name: str,
    before: datetime,
    *,
    states: Collection[str] | None = None,
    exclude_states: Collection[str] | None = None,
) -> list[DraftView]:
    """Delete the drafts of a conversation saved before `before` (naive UTC) and return
    them, oldest first. `states` keeps only drafts in those states; `exclude_states`
    spares drafts in those."""
    query = sql_delete(Draft).where(Draft.name == name, Draft.updated_at < before)
    if states is not None:
        query = query.where(Draft.state.in_(list(states)))
    if exclude_states:
        query = query.where(Draft.state.not_in(list(exclude_states)))
    rows = s.connection().execute(query.returning(*_COLUMNS)).all()
    return sorted(map(_view, rows), key=lambda d: (d.updated_at, d.chat_id, d.user_id))


def _view(row: tuple[Any, ...]) -> DraftView:
    name, chat_id, user_id, state, data, updated_at = row
    return DraftView(name, chat_id, user_id, state, dict(data or {}), updated_at)
