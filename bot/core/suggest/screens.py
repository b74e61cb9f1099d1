"""What the suggestion conversation shows: each step's question and buttons, the summary."""

from __future__ import annotations

from bot.catalog import esc, label, t, t_html
from bot.core.actions import Button, Buttons, Key, Keys, Markup, RemoveKeys, Request
from bot.core.buttons import (
    ButtonData,
    CategoryAct,
    EditPart,
    Interrupt,
    Part,
    PickCategory,
    PickWorker,
    Suggest,
    SuggestAct,
    encode,
)
from bot.core.notices import voice_placeholder
from bot.core.places import describe_location
from bot.core.suggest.draft import (
    NoPlace,
    SharedPlace,
    Step,
    SuggestionDraft,
    TypedPlace,
)
from bot.domain import WorkerType, category_ids
from knowledge import KnowledgeBase

TOP_GUESSES = 3  # categories offered when the model is unsure


def _button(text: str, data: ButtonData) -> Button:
    return Button(text, encode(data))


def worker_buttons(lang: str) -> Buttons:
    """One button per kind of work, two to a row."""
    return Buttons.grid(
        [_button(label("worker_type", w, lang), PickWorker(w)) for w in WorkerType], 2
    )


def category_buttons(lang: str, ids: tuple[str, ...] | list[str], more: bool = False) -> Buttons:
    """Categories two to a row, then "all categories" (`more`) and "not sure"."""
    rows = [_button(label("category", c, lang), PickCategory(c)) for c in ids]
    grid = list(Buttons.grid(rows, 2).rows)
    if more:
        grid.append((_button(t("suggest.category_all", lang), PickCategory(CategoryAct.LIST)),))
    grid.append((_button(t("suggest.category_unsure", lang), PickCategory(CategoryAct.UNSURE)),))
    return Buttons(tuple(grid))


def prompt(step: Step, d: SuggestionDraft, kb: KnowledgeBase | None) -> tuple[str, Markup | None]:
    """The question of `step` and its keyboard (only that step's is built)."""
    lang = d.lang
    if step is Step.TEXT:
        return t("suggest.ask_text", lang), RemoveKeys()
    if step is Step.MORE_TEXT:
        done = _button(t("suggest.text_done", lang), Suggest(SuggestAct.TEXT_DONE))
        if d.text is None:  # told by voice so far
            seconds = sum(v.seconds for v in d.voices)
            return t("voice.ask_more", lang, seconds=seconds), Buttons(((done,),))
        return t("suggest.ask_more", lang, count=len(d.text or "")), Buttons(((done,),))
    if step is Step.CATEGORY:
        return category_question(d)
    if step is Step.CATEGORY_LIST:
        return t("suggest.pick_category", lang), category_buttons(lang, category_ids())
    if step is Step.WORKER:
        return t("suggest.ask_worker", lang), worker_buttons(lang)
    if step is Step.LOCATION:
        share = Key(t("suggest.location_button", lang), Request.LOCATION)
        return t("suggest.ask_location", lang), Keys(((share,), (Key(t("suggest.skip", lang)),)))
    if step is Step.IDENTITY:
        anonymous = _button(t("suggest.anonymous", lang), Suggest(SuggestAct.ANONYMOUS))
        named = _button(t("suggest.named", lang), Suggest(SuggestAct.NAMED))
        return t("suggest.ask_identity", lang), Buttons(((anonymous,), (named,)))
    if step is Step.PHONE:
        share = Key(t("suggest.phone_button", lang), Request.CONTACT)
        return t("suggest.ask_phone", lang), Keys(((share,), (Key(t("suggest.no_phone", lang)),)))
    if step is Step.INTERRUPTED:
        stay = _button(t("suggest.stay", lang), Interrupt(stay=True))
        leave = _button(t("suggest.leave", lang), Interrupt(stay=False))
        return t("suggest.interrupted", lang), Buttons(((stay,), (leave,)))
    return summary(d, kb), confirm_buttons(lang)


def category_question(d: SuggestionDraft) -> tuple[str, Buttons]:
    """A sure guess is put as yes/no; an unsure one offers the top few categories."""
    lang, guess = d.lang, d.guess
    if guess is not None and guess.confident:
        yes = _button(t("suggest.category_yes", lang), PickCategory(CategoryAct.YES))
        other = _button(t("suggest.category_other", lang), PickCategory(CategoryAct.LIST))
        name = label("category", guess.category, lang)
        return t("suggest.ask_category", lang, name=name), Buttons(((yes,), (other,)))
    top = [c for c, _ in (guess.ranked if guess else ())][:TOP_GUESSES]
    return t("suggest.ask_category_unsure", lang), category_buttons(lang, top, more=True)


def confirm_buttons(lang: str) -> Buttons:
    confirm = _button(t("suggest.confirm", lang), Suggest(SuggestAct.CONFIRM))
    edit = _button(t("suggest.edit", lang), Suggest(SuggestAct.EDIT))
    cancel = _button(t("suggest.cancel", lang), Suggest(SuggestAct.CANCEL))
    return Buttons(((confirm,), (edit, cancel)))


def edit_buttons(lang: str) -> Buttons:
    """Which part of the draft to change."""
    rows = [(_button(t(f"suggest.edit_{part.value}", lang), EditPart(part)),) for part in Part]
    rows.append((_button(t("suggest.back", lang), Suggest(SuggestAct.BACK)),))
    return Buttons(tuple(rows))


def resume_buttons(lang: str) -> Buttons:
    resume = _button(t("suggest.resume", lang), Suggest(SuggestAct.RESUME))
    restart = _button(t("suggest.restart", lang), Suggest(SuggestAct.RESTART))
    return Buttons(((resume,), (restart,)))


def category_text(d: SuggestionDraft) -> str:
    chosen = d.category.category if d.category else None
    if not chosen:
        return t("suggest.category_review", d.lang)
    return esc(label("category", chosen, d.lang))


def place_text(d: SuggestionDraft, kb: KnowledgeBase | None) -> str:
    """The place as the worker gave it; a shared location as its district and landmark."""
    place, lang = d.place, d.lang
    station = kb.station(d.station_id) if kb is not None and d.station_id else None
    if kb is not None and station is not None:  # from a station's poster: it says it all
        district = kb.districts.title(station.district, lang)
        return f"{esc(station.title(lang))} · {esc(district)}"
    if isinstance(place, TypedPlace):
        return esc(place.text)
    if isinstance(place, SharedPlace):
        where = describe_location(place.latitude, place.longitude, kb, lang)  # HTML already
        return f"{esc(place.venue)} · {where}" if place.venue else where
    if isinstance(place, NoPlace) or place is None:
        return t("suggest.no_place", lang)
    raise AssertionError(place)


def identity_text(d: SuggestionDraft) -> str:
    if d.anonymous is not False:
        return t("suggest.identity_anonymous", d.lang)
    number = d.phone.number if d.phone else None
    phone = f" · {number}" if number else ""
    return t("suggest.identity_named", d.lang, name=d.name or "", phone=phone)


def worker_text(d: SuggestionDraft) -> str:
    if d.worker_type is None:
        return t("suggest.no_place", d.lang)
    return label("worker_type", d.worker_type, d.lang)


def summary(d: SuggestionDraft, kb: KnowledgeBase | None) -> str:
    """The confirmation screen (HTML, the worker's values escaped)."""
    lang = d.lang
    photos = t("suggest.summary_photos", lang, count=len(d.photos)) if d.photos else ""
    photos += "".join(t("suggest.summary_voice", lang, seconds=v.seconds) for v in d.voices)
    text = d.text if d.text is not None else voice_placeholder(d.voices, lang)
    return t_html(
        "suggest.summary", lang, text=esc(text), category=category_text(d),
        worker=esc(worker_text(d)), place=place_text(d, kb), identity=identity_text(d),
        photos=photos,
    )  # fmt: skip
