"""/start, /help, /language and the main menu."""

from __future__ import annotations

from bot.catalog import Lang, t
from bot.core.context import Ctx
from bot.core.menu import main_menu
from bot.storage import users


async def start(ctx: Ctx) -> None:
    """Greet the person and show the main menu."""
    ctx.say(ctx.t("start", name=ctx.who.first_name), main_menu(ctx.lang))


async def help_command(ctx: Ctx) -> None:
    """Every command a person can use (staff also see theirs)."""
    text = ctx.t("help") + ctx.t("help.privacy")
    if await ctx.is_staff():
        text += ctx.t("help.staff")
    ctx.say(text)


async def switch_language(ctx: Ctx) -> None:
    """Toggle between Chinese and English, remembered for this person."""
    lang = Lang.EN if ctx.lang is Lang.ZH else Lang.ZH
    ctx.memory.lang = lang
    await ctx.db(users.set_fields, ctx.who.user_id, language=lang.value, now=ctx.now())
    ctx.say(t("language.set", lang), main_menu(lang))


async def menu_title(ctx: Ctx) -> None:
    """Text (or anything else) nobody else takes, in a private chat: the menu."""
    ctx.say(ctx.t("menu.title"), main_menu(ctx.lang))
