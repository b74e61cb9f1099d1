"""The core's actions as Bot API calls, and Telegram's failures in the core's terms."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from pathlib import Path

from telegram import (
    Bot,
    CallbackQuery,
    ForceReply,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputFile,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.core.actions import (
    Action,
    AskReply,
    Button,
    Buttons,
    Delete,
    Document,
    Edit,
    Keys,
    Markup,
    Message,
    Picture,
    Pinned,
    Posted,
    PrivateChatButton,
    Recording,
    RemoveKeys,
    Request,
    Toast,
    Venue,
)
from bot.core.events import Attachment
from bot.core.ports import DeliveryError, Failure
from bot.domain.voice import audio_format

logger = logging.getLogger(__name__)
TelegramMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply


def inline(buttons: Buttons | None, bot: Bot) -> InlineKeyboardMarkup | None:
    if buttons is None:
        return None
    return InlineKeyboardMarkup([[_button(b, bot) for b in row] for row in buttons.rows])


def _button(button: Button | PrivateChatButton, bot: Bot) -> InlineKeyboardButton:
    if isinstance(button, PrivateChatButton):  # t.me links open the chat with the bot
        return InlineKeyboardButton(button.label, url=f"https://t.me/{bot.username}")
    return InlineKeyboardButton(button.label, callback_data=button.data)


def markup(value: Markup | None, bot: Bot) -> TelegramMarkup | None:
    if value is None or isinstance(value, Buttons):
        return inline(value, bot)
    if isinstance(value, Keys):
        rows = [[KeyboardButton(key.label, request_location=key.request is Request.LOCATION,
                                request_contact=key.request is Request.CONTACT) for key in row]
                for row in value.rows]  # fmt: skip
        return ReplyKeyboardMarkup(rows, resize_keyboard=True, one_time_keyboard=True)
    if isinstance(value, RemoveKeys):
        return ReplyKeyboardRemove()
    if isinstance(value, AskReply):
        return ForceReply(selective=True)
    raise AssertionError(value)


async def perform(
    bot: Bot, chat_id: int, actions: Sequence[Action], pressed_message: int | None = None
) -> list[Posted | Pinned]:
    """Carry out `actions` in order; `chat_id` is the chat they answer, `pressed_message`
    the message whose button was pressed (edits default to it). Returns the staff cards
    and station pins posted."""
    posted: list[Posted | Pinned] = []
    for action in actions:
        target = getattr(action, "chat", None) or chat_id
        if target != chat_id:
            sent = await _elsewhere(bot, target, action)
        else:
            sent = await _do(bot, target, action, pressed_message)
        _note(posted, action, target, sent)
    return posted


def _note(
    posted: list[Posted | Pinned], action: Action, chat_id: int, message_id: int | None
) -> None:
    if message_id is None:
        return
    if isinstance(action, Message) and action.card is not None:
        posted.append(Posted(action.card, chat_id, message_id))
    elif isinstance(action, Venue) and action.pin_for is not None:
        posted.append(Pinned(action.pin_for, chat_id, message_id))


async def _elsewhere(bot: Bot, chat_id: int, action: Action) -> int | None:
    """An action in another chat (a notice to staff): its failure must not stop the reply."""
    try:
        return await _do(bot, chat_id, action, None)
    except TelegramError as exc:
        logger.warning("could not reach chat %s: %s", chat_id, exc)
        return None


async def _do(bot: Bot, chat_id: int, action: Action, pressed: int | None) -> int | None:
    """Carry out one action; the id of the message it sent, if it sent one."""
    if isinstance(action, Message):
        sent = await bot.send_message(chat_id, action.text, message_thread_id=action.thread,
                                      reply_markup=markup(action.markup, bot))  # fmt: skip
        return sent.message_id
    if isinstance(action, Edit):
        await _edit(bot, chat_id, action, action.message_id or pressed)
    elif isinstance(action, Venue):
        venue = await bot.send_venue(chat_id, action.latitude, action.longitude, action.title,
                                     action.address)  # fmt: skip
        return venue.message_id
    elif isinstance(action, Delete):
        await _delete(bot, chat_id, action.message_id)
    elif isinstance(action, Picture):
        picture = action.picture if isinstance(action.picture, bytes) else action.picture.file_id
        await bot.send_photo(chat_id, picture, caption=action.caption,
                             message_thread_id=action.thread)  # fmt: skip
    elif isinstance(action, Document):
        await _document(bot, chat_id, action)
    elif isinstance(action, Recording):
        await _recording(bot, chat_id, action)
    elif not isinstance(action, Toast):  # toasts answer the button press, see answer_press
        raise AssertionError(action)
    return None


async def _edit(bot: Bot, chat_id: int, edit: Edit, message_id: int | None) -> None:
    if message_id is None:
        return
    try:
        if edit.text is None:
            await bot.edit_message_reply_markup(
                chat_id, message_id, reply_markup=inline(edit.markup, bot)
            )
        else:
            await bot.edit_message_text(edit.text, chat_id, message_id,
                                        reply_markup=inline(edit.markup, bot))  # fmt: skip
    except BadRequest as exc:  # not modified, deleted, or too old to edit
        if "not modified" in str(exc).lower() or not edit.or_send or edit.text is None:
            logger.debug("edit of message %s in chat %s skipped: %s", message_id, chat_id, exc)
            return
        logger.info("message %s in chat %s sent anew: %s", message_id, chat_id, exc)
        await bot.send_message(chat_id, edit.text, reply_markup=inline(edit.markup, bot))


async def _delete(bot: Bot, chat_id: int, message_id: int) -> None:
    try:
        await bot.delete_message(chat_id, message_id)
    except BadRequest as exc:  # deleted by the person already, or too old to delete
        logger.debug("message %s in chat %s not deleted: %s", message_id, chat_id, exc)


async def _document(bot: Bot, chat_id: int, document: Document) -> None:
    source = document.document
    if not isinstance(source, Path):
        await bot.send_document(chat_id, source.file_id, caption=document.caption,
                                message_thread_id=document.thread)  # fmt: skip
        return
    try:
        with source.open("rb") as stream:
            await bot.send_document(chat_id, stream, filename=document.filename or source.name,
                                    caption=document.caption,
                                    message_thread_id=document.thread)  # fmt: skip
    finally:
        if document.remove_after:
            source.unlink(missing_ok=True)


async def _recording(bot: Bot, chat_id: int, recording: Recording) -> None:
    """A voice note by its file_id; an audio file goes back as one (Telegram refuses a
    file_id of another type)."""
    note = recording.note
    if recording.data is not None:  # recorded in a browser (WebM or MP4 audio): as a file
        known = audio_format(recording.data)
        name = f"voice-{note.seconds}s.{known[0] if known else 'bin'}"
        await bot.send_document(chat_id, InputFile(recording.data, filename=name),
                                caption=recording.caption,
                                message_thread_id=recording.thread)  # fmt: skip
    elif note.audio:
        await bot.send_audio(chat_id, note.file_id, caption=recording.caption,
                             message_thread_id=recording.thread)  # fmt: skip
    else:
        await bot.send_voice(chat_id, note.file_id, caption=recording.caption,
                             message_thread_id=recording.thread)  # fmt: skip


def answer_press(
    query: CallbackQuery, actions: Sequence[Action], tasks: set[asyncio.Task[None]]
) -> None:
    """Answer a button press (its toast, if any) without waiting for Telegram's reply: the
    answer only stops the spinner, so it goes out alongside the real reply."""
    toast = next((a for a in actions if isinstance(a, Toast)), None)
    task = asyncio.create_task(_answer(query, toast))
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def _answer(query: CallbackQuery, toast: Toast | None) -> None:
    with contextlib.suppress(TelegramError):  # an expired query (after a restart) is fine
        if toast is None:
            await query.answer()
        else:
            await query.answer(toast.text, show_alert=toast.alert)


def delivery_error(exc: TelegramError) -> DeliveryError:
    """A Telegram failure in the core's terms."""
    if isinstance(exc, RetryAfter):
        after = exc.retry_after
        seconds = after.total_seconds() if hasattr(after, "total_seconds") else float(after)
        return DeliveryError(Failure.LIMITED, f"flood control: {exc}", seconds)
    if isinstance(exc, Forbidden):
        return DeliveryError(Failure.GONE, str(exc))
    if isinstance(exc, BadRequest):
        return DeliveryError(Failure.REJECTED, str(exc))
    if isinstance(exc, NetworkError):
        return DeliveryError(Failure.NETWORK, f"network: {exc}")
    return DeliveryError(Failure.REJECTED, str(exc))


class TelegramChannel:
    """The core's `Channel` port on a Telegram bot (receipts, cards, answers, notices)."""

    name = "telegram"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def perform(self, chat_id: int, actions: Sequence[Action]) -> list[Posted]:
        posted: list[Posted | Pinned] = []
        try:
            for action in actions:
                _note(posted, action, chat_id, await _do(self.bot, chat_id, action, None))
        except TelegramError as exc:
            raise delivery_error(exc) from exc
        return [p for p in posted if isinstance(p, Posted)]  # (no pins go by the outbox)

    async def fetch(self, attachment: Attachment, limit: int) -> bytes:
        try:
            file = await self.bot.get_file(attachment.file_id)
            if (file.file_size or 0) > limit:
                raise DeliveryError(Failure.REJECTED, f"file of {file.file_size} bytes")
            data = bytes(await file.download_as_bytearray())
        except TelegramError as exc:
            raise delivery_error(exc) from exc
        if len(data) > limit:
            raise DeliveryError(Failure.REJECTED, f"file of {len(data)} bytes")
        return data
