"""The suggestion conversation: text, category, kind of work, place, anonymity, confirm.

`STEPS` is the conversation: what each step asks and which answers it takes. The order of
the questions is `draft.next_step`; a handler changes the draft and says where to go.
What falls outside a step (cancel, help, another command, an old button) is answered by
`SuggestConversation.handle` before the step sees the event.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

from bot.catalog import label
from bot.core import buttons as b
from bot.core import images
from bot.core.actions import RemoveKeys
from bot.core.cases import open_case
from bot.core.context import Ctx
from bot.core.errors import UserFacingError
from bot.core.events import Command, Contact, File, Location, Photo, Press, Text, Voice
from bot.core.features import start
from bot.core.menu import main_menu
from bot.core.notices import voice_placeholder
from bot.core.places import on_earth
from bot.core.ports import DeliveryError, Failure
from bot.core.steps import Flow, Outcome, Step, StepTable
from bot.core.suggest import screens
from bot.core.suggest.draft import (
    ACTIVE,
    NAME,
    PARKED,
    Chosen,
    DraftCodec,
    Guess,
    NoPlace,
    Pending,
    Phone,
    SharedPlace,
    SuggestionDraft,
    TypedPlace,
    next_step,
    suggestion_fields,
)
from bot.core.suggest.draft import Step as S
from bot.core.text import clean_text, content_size, is_word, matches
from bot.domain import Kind, WorkerType, category_ids
from bot.storage import suggestions, users
from knowledge import Station

logger = logging.getLogger(__name__)
MAX_TEXT = 3000  # characters in all, over one or more messages
LONG_TEXT = 1000  # a message this long may go on in the next one: ask
MIN_CONTENT = 4  # Chinese characters, words or numbers: less says too little
MAX_PLACE = 100
MAX_PHOTOS = 5
MAX_VOICE_SECONDS = 60  # a voice note longer than this is refused (nothing kept)
MAX_VOICES = 3
MAX_IMAGE_BYTES = images.MAX_BYTES
RECENT = timedelta(minutes=10)  # a finished conversation's buttons point at its suggestion
PARKED_FOR = timedelta(days=7)  # how long a draft the worker left is kept
CODEC = DraftCodec()

# --- the text ----------------------------------------------------------------------------


def text_problem(text: str, before: str = "") -> tuple[str, dict[str, Any]] | None:
    """Why `text` (added to `before`) cannot be a suggestion: a catalog key and its values."""
    if not text:
        return "suggest.empty", {}
    total = len(before) + len(text) + (1 if before else 0)
    if total > MAX_TEXT:
        key = "suggest.too_long_more" if before else "suggest.too_long"
        return key, {"count": total, "limit": MAX_TEXT}
    if not any(unicodedata.category(ch)[0] in "LN" for ch in before + text):
        return "suggest.no_words", {}  # emoji and punctuation only
    if content_size(before + text) < MIN_CONTENT:
        return "suggest.too_short", {}
    return None


def classify(ctx: Ctx, d: SuggestionDraft) -> None:
    """The model's categories for the text; without a model, staff decide."""
    model = ctx.services.classifier
    d.category = None
    if model is None or d.text is None:
        d.guess, d.category = None, Chosen(None)
        return
    guess = model.predict(d.text)
    d.guess = Guess(tuple(guess.ranked[:3]), confident=not guess.needs_review)


def after_text(ctx: Ctx, d: SuggestionDraft) -> Outcome:
    if d.text is None and d.voices:  # told by voice alone: no words to guess from
        d.guess, d.category = None, None
        return S.CATEGORY_LIST
    classify(ctx, d)
    return next_step(d)


async def got_text(ctx: Ctx, d: SuggestionDraft, body: Text | Photo) -> Outcome:
    """The suggestion's text (a photo's caption counts); a long one may go on."""
    text = clean_text(body.text if isinstance(body, Text) else body.caption)
    problem = text_problem(text)
    if problem is not None and problem[0] == "suggest.too_long":
        ctx.say(ctx.t(problem[0], **problem[1]))  # refused whole, photo and all
        return Flow.STAY
    if isinstance(body, Photo) and not await _add_photo(ctx, d, body):
        return Flow.STAY
    if isinstance(body, Photo) and not text:
        ctx.say(ctx.t("suggest.photo_saved"))
        return Flow.STAY
    if problem is not None:  # the photo (if any) is kept: the words can follow
        ctx.say(ctx.t(problem[0], **problem[1]))
        return Flow.STAY
    d.text = text
    return S.MORE_TEXT if len(text) >= LONG_TEXT else after_text(ctx, d)


async def _add_photo(ctx: Ctx, d: SuggestionDraft, photo: Photo) -> bool:
    """Keep the photo, unless there are enough already or a file is not a picture at all."""
    if photo.attachment.as_document and not await _is_picture(ctx, photo):
        return False
    if len(d.photos) >= MAX_PHOTOS:
        ctx.say(ctx.t("suggest.photo_limit", limit=MAX_PHOTOS))
        return False
    d.photos = (*d.photos, photo.attachment)
    return True


async def _is_picture(ctx: Ctx, photo: Photo) -> bool:
    """A file that says it is an image, checked by its bytes (an .exe called photo.jpg is not)."""
    files = ctx.services.files
    if (photo.size or 0) > MAX_IMAGE_BYTES:
        ctx.say(ctx.t("suggest.image_too_big", mb=MAX_IMAGE_BYTES >> 20))
        return False
    try:
        if files is None:
            raise images.NotAnImage("no way to read files on this channel")
        images.check(await files.fetch(photo.attachment, MAX_IMAGE_BYTES))
    except DeliveryError as exc:
        too_big = exc.failure is Failure.REJECTED
        ctx.say(ctx.t("suggest.image_too_big", mb=MAX_IMAGE_BYTES >> 20) if too_big
                else ctx.t("suggest.photo_again"))  # fmt: skip
        return False
    except images.NotAnImage as exc:
        logger.info("user %s sent a file that is not a picture (%s)", ctx.who.user_id, exc)
        ctx.say(ctx.t("suggest.bad_document"))
        return False
    return True


async def bad_file(ctx: Ctx, d: SuggestionDraft, body: File) -> Outcome:
    """A file that is not an image, where text or a photo was expected."""
    ctx.say(ctx.t("suggest.bad_document"))
    return Flow.STAY


async def more_text(ctx: Ctx, d: SuggestionDraft, body: Text | Photo) -> Outcome:
    """The next part of a long text, joined to the text so far (a photo may come with it)."""
    text = clean_text(body.text if isinstance(body, Text) else body.caption)
    if isinstance(body, Text) and matches(text, "words.done"):
        return after_text(ctx, d)
    if text:
        problem = text_problem(text, d.text or "")
        if problem is not None and problem[0].startswith("suggest.too_long"):
            ctx.say(ctx.t(problem[0], **problem[1]))  # the whole message is refused
            return Flow.STAY
    if isinstance(body, Photo):
        if not await _add_photo(ctx, d, body):
            return Flow.STAY
        if not text:
            ctx.say(ctx.t("suggest.photo_added"))
            return Flow.STAY
    if not text:
        return S.MORE_TEXT
    first = d.text is None  # typed after a voice note: the words the model can read
    d.text = f"{d.text}\n{text}" if d.text else text
    return after_text(ctx, d) if first and len(text) < LONG_TEXT else S.MORE_TEXT


async def text_done(ctx: Ctx, d: SuggestionDraft, _: b.Suggest) -> Outcome:
    return after_text(ctx, d)


async def got_voice(ctx: Ctx, d: SuggestionDraft, body: Voice) -> Outcome:
    """A voice note at the text step: the suggestion may be told by voice (typing is still
    welcome next). Transcription: a `Transcriber` (bot.core.ports) could turn it into
    text here; none is wired, so the worker picks the category."""
    if not _add_voice(ctx, d, body):
        return Flow.STAY
    return S.MORE_TEXT


async def more_voice(ctx: Ctx, d: SuggestionDraft, body: Voice) -> Outcome:
    """One more voice note, after the text or another voice note."""
    if _add_voice(ctx, d, body):
        ctx.say(ctx.t("voice.added", seconds=body.note.seconds))
    return Flow.STAY


def _add_voice(ctx: Ctx, d: SuggestionDraft, body: Voice) -> bool:
    """Keep the voice note, unless it is too long or there are enough already."""
    seconds = body.note.seconds
    if seconds > MAX_VOICE_SECONDS:
        ctx.say(ctx.t("voice.too_long", seconds=seconds, limit=MAX_VOICE_SECONDS))
        return False
    if len(d.voices) >= MAX_VOICES:
        ctx.say(ctx.t("voice.limit", limit=MAX_VOICES))
        return False
    d.voices = (*d.voices, body.note)
    return True


# --- category, kind of work -------------------------------------------------------------


async def got_category(ctx: Ctx, d: SuggestionDraft, button: b.PickCategory) -> Outcome:
    """Yes (the model's guess), a category, the whole list, or leave it to staff."""
    choice = button.choice
    if choice == b.CategoryAct.LIST:
        return S.CATEGORY_LIST
    if choice == b.CategoryAct.YES:
        if d.guess is None:
            return S.CATEGORY_LIST
        choice = d.guess.category
    d.category = Chosen(None if choice == b.CategoryAct.UNSURE else choice)
    return next_step(d)


async def typed_category(ctx: Ctx, d: SuggestionDraft, body: Text) -> Outcome:
    """ "是" to a sure guess, "不是" for the list, or a category's name typed out."""
    text = clean_text(body.text)
    named = _category_named(text, d.lang)
    if named is not None:
        d.category = Chosen(named)
        return next_step(d)
    sure = d.guess is not None and d.guess.confident
    if sure and matches(text, "words.yes"):
        return await got_category(ctx, d, b.PickCategory(b.CategoryAct.YES))
    if matches(text, "words.no") or matches(text, "words.unsure"):
        return (
            S.CATEGORY_LIST
            if sure
            else await got_category(ctx, d, b.PickCategory(b.CategoryAct.UNSURE))
        )
    return await _want_button(ctx, d)


def _category_named(text: str, lang: str) -> str | None:
    folded = text.strip().lower()
    for category in category_ids():
        if folded in (label("category", category, "zh").lower(),
                      label("category", category, "en").lower()):  # fmt: skip
            return category
    return None


async def got_worker(ctx: Ctx, d: SuggestionDraft, button: b.PickWorker) -> Outcome:
    """The kind of work, remembered for this worker's next suggestions."""
    d.worker_type = button.worker
    await ctx.db(users.set_fields, ctx.who.user_id, worker_type=button.worker.value, now=ctx.now())
    return next_step(d)


async def typed_worker(ctx: Ctx, d: SuggestionDraft, body: Text) -> Outcome:
    """A kind of work typed out ("外卖骑手", "courier")."""
    text = clean_text(body.text).lower()
    named = [w for w in WorkerType if text and any(
        text == name or (len(text) >= 2 and text in name)
        for name in (_bare(label("worker_type", w, lang)) for lang in ("zh", "en")))]  # fmt: skip
    if len(named) == 1:  # "司机" fits two kinds of work: the buttons decide then
        return await got_worker(ctx, d, b.PickWorker(named[0]))
    return await _want_button(ctx, d)


def _bare(name: str) -> str:
    """A label without its emoji, folded: "🛵 外卖骑手" -> "外卖骑手"."""
    return "".join(ch for ch in name if is_word(ch) or ch in " /").strip().lower()


# --- place, identity, phone -----------------------------------------------------------


async def got_location(ctx: Ctx, d: SuggestionDraft, body: Location) -> Outcome:
    """A shared location (the venue's name kept when the worker picked one)."""
    if not on_earth(body.latitude, body.longitude):
        return await _hint(ctx, d, "suggest.want_location")
    venue = clean_text(body.venue)[:MAX_PLACE] if body.venue else None
    d.place = SharedPlace(body.latitude, body.longitude, venue or None)
    return next_step(d)


async def got_place(ctx: Ctx, d: SuggestionDraft, body: Text) -> Outcome:
    """A typed place, or skip."""
    place = clean_text(body.text)
    if len(place) > MAX_PLACE:
        ctx.say(ctx.t("suggest.place_too_long", limit=MAX_PLACE))
        return Flow.STAY
    if not place or matches(place, "words.skip"):
        d.place = NoPlace()
        return next_step(d)
    d.place = TypedPlace(place)
    # typed, so the one-time location keyboard is still showing: take it away
    ctx.say(ctx.t("suggest.noted"), RemoveKeys())
    return next_step(d)


async def got_identity(ctx: Ctx, d: SuggestionDraft, button: b.Suggest) -> Outcome:
    """Anonymous (the default) or named; named may add a phone number next."""
    if button.act is b.SuggestAct.ANONYMOUS:
        d.forget_identity()
        d.anonymous = True
    else:
        # a web rider has no name on their channel: staff see that none was given
        d.anonymous, d.name = False, ctx.who.name or ctx.t("suggest.no_name")
    return next_step(d)


async def typed_identity(ctx: Ctx, d: SuggestionDraft, body: Text) -> Outcome:
    """ "匿名" / "不" keep it anonymous; "实名" / "可以" show the name."""
    text = clean_text(body.text)
    if matches(text, "words.anonymous") or matches(text, "words.no"):
        return await got_identity(ctx, d, b.Suggest(b.SuggestAct.ANONYMOUS))
    if matches(text, "words.named") or matches(text, "words.yes"):
        return await got_identity(ctx, d, b.Suggest(b.SuggestAct.NAMED))
    return await _want_button(ctx, d)


async def got_contact(ctx: Ctx, d: SuggestionDraft, body: Contact) -> Outcome:
    """The worker's own number (someone else's is refused)."""
    if not body.own:
        ctx.say(ctx.t("suggest.own_contact"))
        return Flow.STAY
    d.phone = Phone(body.phone[:32])
    return next_step(d)


async def no_phone(ctx: Ctx, d: SuggestionDraft, body: Text) -> Outcome:
    """ "不留电话" (or "不用"); anything else typed is not taken as a number."""
    if not matches(clean_text(body.text), "words.no_phone"):
        ctx.say(ctx.t("suggest.own_contact"))
        return Flow.STAY
    d.phone = Phone(None)
    return next_step(d)


# --- the summary: confirm, edit, cancel ------------------------------------------------


async def confirm(ctx: Ctx, d: SuggestionDraft, _: object) -> Outcome:
    """Commit the suggestion; only then the receipt (it replaces the summary message)."""
    body = ctx.event.body
    summary_id = body.message_id if isinstance(body, Press) else None
    await open_case(ctx, d.kind, suggestion_fields(d), draft_name=NAME, receipt_in=summary_id)
    ctx.forget(NAME)
    return Flow.END


async def edit_menu(ctx: Ctx, d: SuggestionDraft, _: object) -> Outcome:
    ctx.edit(None, screens.edit_buttons(d.lang))
    return Flow.STAY


async def back_to_summary(ctx: Ctx, d: SuggestionDraft, _: object) -> Outcome:
    ctx.edit(None, screens.confirm_buttons(d.lang))
    return Flow.STAY


async def edit_part(ctx: Ctx, d: SuggestionDraft, button: b.EditPart) -> Outcome:
    """Go back to one part; once it is answered again, straight back to the summary."""
    ctx.edit(None, None)
    part = button.part
    if part is b.Part.TEXT:  # what is typed or said next takes the place of it all
        d.text, d.category, d.voices = None, None, ()
        return S.TEXT
    if part is b.Part.CATEGORY:
        return S.CATEGORY_LIST
    if part is b.Part.WORKER:
        d.worker_type = None
        return S.WORKER
    if part is b.Part.LOCATION:
        # a station's place changed by hand: the case is about the place given now
        d.place, d.station_id = None, None
        return S.LOCATION
    d.forget_identity()
    return S.IDENTITY


async def typed_confirm(ctx: Ctx, d: SuggestionDraft, body: Text) -> Outcome:
    """ "提交" / "确认" / "好" submit; "取消" cancels."""
    text = clean_text(body.text)
    if matches(text, "words.confirm") or matches(text, "words.yes"):
        return await confirm(ctx, d, body)
    if matches(text, "words.cancel"):
        await cancel(ctx)
        return Flow.END
    return await _want_button(ctx, d)


async def interrupt_answer(ctx: Ctx, d: SuggestionDraft, button: b.Interrupt) -> Outcome:
    """Carry on with the suggestion, or leave it as a draft and do what was asked."""
    pending, d.pending = d.pending, None
    if button.stay:
        return next_step(d)
    await park(ctx, d)
    if pending is not None:  # now do what the worker asked for
        ctx.then = Press(b.encode(b.Menu(b.MenuItem(pending.command)))) if pending.menu else (
            Command(pending.command, pending.args))  # fmt: skip
    return Flow.END


async def _want_button(ctx: Ctx, d: SuggestionDraft) -> Outcome:
    return await _hint(ctx, d, "suggest.want_button")


async def _hint(ctx: Ctx, d: SuggestionDraft, key: str) -> Outcome:
    """The hint, then the step's question and buttons again."""
    ctx.say(ctx.t(key))
    return ctx.state(NAME) or next_step(d)


def _asker(step: S) -> Callable[[Ctx, SuggestionDraft], None]:
    def ask(ctx: Ctx, d: SuggestionDraft) -> None:
        ctx.say(*screens.prompt(step, d, _knowledge(ctx)))

    return ask


def _knowledge(ctx: Ctx) -> Any:
    return ctx.services.kb


WANT_BUTTON = "suggest.want_button"

# The conversation, step by step: the question, the answers it takes, the hint otherwise.
STEPS: dict[str, Step[SuggestionDraft]] = {
    S.TEXT: Step(_asker(S.TEXT), {Text: got_text, Photo: got_text, File: bad_file,
                                  Voice: got_voice}, "suggest.want_text", reask=False),
    S.MORE_TEXT: Step(_asker(S.MORE_TEXT), {Text: more_text, Photo: more_text, Voice: more_voice,
                                            b.Suggest: text_done}, WANT_BUTTON),
    S.CATEGORY: Step(_asker(S.CATEGORY), {b.PickCategory: got_category, Text: typed_category},
                     WANT_BUTTON),
    S.CATEGORY_LIST: Step(_asker(S.CATEGORY_LIST), {b.PickCategory: got_category,
                                                    Text: typed_category}, WANT_BUTTON),
    S.WORKER: Step(_asker(S.WORKER), {b.PickWorker: got_worker, Text: typed_worker},
                   WANT_BUTTON),
    S.LOCATION: Step(_asker(S.LOCATION), {Location: got_location, Text: got_place},
                     "suggest.want_location"),
    S.IDENTITY: Step(_asker(S.IDENTITY), {b.Suggest: got_identity, Text: typed_identity},
                     WANT_BUTTON),
    S.PHONE: Step(_asker(S.PHONE), {Contact: got_contact, Text: no_phone},
                  "suggest.own_contact", reask=False),
    S.CONFIRM: Step(_asker(S.CONFIRM), {b.Suggest: confirm, b.EditPart: edit_part,
                                        Text: typed_confirm}, WANT_BUTTON),
    S.INTERRUPTED: Step(_asker(S.INTERRUPTED), {b.Interrupt: interrupt_answer}, WANT_BUTTON),
}  # fmt: skip

# Which value buttons each step takes (a step's `b.Suggest` handler sees only these).
STEP_ACTS: dict[str, frozenset[b.SuggestAct]] = {
    S.MORE_TEXT: frozenset({b.SuggestAct.TEXT_DONE}),
    S.IDENTITY: frozenset({b.SuggestAct.ANONYMOUS, b.SuggestAct.NAMED}),
    S.CONFIRM: frozenset({b.SuggestAct.CONFIRM}),
}
CONFIRM_ACTS = {b.SuggestAct.EDIT: edit_menu, b.SuggestAct.BACK: back_to_summary}


# --- the conversation as a whole ----------------------------------------------------------

TABLE = StepTable(NAME, STEPS, CODEC)
SUGGEST_BUTTONS = (b.Suggest, b.PickWorker, b.PickCategory, b.EditPart, b.Interrupt)


def active(ctx: Ctx) -> str | None:
    """The step `ctx`'s person is at (None when no suggestion is going on)."""
    state = ctx.state(NAME)
    return state if state in ACTIVE else None


async def begin(ctx: Ctx, kind: Kind = Kind.SUGGESTION) -> None:
    """/suggest: carry on with a saved draft, or start one (within the daily cap)."""
    ctx.memory.station_report = None  # not from a station's button this time
    draft = await _draft(ctx)
    if draft is not None and draft.said:
        _ask_resume(ctx, draft)
        return
    await fresh(ctx, kind)


async def complain(ctx: Ctx) -> None:
    """/complain: a complaint takes the suggestion's steps; it has a longer time limit."""
    await begin(ctx, Kind.COMPLAINT)


async def intake(ctx: Ctx) -> WorkerType | None:
    """The kind of work remembered for a new case; UserFacingError when the worker has
    reached today's cap (the local day)."""
    services = ctx.services
    today = services.clock.now().astimezone(services.tz).date()
    since = datetime.combine(today, time.min, services.tz).astimezone(UTC).replace(tzinfo=None)
    count, worker = await ctx.db(suggestions.intake_start, ctx.who.user_id, since)
    limit = services.settings.suggestions_per_day
    if count >= limit:
        raise UserFacingError("suggest.daily_cap", limit=limit)
    return WorkerType.parse(worker)


async def fresh(
    ctx: Ctx, kind: Kind = Kind.SUGGESTION, text: str | None = None, station: Station | None = None
) -> None:
    """A new draft at its first question, or past it with a `text` already typed that will do;
    about `station` (its place filled in, so the location is not asked) when given."""
    try:
        worker = await intake(ctx)
    except UserFacingError as capped:
        ctx.say(ctx.t(capped.key, **capped.values))
        return
    draft = SuggestionDraft(lang=ctx.lang, worker_type=worker, kind=kind)
    if station is not None:
        draft.station_id = station.id
        draft.place = SharedPlace(station.lat, station.lon, station.name)
    if text and text_problem(text) is None:  # too short or long: asked for, as usual
        draft.text = text
        if len(text) < LONG_TEXT:  # a long one may go on, as when typed at the text step
            classify(ctx, draft)
        await TABLE.go(ctx, S.MORE_TEXT if len(text) >= LONG_TEXT else next_step(draft), draft)
        return
    await TABLE.go(ctx, S.TEXT, draft)


async def offered(ctx: Ctx, button: b.StartCase) -> None:
    """The one button offered after a typed "我想投诉 …" / "我要提建议": the draft starts with
    what was typed with it (kept in memory until now), or at its first question.

    A saved draft is offered first, as by /suggest (what was typed with the button is
    dropped then: the worker chose to look at the older one)."""
    if isinstance(ctx.event.body, Press):
        ctx.edit(None, None)
    text, ctx.memory.case_text = ctx.memory.case_text, None
    draft = await _draft(ctx)
    if draft is not None and draft.said:
        _ask_resume(ctx, draft)
        return
    await fresh(ctx, button.kind, text)


async def from_station(ctx: Ctx, button: b.StationReport) -> None:
    """反映这里的问题 under a station's start: a suggestion about that station. A saved
    draft is offered first, as by /suggest; starting again then makes it about the station.

    The station's buttons stay: the list around it and the question are still of use."""
    station = _station(ctx, button.station_id)
    draft = await _draft(ctx)
    if draft is not None and draft.said:
        ctx.memory.station_report = station.id if station is not None else None
        _ask_resume(ctx, draft)
        return
    await fresh(ctx, station=station)


def _station(ctx: Ctx, station_id: str | None) -> Station | None:
    """The station of that id in the stations file now (None: gone since, or no id)."""
    kb = ctx.services.kb
    return kb.station(station_id) if kb is not None and station_id else None


def _waiting_station(ctx: Ctx) -> Station | None:
    """The station a "反映这里的问题" left waiting for a choice between drafts (taken once)."""
    station_id, ctx.memory.station_report = ctx.memory.station_report, None
    return _station(ctx, station_id)


async def _draft(ctx: Ctx) -> SuggestionDraft | None:
    saved = await ctx.load(NAME)
    return CODEC.decode(saved[1]) if saved is not None else None


def _ask_resume(ctx: Ctx, d: SuggestionDraft) -> None:
    text = d.text or (voice_placeholder(d.voices, d.lang) if d.voices else "")
    preview = text if len(text) <= 60 else f"{text[:60]}…"
    ctx.say(ctx.t("suggest.resume_or_restart", text=preview), screens.resume_buttons(ctx.lang))


async def park(ctx: Ctx, d: SuggestionDraft) -> None:
    """Keep the draft for later; no suggestion is going on until /suggest."""
    await ctx.save(NAME, PARKED, CODEC.encode(d))
    ctx.say(ctx.t("suggest.parked"), RemoveKeys())


async def handle(ctx: Ctx, state: str) -> None:
    """An event from someone in the middle of a suggestion."""
    draft = await _draft(ctx)
    if draft is None:
        await lost(ctx)
        return
    body, button = ctx.event.body, ctx.button
    if _is_cancel(body, button):
        await cancel(ctx)
    elif isinstance(body, Command) and body.name == "help":
        await start.help_command(ctx)  # help keeps the step
    elif _is_suggest(body, button):
        if draft.said:
            _ask_resume(ctx, draft)
        else:  # nothing written yet: the first question again
            await show_again(ctx, state, draft)
    elif isinstance(button, b.Suggest) and button.act in (b.SuggestAct.RESUME,
                                                         b.SuggestAct.RESTART):  # fmt: skip
        await resume_or_restart(ctx, button.act, draft, state)
    elif isinstance(body, Command) or isinstance(button, b.Menu):
        await interrupt(ctx, draft, body, button)
    else:
        await step(ctx, state, draft)


async def step(ctx: Ctx, state: str, draft: SuggestionDraft) -> None:
    """The current step's answer, or what to say when the event is not one."""
    body, button = ctx.event.body, ctx.button
    if isinstance(button, b.Suggest):
        if state == S.CONFIRM and button.act in CONFIRM_ACTS:
            outcome = await CONFIRM_ACTS[button.act](ctx, draft, button)
            await TABLE.settle(ctx, outcome, draft, CODEC.encode(draft), state)
            return
        if button.act not in STEP_ACTS.get(state, frozenset()):
            await show_again(ctx, state, draft)
            return
    if await TABLE.run(ctx, state, draft):
        return
    if isinstance(body, Press):
        if isinstance(button, SUGGEST_BUTTONS):  # an earlier step's button
            await show_again(ctx, state, draft)
        else:
            ctx.toast(ctx.t("suggest.busy"), alert=True)
        return
    await TABLE.hint(ctx, state, draft)


async def show_again(ctx: Ctx, state: str, d: SuggestionDraft) -> None:
    """A button of an earlier step (its answer is already in): the current step again.

    After a crash the bot may have moved on (the draft is written first) without the
    worker ever seeing the next question; this puts it back in front of them.
    """
    await TABLE.go(ctx, state, d)


async def interrupt(ctx: Ctx, d: SuggestionDraft, body: object, button: object) -> None:
    """Another command mid-suggestion: ask once whether to carry on or leave it."""
    if isinstance(button, b.Menu):
        d.pending = Pending(button.item.value, menu=True)
    elif isinstance(body, Command):
        d.pending = Pending(body.name, body.args)
    await TABLE.go(ctx, S.INTERRUPTED, d)


async def resume_or_restart(
    ctx: Ctx, act: b.SuggestAct, d: SuggestionDraft, state: str | None
) -> None:
    """Carry on with a draft where it stopped, or drop it and start again."""
    ctx.edit(None, None)
    station = _waiting_station(ctx)
    if act is b.SuggestAct.RESTART:
        await ctx.drop(NAME)
        await fresh(ctx, station=station)
        return
    d.pending = None
    resume = state if state in ACTIVE and state != S.INTERRUPTED else next_step(d)
    await TABLE.go(ctx, str(resume), d)


async def parked_button(ctx: Ctx, act: b.SuggestAct) -> None:
    """Resume / restart pressed while no suggestion is going on."""
    draft = await _draft(ctx)
    if draft is None:
        if act is b.SuggestAct.RESTART:
            ctx.edit(None, None)
            await fresh(ctx, station=_waiting_station(ctx))
        else:
            await stale(ctx)
        return
    await resume_or_restart(ctx, act, draft, None)


async def lost(ctx: Ctx) -> None:
    """The draft is gone or unreadable: say so plainly and end."""
    await ctx.drop(NAME)
    ctx.say(ctx.t("suggest.restart_needed"), RemoveKeys())


async def stale(ctx: Ctx) -> None:
    """A suggestion button after its conversation ended: was it just submitted?

    The same update redelivered finds its suggestion; any other button of a conversation
    that ended in a submission a few minutes ago (pressed twice, or again after a restart)
    is told which suggestion that was, so nobody submits the same thing twice.
    """
    done = await ctx.db(suggestions.find_by_update, ctx.event.event_id)
    if done is None:
        since = (ctx.services.clock.now() - RECENT).astimezone(UTC).replace(tzinfo=None)
        done = await ctx.db(suggestions.latest_in_chat, ctx.who.chat_id, since)
    if done is not None:
        ctx.say(ctx.t("suggest.already", code=done.code))
    else:
        ctx.say(ctx.t("suggest.stale"), RemoveKeys())


async def cancel(ctx: Ctx) -> None:
    """Drop the draft; nothing is submitted."""
    if isinstance(ctx.event.body, Press):
        ctx.edit(None, None)
    await ctx.drop(NAME)
    ctx.say(ctx.t("suggest.cancelled"), RemoveKeys())
    ctx.say(ctx.t("menu.title"), main_menu(ctx.lang))


def _is_cancel(body: object, button: object) -> bool:
    if isinstance(body, Command):
        return body.name == "cancel"
    return isinstance(button, b.Suggest) and button.act is b.SuggestAct.CANCEL


def _is_suggest(body: object, button: object) -> bool:
    if isinstance(body, Command):
        return body.name == "suggest"
    return isinstance(button, b.Menu) and button.item is b.MenuItem.SUGGEST
