"""The channels a person reaches the bot by, and how their ids are kept apart.

Telegram's user and chat ids stay far below 2^53; the web chat numbers its riders (and
their one-to-one chats) from `WEB_BASE` up, so one integer column holds both kinds and the
id alone tells which channel a chat is on (a case's channel is read from its chat)."""

from __future__ import annotations

from enum import StrEnum

WEB_BASE = 2**53  # first id of a web rider, a web chat, and a web event


class ChannelName(StrEnum):
    TELEGRAM = "telegram"
    WEB = "web"


def channel_of(chat_id: int | None) -> ChannelName | None:
    """The channel a chat is on; None when the chat is not known (erased, or none)."""
    if chat_id is None:
        return None
    return ChannelName.WEB if chat_id >= WEB_BASE else ChannelName.TELEGRAM


UPLOAD_PREFIX = "up:"  # a file a web rider uploaded, kept by the bot: `up:<uploads row id>`


def upload_ref(file_id: int) -> str:
    return f"{UPLOAD_PREFIX}{file_id}"


def upload_id(reference: str) -> int | None:
    """The uploads row a file reference names; None for a channel's own reference."""
    number = reference.removeprefix(UPLOAD_PREFIX)
    if number == reference or not number.isdigit():
        return None
    return int(number)
