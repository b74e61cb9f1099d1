"""Step tables: the shape every guided conversation takes (a suggestion, a staff answer).

A conversation is a table of steps: how each step asks, and which answers it takes (by
event type, or by button type). A handler changes the draft and returns where to go: a
step (the draft is saved, then that step is asked), `Flow.STAY`, or `Flow.END`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

from bot.core.context import Ctx
from bot.core.events import Press

D = TypeVar("D")


class Flow(Enum):
    """What a handler asks for besides a step."""

    STAY = "stay"  # keep the step; the draft is saved if it changed
    END = "end"  # the conversation is over (the handler dropped or submitted the draft)


Outcome = str | Flow  # a step's name: save the draft and ask that step
Handler = Callable[[Ctx, D, Any], Awaitable[Outcome]]


@dataclass(frozen=True)
class Step(Generic[D]):
    """One question: how it is asked, the answers it takes, and the hint for anything else
    (`reask`: the question is shown again after the hint)."""

    ask: Callable[[Ctx, D], None]
    takes: Mapping[type, Handler[D]]
    hint: str  # catalog key
    reask: bool = True


class Codec(Generic[D]):
    """How a conversation's draft is stored (JSON) and read back (None when unreadable)."""

    def encode(self, draft: D) -> dict[str, Any]:
        raise NotImplementedError

    def decode(self, data: Mapping[str, Any]) -> D | None:
        raise NotImplementedError


class StepTable(Generic[D]):
    """Runs one step of a conversation: the handler its answer needs, or its hint."""

    def __init__(self, name: str, steps: Mapping[str, Step[D]], codec: Codec[D]) -> None:
        self.name = name
        self.steps = steps
        self.codec = codec

    def handler(self, ctx: Ctx, state: str) -> tuple[Handler[D], Any] | None:
        """The handler of step `state` for this event, and the value it takes."""
        takes = self.steps[state].takes
        body = ctx.event.body
        value: Any = ctx.button if isinstance(body, Press) else body
        found = takes.get(type(value)) if value is not None else None
        return (found, value) if found is not None else None

    async def run(self, ctx: Ctx, state: str, draft: D) -> bool:
        """Handle the event at `state`; False when this step takes no such answer."""
        found = self.handler(ctx, state)
        if found is None:
            return False
        handler, value = found
        before = self.codec.encode(draft)
        await self.settle(ctx, await handler(ctx, draft, value), draft, before, state)
        return True

    async def settle(
        self, ctx: Ctx, outcome: Outcome, draft: D, before: dict[str, Any], state: str
    ) -> None:
        """Carry out a handler's outcome: go to a step, stay, or end."""
        if outcome is Flow.END:
            return
        data = self.codec.encode(draft)
        if outcome is Flow.STAY:
            if data != before:
                await ctx.save(self.name, state, data)
            return
        await ctx.save(self.name, str(outcome), data)
        self.steps[str(outcome)].ask(ctx, draft)

    async def go(self, ctx: Ctx, state: str, draft: D) -> None:
        """Save the draft at `state`, then ask that step's question."""
        await ctx.save(self.name, state, self.codec.encode(draft))
        self.steps[state].ask(ctx, draft)

    async def hint(self, ctx: Ctx, state: str, draft: D) -> None:
        """Say what the step needs; show its question again (saving the draft, so the idle
        timer starts again as for any answer) unless the step says the hint is enough."""
        step = self.steps[state]
        ctx.say(ctx.t(step.hint))
        if step.reask:
            await self.go(ctx, state, draft)
