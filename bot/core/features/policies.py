"""/policies: the city's policies and hotlines, one screen each, with buttons."""

from __future__ import annotations

from bot.catalog import esc
from bot.core.actions import Button, Buttons
from bot.core.buttons import PolicyLink, PolicyList, PolicyOpen, encode
from bot.core.context import Ctx
from bot.core.features.faq import knowledge


def _list(ctx: Ctx) -> tuple[str, Buttons]:
    rows = [(Button(f"📜 {p.title}", encode(PolicyOpen(p.id))),)
            for p in knowledge(ctx).policies]  # fmt: skip
    return ctx.t("policies.list"), Buttons(tuple(rows))


async def policies_command(ctx: Ctx) -> None:
    """The list of policies as buttons."""
    ctx.say(*_list(ctx))


async def policy_list(ctx: Ctx, _: PolicyList) -> None:
    """Back to the list, in place."""
    ctx.edit(*_list(ctx))


async def policy_button(ctx: Ctx, button: PolicyOpen | PolicyLink) -> None:
    """One policy on one screen: in place when pressed on the list, else a new message."""
    policy = knowledge(ctx).policy(button.policy_id)
    if policy is None:
        ctx.say(ctx.t("policies.missing"))
        return
    back = Buttons(((Button(ctx.t("policies.back"), encode(PolicyList())),),))
    if isinstance(button, PolicyOpen):
        ctx.edit(esc(policy.text()), back)
    else:
        ctx.say(esc(policy.text()), back)  # a link under an FAQ answer
