"""Users: who wrote to the bot, their language, worker type and role."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.domain import Role
from bot.storage.common import autocommit, stamp
from bot.storage.models import User
from bot.storage.views import UserView, user_view

SETTABLE = frozenset({"language", "worker_type", "role"})
_ROLE_OF = select(User.role).where(User.id == bindparam("uid"))


def touch(
    s: Session,
    user_id: int,
    language: str | None,
    display_name: str | None,
    username: str | None,
    *,
    now: datetime | None = None,
) -> UserView:
    """Create the user on first contact; refresh name and username otherwise."""
    at = stamp(now)
    user = _get_or_create(s, user_id, at, language=language, role=Role.WORKER)
    _change(user, {"display_name": display_name, "username": username}, at)
    s.flush()
    return user_view(user)


@autocommit
def get(s: Session, user_id: int) -> UserView | None:
    user = s.get(User, user_id)
    return user_view(user) if user else None


def set_fields(s: Session, user_id: int, *, now: datetime | None = None, **fields: Any) -> None:
    """Update language, worker_type or role (creating the user if needed)."""
    if not set(fields) <= SETTABLE:
        raise ValueError(f"cannot set {set(fields) - SETTABLE}")
    at = stamp(now)
    _change(_get_or_create(s, user_id, at, role=Role.WORKER), fields, at)


@autocommit
def role_of(s: Session, user_id: int) -> str | None:
    """The role stored for a user (None for an unknown user)."""
    return s.connection().scalar(_ROLE_OF, {"uid": user_id})


def set_role(s: Session, user_id: int, role: str, *, now: datetime | None = None) -> None:
    at = stamp(now)
    _change(_get_or_create(s, user_id, at, role=role), {"role": role}, at)


@autocommit
def with_roles(s: Session, roles: tuple[str, ...]) -> list[UserView]:
    rows = s.scalars(select(User).where(User.role.in_(roles)).order_by(User.id))
    return [user_view(u) for u in rows]


@autocommit
def names(s: Session, ids: Iterable[int]) -> dict[int, str]:
    """Each id's display name (the id itself when the user is unknown or has no name), for
    showing who did what in a case's history."""
    wanted = set(ids)
    if not wanted:
        return {}
    query = select(User.id, User.display_name).where(User.id.in_(wanted))
    found = {int(uid): name for uid, name in s.execute(query) if name}
    return {uid: found.get(uid, str(uid)) for uid in wanted}


def _get_or_create(s: Session, user_id: int, at: datetime, **initial: Any) -> User:
    user = s.get(User, user_id)
    if user is None:
        user = User(id=user_id, created_at=at, updated_at=at, **initial)
        s.add(user)
    return user


def _change(user: User, fields: dict[str, Any], at: datetime) -> None:
    """Set the fields that differ; updated_at moves only when something did (no write
    otherwise: `touch` runs on every update)."""
    changed = {name: value for name, value in fields.items() if getattr(user, name) != value}
    for name, value in changed.items():
        setattr(user, name, value)
    if changed:
        user.updated_at = at
