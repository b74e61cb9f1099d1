"""The web chat's own rows: devices, the chat as the page shows it, one-time links, the
answers to request ids, and uploaded files. Tokens are kept as their SHA-256 only."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from bot.domain.channels import UPLOAD_PREFIX, WEB_BASE, ChannelName
from bot.storage.common import autocommit, insert_for, per_dialect, stamp
from bot.storage.models import (
    Draft,
    Suggestion,
    Upload,
    WebDevice,
    WebLink,
    WebMessage,
    WebRequest,
)

HISTORY = 100  # messages the page gets back when it opens
_UPLOAD_REF = re.compile(re.escape(UPLOAD_PREFIX) + r"(\d+)")

_DEVICE = select(WebDevice.rider_id, WebDevice.csrf).where(
    WebDevice.token_hash == bindparam("token_hash")
)
_SEEN = (
    update(WebDevice)
    .where(WebDevice.token_hash == bindparam("device"))
    .values(seen_at=bindparam("at"))
)
_ANSWER = select(WebRequest.response).where(
    WebRequest.rider_id == bindparam("rider"), WebRequest.client_id == bindparam("client")
)
_MESSAGES = select(WebMessage.id, WebMessage.body, WebMessage.highlight)
_AFTER = (
    _MESSAGES.where(WebMessage.chat_id == bindparam("chat"), WebMessage.id > bindparam("after"))
    .order_by(WebMessage.id)
    .limit(HISTORY)
)
_LAST = (
    _MESSAGES.where(WebMessage.chat_id == bindparam("chat"))
    .order_by(WebMessage.id.desc())
    .limit(HISTORY)
)


_ADD = insert(WebMessage).returning(WebMessage.id)  # hot: a request writes 1-3 messages


def _remember(dialect: str) -> Any:
    stmt = insert_for(dialect)(WebRequest)
    keys = [WebRequest.rider_id, WebRequest.client_id]
    return stmt.on_conflict_do_nothing(index_elements=keys).returning(WebRequest.id)


_REMEMBER = per_dialect(_remember)


@dataclass(frozen=True, slots=True)
class Device:
    rider_id: int
    csrf: str


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: int
    body: dict[str, Any]
    highlight: bool
    added: bool = False  # written just now as a new message (an edit's fallback, say)


@dataclass(frozen=True, slots=True)
class Add:
    """A new message in the chat."""

    body: dict[str, Any]
    highlight: bool


@dataclass(frozen=True, slots=True)
class Change:
    """An edit: new nodes (None keeps them) and buttons; `fallback` is added as a new
    message when the one to edit is not in the chat (None: nothing happens)."""

    message_id: int | None
    nodes: list[Any] | None
    buttons: list[Any]
    fallback: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Remove:
    message_id: int


Write = Add | Change | Remove


@dataclass(frozen=True, slots=True)
class Remember:
    """The answer to a request id, made from what the writes gave, kept with them."""

    rider_id: int
    client_id: str
    answer: Callable[[list[StoredMessage | None]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class StoredFile:
    id: int
    rider_id: int | None
    kind: str
    mime: str
    data: bytes


@autocommit
def device(s: Session, token_hash: str) -> Device | None:
    row = s.connection().execute(_DEVICE, {"token_hash": token_hash}).first()
    return Device(int(row[0]), str(row[1])) if row else None


def new_device(
    s: Session, token_hash: str, csrf: str, rider_id: int | None = None, *, now: datetime
) -> Device:
    """A browser seen for the first time: a new rider, or (from a one-time link) one more
    device of `rider_id`. A new rider's id is WEB_BASE + the device's row id."""
    row = WebDevice(token_hash=token_hash, rider_id=rider_id or 0, csrf=csrf, created_at=now,
                    seen_at=now)  # fmt: skip
    s.add(row)
    s.flush()
    if rider_id is None:
        row.rider_id = WEB_BASE + row.id
        s.flush()
    return Device(row.rider_id, csrf)


@autocommit
def seen(s: Session, token_hash: str, *, now: datetime) -> None:
    s.connection().execute(_SEEN, {"device": token_hash, "at": now})


@autocommit
def answered(s: Session, rider_id: int, client_id: str) -> dict[str, Any] | None:
    """The answer already given to this request id, if any."""
    return s.connection().scalar(_ANSWER, {"rider": rider_id, "client": client_id})


def remember_answer(
    s: Session, rider_id: int, client_id: str, response: dict[str, Any], *, now: datetime
) -> dict[str, Any]:
    """Keep the answer to a request id; when a retry in another process kept one first
    (requests of one rider are taken in order within a process), that one."""
    conn = s.connection()
    values = {"rider_id": rider_id, "client_id": client_id, "response": response,
              "created_at": now}  # fmt: skip
    if conn.execute(_REMEMBER[conn.dialect.name], values).first() is not None:
        return response
    first = conn.scalar(_ANSWER, {"rider": rider_id, "client": client_id})
    return first if first is not None else response


@dataclass(frozen=True, slots=True)
class Swept:
    answers: int
    uploads: int
    devices: int


def sweep(s: Session, *, answers_before: datetime, files_before: datetime,
          devices_before: datetime) -> Swept:  # fmt: skip
    """What the web chat no longer needs: request answers a retry can no longer ask for,
    uploads older than `files_before` that no case and no draft refers to (a photo of a
    cancelled draft), devices made before `devices_before` that never said anything."""
    answers = forget_answers(s, answers_before)
    old = set(s.scalars(select(Upload.id).where(Upload.created_at < files_before)))
    if old:
        kept = _referenced(s)
        unused = sorted(old - kept)
        for start in range(0, len(unused), 500):
            s.execute(delete(Upload).where(Upload.id.in_(unused[start : start + 500])))
    else:
        unused = []
    spoke = select(WebMessage.chat_id).where(WebMessage.chat_id == WebDevice.rider_id).exists()
    devices = (
        s.connection()
        .execute(delete(WebDevice).where(WebDevice.created_at < devices_before, ~spoke))
        .rowcount
        or 0
    )
    return Swept(answers, len(unused), devices)


def _referenced(s: Session) -> set[int]:
    """Uploads a web case or a web chat's draft refers to (`up:<n>` in what they keep)."""
    texts = [
        json.dumps(row)
        for row in s.scalars(
            select(Suggestion.attachments).where(Suggestion.channel == ChannelName.WEB)
        )
    ]
    texts += [json.dumps(row) for row in s.scalars(
        select(Draft.data).where(Draft.chat_id >= WEB_BASE))]  # fmt: skip
    return {int(n) for text in texts for n in _UPLOAD_REF.findall(text)}


@autocommit
def remember_answer_after(
    s: Session, rider_id: int, client_id: str, response: dict[str, Any], *, now: datetime
) -> dict[str, Any]:
    """`remember_answer` for a request that queued a delivery (a confirm): its own change is
    committed already, so this row is kept without waiting for the disk. Lost in a crash of
    the database server itself, a retry is handled by the conversation again, which stores
    a case once per event id ("already submitted, NX-...")."""
    return remember_answer(s, rider_id, client_id, response, now=now)


def forget_answers(s: Session, before: datetime) -> int:
    """Request ids older than `before` (a retry comes within minutes, not days)."""
    return (
        s.connection().execute(delete(WebRequest).where(WebRequest.created_at < before)).rowcount
        or 0
    )


def write(
    s: Session,
    chat_id: int,
    writes: Sequence[Write],
    *,
    now: datetime,
    remember: Remember | None = None,
) -> tuple[list[StoredMessage | None], dict[str, Any] | None]:
    """Everything one request or one delivery does to a chat, in one transaction (and the
    answer to the request id, when given): what each write gave, in order."""
    results = [_write(s, chat_id, item, now) for item in writes]
    if remember is None:
        return results, None
    answer = remember_answer(s, remember.rider_id, remember.client_id,
                             remember.answer(results), now=now)  # fmt: skip
    return results, answer


@autocommit
def write_delivered(
    s: Session, chat_id: int, writes: Sequence[Write], *, now: datetime
) -> list[StoredMessage | None]:
    """`write` for what the outbox delivers (a receipt, an answer), without waiting for the
    disk, like the outbox's own "sent" mark that follows it: PostgreSQL loses the tail of
    such commits in a crash in order, so a message lost is one whose "sent" mark is lost
    too, and the outbox delivers it again."""
    return write(s, chat_id, writes, now=now)[0]


def _write(s: Session, chat_id: int, item: Write, now: datetime) -> StoredMessage | None:
    if isinstance(item, Add):
        return _add(s, chat_id, item.body, item.highlight, now)
    if isinstance(item, Remove):
        s.execute(
            delete(WebMessage).where(
                WebMessage.id == item.message_id, WebMessage.chat_id == chat_id
            )
        )
        return None
    row = s.get(WebMessage, item.message_id) if item.message_id is not None else None
    if row is None or row.chat_id != chat_id:
        return _add(s, chat_id, item.fallback, False, now) if item.fallback else None
    body = dict(row.body)
    if item.nodes is not None:
        body["nodes"] = item.nodes
    body["buttons"] = item.buttons
    row.body = body
    return StoredMessage(row.id, body, row.highlight)


def _add(
    s: Session, chat_id: int, body: dict[str, Any], highlight: bool, now: datetime
) -> StoredMessage:
    values = {"chat_id": chat_id, "body": body, "highlight": highlight, "created_at": now}
    number = s.connection().execute(_ADD, values).scalar_one()
    return StoredMessage(int(number), body, highlight, added=True)


@autocommit
def messages_after(s: Session, chat_id: int, after: int) -> list[StoredMessage]:
    rows = s.connection().execute(_AFTER, {"chat": chat_id, "after": after})
    return _messages(rows)


@autocommit
def history(s: Session, chat_id: int) -> list[StoredMessage]:
    """The chat's last HISTORY messages, oldest first."""
    rows = s.connection().execute(_LAST, {"chat": chat_id}).all()
    return _messages(reversed(rows))


def _messages(rows: Iterable[Sequence[Any]]) -> list[StoredMessage]:
    return [StoredMessage(int(r[0]), dict(r[1]), bool(r[2])) for r in rows]


def seen_highlights(s: Session, chat_id: int, up_to: int) -> None:
    """The rider has had these messages shown: no longer new on the next visit."""
    s.execute(
        update(WebMessage)
        .where(WebMessage.chat_id == chat_id, WebMessage.id <= up_to, WebMessage.highlight)
        .values(highlight=False)
    )


def new_link(s: Session, token_hash: str, rider_id: int, minutes: int, *, now: datetime) -> None:
    s.add(WebLink(token_hash=token_hash, rider_id=rider_id,
                  expires_at=now + timedelta(minutes=minutes)))  # fmt: skip


def redeem_link(s: Session, token_hash: str, *, now: datetime) -> int | None:
    """The rider a one-time link opens, marking it used; None when unknown, used or old."""
    done = s.connection().execute(
        update(WebLink)
        .where(
            WebLink.token_hash == token_hash,
            WebLink.used_at.is_(None),
            WebLink.expires_at > now,
        )
        .values(used_at=now)
    )
    if not done.rowcount:
        return None
    return s.scalar(select(WebLink.rider_id).where(WebLink.token_hash == token_hash))


def add_file(
    s: Session, rider_id: int, kind: str, mime: str, data: bytes, *, now: datetime | None = None
) -> int:
    row = Upload(rider_id=rider_id, kind=kind, mime=mime, data=data, created_at=stamp(now))
    s.add(row)
    s.flush()
    return row.id


@autocommit
def file(s: Session, file_id: int) -> StoredFile | None:
    row = s.execute(
        select(Upload.id, Upload.rider_id, Upload.kind, Upload.mime, Upload.data).where(
            Upload.id == file_id
        )
    ).first()
    if row is None:
        return None
    return StoredFile(int(row[0]), row[1], str(row[2]), str(row[3]), bytes(row[4]))


def erase_rider(s: Session, rider_id: int) -> None:
    """Everything the web chat kept of a rider (/delete_me): devices, chat, links, request
    answers. Files stay while a case refers to them; the erasure detaches them."""
    s.execute(delete(WebDevice).where(WebDevice.rider_id == rider_id))
    s.execute(delete(WebMessage).where(WebMessage.chat_id == rider_id))
    s.execute(delete(WebLink).where(WebLink.rider_id == rider_id))
    s.execute(delete(WebRequest).where(WebRequest.rider_id == rider_id))
    s.execute(update(Upload).where(Upload.rider_id == rider_id).values(rider_id=None))
