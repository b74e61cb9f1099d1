"""The web chat as a channel: what the bot says to a web rider is kept in their chat (the
`web_messages` table), where the page finds it: at once in the answer to the request, or on
the next visit (answers from staff, receipts), marked as new until seen."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any

from bot.catalog import Lang
from bot.core.actions import (
    Action,
    Delete,
    Document,
    Edit,
    Message,
    Picture,
    Pinned,
    Posted,
    Recording,
    Toast,
    Venue,
)
from bot.core.clock import Clock, naive_utc
from bot.core.events import Attachment
from bot.core.ports import DeliveryError, Failure
from bot.domain.channels import ChannelName, upload_id
from bot.storage import Database, web
from bot.web import render

logger = logging.getLogger(__name__)
Op = dict[str, Any]


@dataclass
class Applied:
    """What carrying out a list of actions in one web chat gave: the page's ops, and the
    station pins it placed (reported to the engine, so a newer pin replaces them)."""

    ops: list[Op] = field(default_factory=list)
    pins: list[Pinned] = field(default_factory=list)


class WebChannel:
    """`Channel` for web riders' chats, and the one place that turns actions into stored
    messages and the page's ops."""

    name = ChannelName.WEB.value

    def __init__(self, db: Database, clock: Clock, tz: tzinfo) -> None:
        self.db = db
        self.clock = clock
        self.tz = tz
        self._listening: dict[int, list[Op]] = {}  # chats whose request waits for the outbox

    async def perform(self, chat_id: int, actions: Sequence[Action]) -> list[Posted]:
        """From the outbox (a receipt, a status change, an answer): kept for the page,
        marked new. A request of the rider's that waits for it takes the ops along; with
        nobody waiting, an edit becomes a new message (the page's next poll finds new
        messages, not changed ones)."""
        waiting = self._listening.get(chat_id)
        if waiting is None:
            actions = [_as_new(a) for a in actions]
        done = await self.apply(chat_id, actions, Lang.ZH, highlight=waiting is None)
        if waiting is not None:
            waiting.extend(done.ops)
        return []

    def listen(self, chat_id: int) -> None:
        self._listening[chat_id] = []

    def heard(self, chat_id: int) -> list[Op]:
        """What the outbox delivered to the chat since `listen`."""
        return self._listening.pop(chat_id, [])

    async def fetch(self, attachment: Attachment, limit: int) -> bytes:
        number = upload_id(attachment.file_id)
        stored = await self.db.run(web.file, number) if number is not None else None
        if stored is None:
            raise DeliveryError(Failure.GONE, "no such upload")
        if len(stored.data) > limit:
            raise DeliveryError(Failure.REJECTED, f"file of {len(stored.data)} bytes")
        return stored.data

    async def apply(
        self,
        chat_id: int,
        actions: Sequence[Action],
        lang: str,
        *,
        highlight: bool = False,
        pressed: int | None = None,
    ) -> Applied:
        """Carry out `actions` in the chat: store what it shows, return the page's ops."""
        done = Applied()
        for action in actions:
            if isinstance(action, Toast):
                done.ops.append({"op": "toast", "text": render.plain(action.text),
                                 "alert": action.alert})  # fmt: skip
            elif isinstance(action, Edit):
                await self._edit(chat_id, action, pressed, lang, done)
            elif isinstance(action, Delete):
                await self.db.run(web.delete_message, chat_id, action.message_id)
                done.ops.append({"op": "delete", "id": action.message_id})
            else:
                await self._show(chat_id, action, lang, highlight, done)
        return done

    async def _show(
        self,
        chat_id: int,
        action: Message | Venue | Picture | Document | Recording,
        lang: str,
        highlight: bool,
        done: Applied,
    ) -> None:
        body = render.body_of(action, lang)
        markup = action.markup if isinstance(action, Message) else None
        keys_change = render.changes_keys(markup)
        keys = render.keys(markup)
        if keys_change:
            body.extra["keys"] = keys
        message = await self.add(chat_id, body, highlight)
        done.ops.append({"op": "message", "message": message})
        if keys_change:
            done.ops.append({"op": "keys", "keys": keys})
        if isinstance(action, Venue) and action.pin_for is not None:
            done.pins.append(Pinned(action.pin_for, chat_id, message["id"]))

    async def add(self, chat_id: int, body: render.Body, highlight: bool = False) -> Op:
        """Keep one message in the chat; the message as the page gets it."""
        at = self.clock.now()
        data = body.json(at.astimezone(self.tz))
        [number] = await self.db.run(web.add_messages, chat_id, [data], highlight,
                                     now=naive_utc(at))  # fmt: skip
        return {"id": number, "highlight": highlight, **data}

    async def _edit(
        self, chat_id: int, edit: Edit, pressed: int | None, lang: str, done: Applied
    ) -> None:
        target = edit.message_id if edit.message_id is not None else pressed
        stored = await self.db.run(web.message, chat_id, target) if target is not None else None
        if stored is None:
            if edit.or_send and edit.text is not None:
                await self._show(chat_id, Message(edit.text, edit.markup), lang, False, done)
            return
        body = dict(stored.body)
        if edit.text is not None:
            body["nodes"] = render.nodes(edit.text)
        body["buttons"] = render.buttons(edit.markup)
        await self.db.run(web.replace_message, chat_id, stored.id, body)
        shown = {"id": stored.id, "highlight": stored.highlight, **body}
        done.ops.append({"op": "edit", "id": stored.id, "message": shown})


def _as_new(action: Action) -> Action:
    """An outbox edit (the receipt in place of the summary) as a new message."""
    if isinstance(action, Edit) and action.or_send and action.text is not None:
        return Message(action.text, action.markup)
    return action
