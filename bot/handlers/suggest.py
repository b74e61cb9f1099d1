"""The suggestion conversation: text, kind of work, place, anonymity, confirm.

One callback per step; the drafts and the asking live in `bot.handlers.suggest_flow`, the
ConversationHandler that puts the steps together in `bot.handlers.suggest_wiring`.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, time, timedelta
from typing import Any

from telegram import CallbackQuery, Message, ReplyKeyboardRemove, Update
from telegram.error import BadRequest

from bot import categories
from bot.context import BotContext
from bot.handlers import suggest_ui as ui
from bot.handlers.common import ack, main_menu, send, user_lang
from bot.handlers.suggest_flow import (
    CATEGORY,
    CONFIRM,
    END,
    IDENTITY,
    LOCATION,
    MAX_IMAGE_BYTES,
    MAX_PHOTOS,
    MAX_PLACE,
    NAME,
    NO_PHONE_WORDS,
    SKIP_WORDS,
    TEXT,
    WORKER,
    Draft,
    advance,
    ask,
    clean_text,
    draft_key,
    drop,
    forget_cached,
    load,
    lost,
    noted,
    reprompt,
    save,
    text_problem,
)
from bot.i18n import WORKER_TYPES, t
from bot.storage.models import utcnow
from bot.submit import deliver, submit_draft

RECENT = timedelta(minutes=10)  # a finished conversation's buttons point at its suggestion

# --- entry and the text step -------------------------------------------------


async def begin(update: Update, context: BotContext) -> str:
    """Start a fresh suggestion and ask for its text."""
    await ack(update)
    _, user_id = draft_key(update)
    lang = user_lang(update, context)
    services = context.services
    today = datetime.now(services.tz).date()
    since = datetime.combine(today, time.min, services.tz).astimezone(UTC).replace(tzinfo=None)
    count, worker_type = await context.db(context.store.intake_start, user_id, since)
    limit = services.settings.suggestions_per_day
    if count >= limit:  # today's cap (local day) is reached
        await send(update, context, t("suggest.daily_cap", lang, limit=limit))
        return END  # type: ignore[return-value]
    draft: Draft = {"lang": lang, "photos": []}
    if worker_type:
        draft["worker_type"] = worker_type
    return await ask(update, context, TEXT, draft)


def _photo_id(message: Message) -> str | None:
    if message.photo:
        return message.photo[-1].file_id
    doc = message.document
    is_image = doc is not None and (doc.mime_type or "").startswith("image/")
    if doc and is_image and (doc.file_size or 0) <= MAX_IMAGE_BYTES:
        return f"doc:{doc.file_id}"
    return None


async def got_text(update: Update, context: BotContext) -> str | None:
    """Take the suggestion text (a photo's caption counts), checking length and content."""
    draft = await load(update, context)
    if draft is None:
        return await lost(update, context)  # type: ignore[return-value]
    message = update.effective_message
    assert message is not None
    lang = draft["lang"]
    photo = _photo_id(message)
    if message.document is not None and photo is None:
        await send(update, context, t("suggest.image_too_big", lang, mb=MAX_IMAGE_BYTES >> 20))
        return None
    if photo and len(draft["photos"]) >= MAX_PHOTOS:
        await send(update, context, t("suggest.photo_limit", lang, limit=MAX_PHOTOS))
        return None
    if photo:
        draft["photos"].append(photo)
    text = clean_text(message.text or message.caption or "")
    if photo and not text:
        await save(update, context, TEXT, draft)
        await send(update, context, t("suggest.photo_saved", lang))
        return None
    problem = text_problem(text)
    if problem:
        if photo:
            await save(update, context, TEXT, draft)
        await send(update, context, t(problem[0], lang, **problem[1]))
        return None
    draft["text"] = text
    draft.update(classify(context, text))
    return await advance(update, context, draft)


def classify(context: BotContext, text: str) -> dict[str, Any]:
    """The model's guess; a confident one is put to the worker, others go to staff."""
    model = context.services.classifier
    if model is None:
        return {"predicted": None, "confidence": None, "needs_review": True,
                "worker_category": None, "category_done": True}  # fmt: skip
    guess = model.predict(text)
    return {"predicted": guess.category, "confidence": round(guess.confidence, 4),
            "needs_review": guess.needs_review, "worker_category": None,
            "category_done": guess.needs_review}  # fmt: skip


async def _pressed(update: Update, context: BotContext) -> tuple[CallbackQuery, str, Draft | None]:
    """A step's button press, answered: the query, its data and the worker's draft."""
    query = update.callback_query
    assert query and query.data
    await ack(update)
    return query, query.data, await load(update, context)


async def got_category(update: Update, context: BotContext) -> str | None:
    """Yes (the model's guess), or the worker's own pick from the list."""
    query, data, draft = await _pressed(update, context)
    if draft is None:
        return await lost(update, context)  # type: ignore[return-value]
    choice = data.removeprefix("sg:c:")
    if choice == "pick":
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(ui.categories_keyboard(draft["lang"]))
        return None
    chosen = draft.get("predicted") if choice == "yes" else choice
    if chosen not in categories.ids():
        return None
    draft["worker_category"], draft["category_done"] = chosen, True
    draft["needs_review"] = False
    return await advance(update, context, draft)


async def bad_document(update: Update, context: BotContext) -> None:
    """A file that is not a usable image, where text or a photo was expected."""
    await send(update, context, t("suggest.bad_document", user_lang(update, context)))


async def want_text(update: Update, context: BotContext) -> None:
    """Stickers, voice, locations...: keep the step, say what it needs."""
    await send(update, context, t("suggest.want_text", user_lang(update, context)))


# --- kind of work, place, identity, phone -----------------------------------------


async def got_worker(update: Update, context: BotContext) -> str | None:
    """Remember the kind of work (for this and future suggestions)."""
    _, data, draft = await _pressed(update, context)
    if draft is None:
        return await lost(update, context)  # type: ignore[return-value]
    worker = data.removeprefix("sg:w:")
    if worker not in WORKER_TYPES:
        return None
    draft["worker_type"] = worker
    await context.db(context.store.set_user_fields, draft_key(update)[1], worker_type=worker)
    return await advance(update, context, draft)


def want_button(state: str) -> Any:
    """A handler for typing where a button of `state` is expected."""

    async def hint(update: Update, context: BotContext) -> None:
        """Typing where a button is expected: the hint, then the buttons again."""
        await reprompt(update, context, "suggest.want_button", state)

    return hint


async def got_location(update: Update, context: BotContext) -> str | None:
    """A shared location, a typed place, or skip."""
    draft = await load(update, context)
    if draft is None:
        return await lost(update, context)  # type: ignore[return-value]
    message = update.effective_message
    assert message is not None
    if message.location:
        draft["lat"], draft["lon"] = message.location.latitude, message.location.longitude
        if message.venue:
            draft["place"] = clean_text(message.venue.title)[:MAX_PLACE]
    else:
        place = clean_text(message.text or "")
        if len(place) > MAX_PLACE:
            await send(update, context, t("suggest.place_too_long", draft["lang"], limit=MAX_PLACE))
            return None
        if place.lower() not in SKIP_WORDS and place:
            draft["place"] = place
    draft["location_done"] = True
    if draft.get("place") and not message.location:
        # typed, so the one-time location keyboard is still showing: take it away
        await noted(update, context, draft)
    return await advance(update, context, draft)


async def want_location(update: Update, context: BotContext) -> None:
    """A sticker or photo where the place is expected: the hint, then the keyboard again."""
    await reprompt(update, context, "suggest.want_location", LOCATION)


async def got_identity(update: Update, context: BotContext) -> str | None:
    """Anonymous (default) or named; named may add a phone number next."""
    query = update.callback_query
    assert query
    await ack(update)
    draft = await load(update, context)
    if draft is None:
        return await lost(update, context)  # type: ignore[return-value]
    draft["anonymous"] = query.data == "sg:anon"
    if draft["anonymous"]:
        draft.pop("phone", None), draft.pop("name", None), draft.pop("phone_done", None)
    else:
        user = update.effective_user
        draft["name"] = user.full_name if user else ""
    return await advance(update, context, draft)


async def got_phone(update: Update, context: BotContext) -> str | None:
    """The worker's own contact, or no phone."""
    draft = await load(update, context)
    if draft is None:
        return await lost(update, context)  # type: ignore[return-value]
    message = update.effective_message
    assert message is not None
    contact = message.contact
    if contact is not None:
        if contact.user_id != draft_key(update)[1]:
            await send(update, context, t("suggest.own_contact", draft["lang"]))
            return None
        draft["phone"] = contact.phone_number[:32]
    elif (message.text or "").strip() not in NO_PHONE_WORDS:
        await send(update, context, t("suggest.own_contact", draft["lang"]))
        return None
    draft["phone_done"] = True
    return await advance(update, context, draft)


# --- summary: confirm, edit, cancel ------------------------------------------------


async def confirm(update: Update, context: BotContext) -> object:
    """Commit the suggestion; only then give the worker the receipt."""
    query = update.callback_query
    assert query and query.message
    draft = await load(update, context)
    await ack(update)
    if draft is None:
        return await _already_or_lost(update, context)
    await submit_draft(update, context, draft, NAME)
    forget_cached(context)
    await deliver(context)  # the receipt replaces the summary, buttons and all
    return END


async def edit_menu(update: Update, context: BotContext) -> None:
    """Show which part to change."""
    query = update.callback_query
    assert query
    await ack(update)
    await query.edit_message_reply_markup(ui.edit_keyboard(user_lang(update, context)))


async def back_to_summary(update: Update, context: BotContext) -> None:
    query = update.callback_query
    assert query
    await ack(update)
    await query.edit_message_reply_markup(ui.confirm_keyboard(user_lang(update, context)))


async def edit_part(update: Update, context: BotContext) -> str | None:
    """Go back to one step; after it, straight back to the summary."""
    query, data, draft = await _pressed(update, context)
    if draft is None:
        return await lost(update, context)  # type: ignore[return-value]
    part = data.removeprefix("sg:e:")
    await query.edit_message_reply_markup(None)
    draft["editing"] = True
    if part == "category":
        await save(update, context, CATEGORY, draft)
        text = t("suggest.pick_category", draft["lang"])
        await send(update, context, text, reply_markup=ui.categories_keyboard(draft["lang"]))
        return CATEGORY
    if part == "location":
        draft.pop("location_done", None)
        return await ask(update, context, LOCATION, draft)
    if part == "identity":
        draft.pop("phone_done", None)
        return await ask(update, context, IDENTITY, draft)
    return await ask(update, context, {"text": TEXT, "worker": WORKER}.get(part, CONFIRM), draft)


async def cancel(update: Update, context: BotContext) -> object:
    """Drop the draft; nothing is submitted."""
    if update.callback_query:
        await ack(update)
        with contextlib.suppress(BadRequest):
            await update.callback_query.edit_message_reply_markup(None)
    await drop(update, context)
    lang = user_lang(update, context)
    await send(update, context, t("suggest.cancelled", lang), reply_markup=ReplyKeyboardRemove())
    await send(update, context, t("menu.title", lang), reply_markup=main_menu(lang))
    return END


async def _already_or_lost(update: Update, context: BotContext) -> object:
    """A suggestion button after its draft is gone: was it just submitted? Else start again.

    The same update redelivered finds its suggestion; any other button of a conversation
    that ended in a submission a few minutes ago (pressed twice, or again after a restart)
    is told which suggestion that was, so nobody submits the same thing twice.
    """
    done = await context.db(context.store.find_by_update, update.update_id)
    chat = update.effective_chat
    if done is None and chat is not None:
        done = await context.db(context.store.latest_in_chat, chat.id, utcnow() - RECENT)
    lang = user_lang(update, context)
    if done is not None:
        await send(update, context, t("suggest.already", lang, code=done.code))
    else:
        await send(update, context, t("suggest.stale", lang), reply_markup=ReplyKeyboardRemove())
    return END


async def stale_button(update: Update, context: BotContext) -> None:
    """A suggestion button pressed outside any conversation (old message or redelivery)."""
    await ack(update)
    await _already_or_lost(update, context)
