"""The web chat as a channel: what the bot says to a web rider is kept in their chat (the
`web_messages` table), where the page finds it: at once in the answer to the request, or on
the next visit (answers from staff, receipts), marked as new until seen."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any

from bot.core.actions import (
    Action,
    Delete,
    Edit,
    Message,
    Pinned,
    Posted,
    Toast,
    Venue,
)
from bot.core.clock import Clock, naive_utc
from bot.core.events import Attachment, Who
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
        self._listening: dict[int, Listener] = {}  # chats whose request waits for the outbox

    async def perform(self, chat_id: int, actions: Sequence[Action]) -> list[Posted]:
        """From the outbox (a receipt, a status change, an answer): kept for the page,
        marked new. A request of the rider's that waits for it takes the ops along; with
        nobody waiting, an edit becomes a new message (the page's next poll finds new
        messages, not changed ones)."""
        waiting = self._listening.get(chat_id)
        if waiting is None:
            actions = [_as_new(a) for a in actions]
        done = await self.apply(chat_id, actions, highlight=waiting is None)
        if waiting is not None:
            waiting.ops.extend(done.ops)
            waiting.arrived.set()
        return []

    def listen(self, chat_id: int) -> Listener:
        listener = self._listening[chat_id] = Listener()
        return listener

    def heard(self, chat_id: int) -> list[Op]:
        """What the outbox delivered to the chat since `listen`."""
        listener = self._listening.pop(chat_id, None)
        return listener.ops if listener is not None else []

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
        *,
        highlight: bool = False,
        pressed: int | None = None,
    ) -> Applied:
        """Carry out what the outbox delivers in the chat: the page's ops."""
        plan = self.plan(chat_id, actions, highlight=highlight, pressed=pressed)
        results = await self.db.run(web.write_delivered, chat_id, plan.writes, now=self.stamp())
        return plan.done(results)

    def plan(
        self,
        chat_id: int,
        actions: Sequence[Action],
        *,
        highlight: bool = False,
        pressed: int | None = None,
        said: render.Body | None = None,
    ) -> Plan:
        """What `actions` write to the chat and show on the page, before anything is
        written; `said`: the rider's own message, first."""
        plan = Plan(chat_id)
        at = self.clock.now().astimezone(self.tz)
        if said is not None:
            plan.show(said.json(at), highlight=False)
        for action in actions:
            if isinstance(action, Toast):
                plan.op({"op": "toast", "text": render.plain(action.text), "alert": action.alert})
            elif isinstance(action, Edit):
                target = action.message_id if action.message_id is not None else pressed
                nodes = render.nodes(action.text) if action.text is not None else None
                fallback = None
                if action.or_send and action.text is not None:
                    fallback = render.Body("text", nodes or [], render.buttons(action.markup))
                plan.change(target, nodes, render.buttons(action.markup),
                            fallback.json(at) if fallback else None)  # fmt: skip
            elif isinstance(action, Delete):
                plan.remove(action.message_id)
            else:
                body = render.body_of(action)
                markup = action.markup if isinstance(action, Message) else None
                keys = render.keys(markup)
                if render.changes_keys(markup):
                    body.extra["keys"] = keys
                pin = action.pin_for if isinstance(action, Venue) else None
                plan.show(body.json(at), highlight, keys_change=render.changes_keys(markup),
                          keys=keys, pin=pin)  # fmt: skip
        return plan

    def stamp(self) -> datetime:
        return naive_utc(self.clock.now())


@dataclass
class Listener:
    """A rider's request waiting for what the outbox delivers to their chat."""

    ops: list[Op] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Plan:
    """The writes a list of actions makes in one web chat, and how each result becomes
    the page's ops (a new message's id is known only once it is written)."""

    chat_id: int
    writes: list[web.Write] = field(default_factory=list)
    _steps: list[tuple[int | None, Any]] = field(default_factory=list)

    def op(self, op: Op) -> None:
        self._steps.append((None, op))

    def show(
        self,
        body: dict[str, Any],
        highlight: bool,
        *,
        keys_change: bool = False,
        keys: Any = None,
        pin: Who | None = None,
    ) -> None:
        self._steps.append((len(self.writes), ("show", keys_change, keys, pin)))
        self.writes.append(web.Add(body, highlight))

    def change(
        self,
        message_id: int | None,
        nodes: list[Any] | None,
        buttons: list[list[dict[str, str]]],
        fallback: dict[str, Any] | None,
    ) -> None:
        self._steps.append((len(self.writes), ("change",)))
        self.writes.append(web.Change(message_id, nodes, buttons, fallback))

    def remove(self, message_id: int) -> None:
        self.writes.append(web.Remove(message_id))
        self.op({"op": "delete", "id": message_id})

    def done(self, results: Sequence[web.StoredMessage | None]) -> Applied:
        """The page's ops and the pins placed, from what the writes gave."""
        applied = Applied()
        for index, step in self._steps:
            if index is None:
                applied.ops.append(step)
                continue
            stored = results[index]
            if stored is None:
                continue  # an edit of a message that is not there (and no fallback)
            message = {"id": stored.id, "highlight": stored.highlight, **stored.body}
            if step[0] == "change" and not stored.added:
                applied.ops.append({"op": "edit", "id": stored.id, "message": message})
                continue
            applied.ops.append({"op": "message", "message": message})
            if step[0] == "show" and step[1]:
                applied.ops.append({"op": "keys", "keys": step[2]})
            if step[0] == "show" and step[3] is not None:
                applied.pins.append(Pinned(step[3], self.chat_id, stored.id))
        return applied


def _as_new(action: Action) -> Action:
    """An outbox edit (the receipt in place of the summary) as a new message."""
    if isinstance(action, Edit) and action.or_send and action.text is not None:
        return Message(action.text, action.markup)
    return action
