"""Who may do what: roles from the settings and the database, checked on every call."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from bot.context import BotContext
from bot.i18n import t
from bot.storage import Role

Handler = Callable[[Update, BotContext], Awaitable[Any]]


async def role_of(context: BotContext, user_id: int) -> str:
    """admin, staff or worker: the settings first, then the database."""
    settings = context.services.settings
    if user_id in settings.admin_ids:
        return Role.ADMIN
    if user_id in settings.staff_ids:
        return Role.STAFF
    stored = await context.db(context.store.role_of, user_id)
    return stored or Role.WORKER


async def is_staff(context: BotContext, user_id: int) -> bool:
    return await role_of(context, user_id) in (Role.STAFF, Role.ADMIN)


async def is_admin(context: BotContext, user_id: int) -> bool:
    return await role_of(context, user_id) == Role.ADMIN


async def _refuse(update: Update, context: BotContext) -> None:
    """Answer a non-staff user exactly as an unknown command would (or refuse a button)."""
    from bot.handlers.common import ack, send, user_lang

    lang = user_lang(update, context)
    if update.callback_query:
        await ack(update, t("staff.refused", lang), alert=True)
    elif update.effective_chat and update.effective_chat.type == "private":
        await send(update, context, t("unknown_command", lang))


def staff_only(handler: Handler) -> Handler:
    """Run `handler` only for staff and admins, checking the role on every call."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: BotContext) -> Any:
        user = update.effective_user
        if user is None or not await is_staff(context, user.id):
            return await _refuse(update, context)
        return await handler(update, context)

    return guarded


def admin_only(handler: Handler) -> Handler:
    """Run `handler` only for admins."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: BotContext) -> Any:
        user = update.effective_user
        if user is None or not await is_admin(context, user.id):
            return await _refuse(update, context)
        return await handler(update, context)

    return guarded
