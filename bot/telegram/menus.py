"""The command menus Telegram shows (setMyCommands scopes).

    menus = StaffMenus(app.bot, services)
    await menus.publish()   # at start: everyone's menu, the staff chat's, each staff member's
    await menus.refresh()   # every few minutes: roles added or taken away since

Workers see only their own commands (the default scope). Staff commands appear in the staff
chat (`BotCommandScopeChat(STAFF_CHAT_ID)`) and in each staff member's private chat with the
bot (`BotCommandScopeChat(user_id)`, which Telegram prefers to the default scope there).
A menu is only a hint: the engine checks the role on every command, so a menu that is out
of date for a few minutes shows a command, it does not grant it.

No `BotCommandScopeChatMember(STAFF_CHAT_ID, user_id)`: the chat scope already covers every
member of the staff group, and per-member scopes would need one more list per person to keep
in step (and fail for anyone not in the group) only to show admins /reload there, which their
private menu has.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from telegram import Bot, BotCommand, BotCommandScope, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import BadRequest, TelegramError

from bot.catalog import Lang, label
from bot.core.context import Services
from bot.core.engine import Access, commands_for
from bot.domain import Role
from bot.storage import DatabaseUnavailable, users

logger = logging.getLogger(__name__)
REFRESH_INTERVAL = 300.0  # seconds: `nuanxin staff add|remove` shows in menus within this

WORKER_COMMANDS = ("start", "suggest", "my", "ask", "stations", "policies", "help", "cancel",
                   "language")  # fmt: skip
STAFF_COMMANDS = commands_for(Access.STAFF)
ADMIN_COMMANDS = commands_for(Access.ADMIN)
STAFF_CHAT_COMMANDS = (*STAFF_COMMANDS, "help")
# Every command some menu shows: each needs a `command.<name>` label in both languages.
MENU_COMMANDS = (*WORKER_COMMANDS, *STAFF_COMMANDS, *ADMIN_COMMANDS)


def private_commands(role: Role) -> tuple[str, ...]:
    """A staff member's menu in their private chat: a worker's, then the staff commands."""
    extra = ADMIN_COMMANDS if role is Role.ADMIN else ()
    return (*WORKER_COMMANDS, *STAFF_COMMANDS, *extra)


@dataclass
class StaffMenus:
    """Publishes the menus and keeps the staff ones in step with who has a role."""

    bot: Bot
    services: Services
    published: dict[int, Role] = field(default_factory=dict)  # whose private menu is staff's
    staff_chat_done: bool = False

    async def publish(self) -> None:
        """At start: the workers' menu, then the staff chat's and each staff member's."""
        await self._set(BotCommandScopeDefault(), WORKER_COMMANDS)
        await self.refresh()

    async def refresh(self) -> None:
        """Publish the menu of everyone who gained a role (or changed it), delete that of
        everyone who lost it. What failed is tried again at the next refresh: a staff member
        who has not opened a chat with the bot yet gets the menu once they have."""
        roles = await self._roles()
        if roles is None:
            return
        staff_chat = self.services.settings.staff_chat_id
        if staff_chat and not self.staff_chat_done:
            self.staff_chat_done = await self._set(BotCommandScopeChat(staff_chat),
                                                   STAFF_CHAT_COMMANDS)  # fmt: skip
        for user_id, role in roles.items():
            if self.published.get(user_id) is role:
                continue
            if await self._set(BotCommandScopeChat(user_id), private_commands(role)):
                self.published[user_id] = role
        for user_id in sorted(set(self.published) - set(roles)):
            if await self._delete(BotCommandScopeChat(user_id)):
                del self.published[user_id]

    async def _roles(self) -> dict[int, Role] | None:
        """Staff and admins as `Ctx.role` sees them: the database, overridden by the
        settings; None when the database does not answer (the menus stay as they are)."""
        try:
            stored = await self.services.db.run(users.with_roles, (Role.STAFF, Role.ADMIN))
        except DatabaseUnavailable as exc:
            logger.warning("staff menus not checked, the database is unavailable: %s", exc)
            return None
        settings = self.services.settings
        roles = {user.id: Role(user.role) for user in stored}
        roles.update(dict.fromkeys(settings.staff_ids, Role.STAFF))
        roles.update(dict.fromkeys(settings.admin_ids, Role.ADMIN))
        return roles

    async def _set(self, scope: BotCommandScope, commands: tuple[str, ...]) -> bool:
        """The menu of `scope` in both languages; False when Telegram refused (logged)."""
        try:
            for lang in Lang:
                menu = [BotCommand(c, label("command", c, lang)) for c in commands]
                await self.bot.set_my_commands(menu, scope=scope, language_code=_code(lang))
        except TelegramError as exc:  # a cosmetic failure must not stop the bot
            _log_failure("publish", scope, exc)
            return False
        return True

    async def _delete(self, scope: BotCommandScope) -> bool:
        """Back to the workers' menu for `scope` (Telegram falls back to the default scope)."""
        try:
            for lang in Lang:
                await self.bot.delete_my_commands(scope=scope, language_code=_code(lang))
        except TelegramError as exc:
            _log_failure("delete", scope, exc)
            return False
        return True


def _code(lang: Lang) -> str | None:
    """Chinese is the menu of every client language without its own (no language code)."""
    return None if lang is Lang.ZH else lang.value


def _log_failure(what: str, scope: BotCommandScope, exc: TelegramError) -> None:
    chat = getattr(scope, "chat_id", None)
    if isinstance(exc, BadRequest):  # e.g. chat not found: the person never wrote to the bot
        logger.info("could not %s the command menu of chat %s: %s", what, chat, exc)
    else:
        logger.warning("could not %s the command menu of chat %s: %s", what, chat, exc)
