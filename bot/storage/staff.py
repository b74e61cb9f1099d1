"""Staff's saved replies (templates): `staff.add`, `staff.list`, `staff.text`, `staff.delete`."""

from __future__ import annotations

import builtins
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy import delete as sql_delete
from sqlalchemy.orm import Session

from bot.storage.common import autocommit, stamp
from bot.storage.models import Template

_BY_NAME = select(Template).where(Template.name == bindparam("name"))
_ALL = select(Template.id, Template.name, Template.text).order_by(Template.id)
_TEXT = select(Template.text).where(Template.id == bindparam("tid"))
_DELETE = sql_delete(Template).where(Template.id == bindparam("tid"))


def add(s: Session, name: str, text: str, actor: int, *, now: datetime | None = None) -> int:
    """Save a template under `name` (replacing the text of one with that name); its id."""
    existing = s.scalar(_BY_NAME, {"name": name})
    if existing is not None:
        existing.text = text
        return existing.id
    row = Template(name=name, text=text, created_by=actor, created_at=stamp(now))
    s.add(row)
    s.flush()
    return row.id


# `list` names the operation for callers (`staff.list(s)`); inside this module the builtin
# is `builtins.list`.
@autocommit
def list(s: Session) -> builtins.list[tuple[int, str, str]]:
    """(id, name, text) of every template, oldest first."""
    return [(i, n, t) for i, n, t in s.connection().execute(_ALL)]


@autocommit
def text(s: Session, template_id: int) -> str | None:
    return s.connection().scalar(_TEXT, {"tid": template_id})


def delete(s: Session, template_id: int) -> bool:
    """Drop a template; False when there was none."""
    return bool(s.connection().execute(_DELETE, {"tid": template_id}).rowcount)
