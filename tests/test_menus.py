"""Command menus by scope: workers see their own commands, staff commands show only in the
staff chat and in staff members' private chats, and follow `nuanxin staff add|remove`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeChatMember
from telegram.error import BadRequest

from bot.catalog import Lang, label
from bot.domain import Role
from bot.settings import Settings
from bot.storage import users
from bot.telegram.menus import (
    ADMIN_COMMANDS,
    STAFF_COMMANDS,
    WORKER_COMMANDS,
    StaffMenus,
)
from standin import StandIn
from tests.botkit import RunningBot
from tests.conftest import ADMIN_ID, STAFF_CHAT, STAFF_ID

LATE_STAFF = 9100  # given the role while the bot runs
LANGS = ("", "en")  # how the stand-in keys the menus: no language code is Chinese


def menu(standin: StandIn, scope: str, lang: str = "") -> list[str]:
    """The commands the stand-in stores for `scope` ("default:None", "chat:9001") in `lang`."""
    return [c["command"] for c in standin.commands.get(f"{scope}:{lang}", [])]


def described(standin: StandIn, scope: str, lang: str) -> dict[str, str]:
    return {c["command"]: c["description"] for c in standin.commands[f"{scope}:{lang}"]}


def staff_menus(running: RunningBot) -> StaffMenus:
    menus = running.app.bot_data["menus"]
    assert isinstance(menus, StaffMenus)
    return menus


@pytest.fixture
async def running(bot_settings: Settings, standin: StandIn) -> AsyncIterator[RunningBot]:
    """The bot, started after the staff member and the admin of the settings wrote to it
    (Telegram keeps no menu for a chat the bot does not know)."""
    for user_id in (STAFF_ID, ADMIN_ID, LATE_STAFF):
        standin.user(user_id)
    bot = RunningBot(bot_settings)
    await bot.start()
    yield bot
    await bot.stop()


async def test_menus_workers_see_no_staff_command(running: RunningBot, standin: StandIn) -> None:
    for lang in LANGS:
        assert menu(standin, "default:None", lang) == list(WORKER_COMMANDS)
    assert described(standin, "default:None", "")["suggest"] == label("command", "suggest", "zh")
    assert described(standin, "default:None", "en")["suggest"] == label("command", "suggest", "en")


async def test_menus_staff_chat_lists_staff_commands_and_help(
    running: RunningBot, standin: StandIn
) -> None:
    assert "inbox" in STAFF_COMMANDS and "export" in STAFF_COMMANDS  # read from the engine
    for lang in LANGS:
        assert menu(standin, f"chat:{STAFF_CHAT}", lang) == [*STAFF_COMMANDS, "help"]
    english = described(standin, f"chat:{STAFF_CHAT}", "en")
    assert english == {c: label("command", c, Lang.EN) for c in (*STAFF_COMMANDS, "help")}
    assert english["inbox"] != label("command", "inbox", Lang.ZH)


async def test_menus_staff_private_chat_adds_staff_commands(
    running: RunningBot, standin: StandIn
) -> None:
    for lang in LANGS:
        assert menu(standin, f"chat:{STAFF_ID}", lang) == [*WORKER_COMMANDS, *STAFF_COMMANDS]
        assert menu(standin, f"chat:{ADMIN_ID}", lang) == [
            *WORKER_COMMANDS, *STAFF_COMMANDS, *ADMIN_COMMANDS
        ]  # fmt: skip
    assert ADMIN_COMMANDS == ("reload",)
    zh = described(standin, f"chat:{ADMIN_ID}", "")
    assert zh["reload"] == label("command", "reload", Lang.ZH)


async def test_menus_follow_staff_added_and_removed(running: RunningBot, standin: StandIn) -> None:
    menus = staff_menus(running)
    assert menu(standin, f"chat:{LATE_STAFF}") == []
    running.sync(users.set_role, LATE_STAFF, Role.STAFF)  # `nuanxin staff add 9100`
    await menus.refresh()
    for lang in LANGS:
        assert menu(standin, f"chat:{LATE_STAFF}", lang) == [*WORKER_COMMANDS, *STAFF_COMMANDS]

    running.sync(users.set_role, LATE_STAFF, Role.ADMIN)  # `nuanxin staff add --admin 9100`
    await menus.refresh()
    assert menu(standin, f"chat:{LATE_STAFF}", "en")[-1] == "reload"

    running.sync(users.set_role, LATE_STAFF, Role.WORKER)  # `nuanxin staff remove 9100`
    await menus.refresh()
    for lang in LANGS:
        assert f"chat:{LATE_STAFF}:{lang}" not in standin.commands
    assert menu(standin, f"chat:{STAFF_ID}")  # the others keep theirs


async def test_menus_refresh_sends_nothing_when_no_role_changed(
    running: RunningBot, standin: StandIn
) -> None:
    before = standin.stats.calls["setmycommands"]
    await staff_menus(running).refresh()
    assert standin.stats.calls["setmycommands"] == before
    assert standin.stats.calls["deletemycommands"] == 0


async def test_menus_reach_a_staff_member_once_they_write_to_the_bot(
    bot_settings: Settings, standin: StandIn
) -> None:
    """Telegram refuses the menu of a chat the bot does not know: the next refresh tries again."""
    running = RunningBot(bot_settings)  # STAFF_ID has never written to the bot
    await running.start()
    try:
        assert menu(standin, f"chat:{STAFF_ID}") == []
        assert menu(standin, f"chat:{STAFF_CHAT}")  # the others got theirs
        standin.user(STAFF_ID)
        await staff_menus(running).refresh()
        assert menu(standin, f"chat:{STAFF_ID}") == [*WORKER_COMMANDS, *STAFF_COMMANDS]
    finally:
        await running.stop()


# --- the stand-in keeps menus per scope as Telegram does ---------------------------------------


@pytest.fixture
async def api(standin: StandIn) -> AsyncIterator[Bot]:
    bot = Bot(standin.token, base_url=standin.base_url, base_file_url=standin.base_file_url)
    async with bot:
        yield bot


async def test_standin_menu_of_an_unknown_chat_is_refused(api: Bot) -> None:
    with pytest.raises(BadRequest, match="Chat not found"):
        await api.set_my_commands([BotCommand("help", "帮助")], scope=BotCommandScopeChat(4711))


async def test_standin_keeps_one_menu_per_group_member(api: Bot, standin: StandIn) -> None:
    standin.user(STAFF_ID)
    member = BotCommandScopeChatMember(STAFF_CHAT, STAFF_ID)
    await api.set_my_commands([BotCommand("reload", "重新加载")], scope=member)
    assert menu(standin, f"chat_member:{STAFF_CHAT}:{STAFF_ID}") == ["reload"]
    assert [c.command for c in await api.get_my_commands(scope=member)] == ["reload"]
    assert await api.get_my_commands(scope=BotCommandScopeChatMember(STAFF_CHAT, ADMIN_ID)) == ()
    await api.delete_my_commands(scope=member)
    assert await api.get_my_commands(scope=member) == ()
    private = BotCommandScopeChatMember(STAFF_ID, STAFF_ID)
    with pytest.raises(BadRequest, match="scope in private chats"):
        await api.set_my_commands([BotCommand("help", "帮助")], scope=private)
