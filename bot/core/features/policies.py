"""/policies: the city's policies and hotlines, one screen each, with buttons, in the worker's
language (English when a policy has it, else Chinese)."""

from __future__ import annotations

from bot.catalog import catalog, esc
from bot.core.actions import Button, Buttons
from bot.core.buttons import PolicyLink, PolicyList, PolicyOpen, encode
from bot.core.context import Ctx
from bot.core.features.faq import knowledge
from knowledge import Policy
from knowledge.policies import PolicyLabels


def policy_labels(lang: str) -> PolicyLabels:
    """The labeled lines of a policy screen in ``lang``: raw catalog templates, since the
    policy fills them with plain text and the whole screen is escaped once."""
    line = catalog().template
    return PolicyLabels(
        who=line("policies.who", lang),
        how=line("policies.how", lang),
        contact=line("policies.contact", lang),
        source=line("policies.source", lang),
    )


def policy_screen(policy: Policy, lang: str) -> str:
    """One policy as the HTML the bot sends, in ``lang`` when the policy has it."""
    return esc(policy.text(lang, policy_labels))


def _list(ctx: Ctx) -> tuple[str, Buttons]:
    rows = [(Button(f"📜 {p.title_in(ctx.lang)}", encode(PolicyOpen(p.id))),)
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
        ctx.edit(policy_screen(policy, ctx.lang), back)
    else:
        ctx.say(policy_screen(policy, ctx.lang), back)  # a link under an FAQ answer
