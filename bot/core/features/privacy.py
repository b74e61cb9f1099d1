"""/delete_me: a worker erases their identity; suggestions stay, unlinked."""

from __future__ import annotations

import logging

from bot.catalog import t
from bot.core.actions import Button, Buttons
from bot.core.buttons import DeleteMe, encode
from bot.core.context import Ctx
from bot.storage import privacy

logger = logging.getLogger(__name__)


async def delete_me(ctx: Ctx) -> None:
    """Ask before erasing anything."""
    yes = Button(ctx.t("delete.yes"), encode(DeleteMe(yes=True)))
    no = Button(ctx.t("delete.no"), encode(DeleteMe(yes=False)))
    ctx.say(ctx.t("delete.confirm"), Buttons(((yes, no),)))


async def delete_answer(ctx: Ctx, button: DeleteMe) -> None:
    """Erase (yes) or keep (no)."""
    ctx.edit(None, None)
    if not button.yes:
        ctx.say(ctx.t("delete.kept"))
        return
    lang = ctx.lang
    count = await ctx.db(privacy.erase_identity, ctx.who.user_id, now=ctx.now())
    logger.info("user %s erased their identity (%d suggestions unlinked)", ctx.who.user_id, count)
    for name in list(ctx.memory.drafts):
        ctx.forget(name[0])
    ctx.services.memories.forget(ctx.who)
    ctx.say(t("delete.done", lang, count=count))
