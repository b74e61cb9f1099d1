"""/delete_me: a worker erases their identity; suggestions stay, unlinked and masked."""

from __future__ import annotations

import logging

from bot.catalog import t
from bot.core.actions import Button, Buttons
from bot.core.buttons import DeleteMe, encode
from bot.core.context import Ctx
from bot.export.query import scrub_identity
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
    lang, who = ctx.lang, ctx.who
    # the names they go by now, besides the stored ones; their texts are masked the way
    # the masked export masks them, so erasing never makes that export show more
    names = (who.name, who.first_name, who.username)
    count = await ctx.db(privacy.erase_identity, who.user_id, names=names, scrub=scrub_identity,
                         now=ctx.now())  # fmt: skip
    logger.info("user %s erased their identity (%d suggestions unlinked)", ctx.who.user_id, count)
    for name in list(ctx.memory.drafts):
        ctx.forget(name[0])
    ctx.services.memories.forget(ctx.who)
    ctx.say(t("delete.done", lang, count=count))
