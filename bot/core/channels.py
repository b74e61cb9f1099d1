"""Several channels behind the one `Channel` port the outbox and the features use.

A chat's id says its channel (`bot.domain.channels`): web riders' chats are numbered from
2^53 up. A file's reference says who keeps it: `up:<n>` is a file a web rider uploaded,
which only the web side can read; Telegram's file ids go to Telegram. A voice note kept by
the bot is sent to a Telegram chat as its bytes (`Recording.data`), since Telegram cannot
replay a reference it did not make."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.core.actions import Action, Posted, Recording
from bot.core.events import Attachment
from bot.core.ports import Channel, Files
from bot.domain.channels import ChannelName, channel_of, upload_id
from bot.domain.voice import VoiceNote

MAX_VOICE_BYTES = 2_000_000  # a minute of speech is ~0.5 MB in Opus or AAC


class Channels:
    """`Channel` for a process that serves Telegram and the web chat."""

    name = "channels"

    def __init__(self, telegram: Channel, web: Channel) -> None:
        self.telegram = telegram
        self.web = web

    async def perform(self, chat_id: int, actions: Sequence[Action]) -> list[Posted]:
        if channel_of(chat_id) is ChannelName.WEB:
            return await self.web.perform(chat_id, actions)
        return await self.telegram.perform(chat_id, [await self.portable(a) for a in actions])

    async def fetch(self, attachment: Attachment, limit: int) -> bytes:
        if upload_id(attachment.file_id) is not None:
            return await self.web.fetch(attachment, limit)
        return await self.telegram.fetch(attachment, limit)

    async def portable(self, action: Action) -> Action:
        """A recording the bot keeps, as its bytes (photos the bot keeps are stored as
        `as_document` and so re-encoded from their bytes by the outbox and /view)."""
        return await with_bytes(self.web, action) if isinstance(action, Recording) else action


async def with_bytes(files: Files, recording: Recording) -> Recording:
    """A recording any channel can send: by its reference, or with its bytes when the bot
    keeps it (DeliveryError when they cannot be had)."""
    if recording.data is not None or not kept(recording.note):
        return recording
    data = await files.fetch(Attachment(recording.note.file_id), MAX_VOICE_BYTES)
    return replace(recording, data=data)


def kept(note: VoiceNote) -> bool:
    """A voice note the bot keeps (uploaded on the web), not a channel's reference."""
    return upload_id(note.file_id) is not None
