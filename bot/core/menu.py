"""The main menu: the buttons a person sees after /start and after most answers."""

from __future__ import annotations

from bot.catalog import t
from bot.core.actions import Button, Buttons
from bot.core.buttons import Menu, MenuItem, encode

MENU = (MenuItem.SUGGEST, MenuItem.MY, MenuItem.ASK, MenuItem.STATIONS, MenuItem.POLICIES,
        MenuItem.HELP, MenuItem.LANGUAGE)  # fmt: skip


def main_menu(lang: str) -> Buttons:
    """The main menu as buttons, two to a row."""
    buttons = [Button(t(f"menu.{item.value}", lang), encode(Menu(item))) for item in MENU]
    return Buttons.grid(buttons, 2)
