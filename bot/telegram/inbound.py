"""Telegram updates as the core's events: who sent what, in plain values.

Updates the bot does not serve (channel posts, inline queries, edits of old messages,
membership changes...) become None and are ignored.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Message, Update
from telegram.constants import ChatType, MessageEntityType

from bot.core.events import (
    Attachment,
    Body,
    Command,
    Contact,
    Event,
    File,
    Location,
    Other,
    Photo,
    Press,
    Text,
    Voice,
    Who,
)
from bot.domain.voice import VoiceNote

CHANNEL = "telegram"
OTHER_KINDS = ("sticker", "video", "video_note", "animation", "dice", "poll", "game", "story",
               "invoice")  # fmt: skip


def to_event(update: Update, bot_username: str | None = None) -> Event | None:
    """The event an update stands for, or None when the bot does not serve it."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    who = Who(
        channel=CHANNEL,
        user_id=user.id,
        chat_id=chat.id,
        private=chat.type == ChatType.PRIVATE,
        name=user.full_name,
        first_name=user.first_name,
        username=user.username,
        lang_hint=user.language_code,
    )
    body: Body | None
    if update.callback_query is not None:
        query = update.callback_query
        message_id = query.message.message_id if query.message is not None else None
        body = Press(query.data or "", message_id)
    elif update.message is not None:
        body = _body(update.message, user.id, bot_username)
    else:
        body = None  # edits, channel posts, inline queries, member updates...
    return Event(who, body, update.update_id) if body is not None else None


def _body(message: Message, user_id: int, bot_username: str | None) -> Body | None:
    if message.text is not None:
        return _command(message, bot_username) or Text(message.text)
    caption = message.caption or ""
    if message.photo:
        largest = message.photo[-1]
        return Photo(Attachment(largest.file_id), caption, largest.file_size)
    if message.document is not None:
        doc = message.document
        if (doc.mime_type or "").startswith("image/"):
            return Photo(Attachment(doc.file_id, as_document=True), caption, doc.file_size)
        return File(doc.file_name, doc.mime_type, doc.file_size)
    if message.voice is not None:
        voice = message.voice
        return Voice(VoiceNote(voice.file_id, _seconds(voice.duration)), voice.file_size)
    if message.audio is not None:  # a recording sent as a file: the core limits its length
        audio = message.audio
        note = VoiceNote(audio.file_id, _seconds(audio.duration), audio=True)
        return Voice(note, audio.file_size)
    if message.location is not None:
        venue = message.venue.title if message.venue is not None else None
        return Location(message.location.latitude, message.location.longitude, venue)
    if message.contact is not None:
        return Contact(message.contact.phone_number, own=message.contact.user_id == user_id)
    for kind in OTHER_KINDS:
        if getattr(message, kind, None):
            return Other(kind)
    return None  # service messages (members joined, pinned...) are not for the core


def _seconds(duration: int | timedelta) -> int:
    """A media length in whole seconds (newer library versions give a timedelta)."""
    if isinstance(duration, timedelta):
        return round(duration.total_seconds())
    return int(duration)


def _command(message: Message, bot_username: str | None) -> Command | None:
    """`/name args` when the text starts with a bot command (as the client marks it)."""
    entities = message.entities
    if not entities or entities[0].type != MessageEntityType.BOT_COMMAND:
        return None
    if entities[0].offset != 0:
        return None
    text = message.text or ""
    word = text[1 : entities[0].length]
    name, _, addressed = word.partition("@")
    if addressed and bot_username and addressed.lower() != bot_username.lower():
        return None  # a command for another bot in a group
    return Command(name.lower(), text[entities[0].length :].strip())
