"""Typed text that is not a question: a greeting, thanks, a goodbye, a complaint, a suggestion,
a report, a request for stations or for a person (the phrases are in intents.yaml)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.core.actions import Button, Buttons
from bot.core.buttons import FaqPass, StartCase, encode
from bot.core.context import Ctx
from bot.core.features import stations
from bot.core.features.faq import knowledge
from bot.core.menu import main_menu
from bot.core.text import content_size, matches
from bot.domain import Kind
from knowledge.intents import Found, Intent

# What a suggestion's text may be (suggest.flow.MIN_CONTENT, MAX_TEXT): anything else typed
# with the phrase is not kept, and the text step asks for it as usual.
MIN_CASE_TEXT = 4
MAX_CASE_TEXT = 3000
PREVIEW = 60  # characters of the typed text shown back with the offer

# A short friendly line, then the main menu.
SOCIAL = {Intent.GREETING: "intent.greeting", Intent.THANKS: "intent.thanks",
          Intent.GOODBYE: "intent.goodbye"}  # fmt: skip
# What each wants to tell the city becomes: the case kind, the offer, its button.
CASES = {
    Intent.COMPLAIN: (Kind.COMPLAINT, "intent.complain", "intent.complain_button"),
    Intent.SUGGEST: (Kind.SUGGESTION, "intent.suggest", "intent.suggest_button"),
    Intent.REPORT: (Kind.SUGGESTION, "intent.report", "intent.report_button"),
}


async def reply(ctx: Ctx, text: str) -> bool:
    """Answer ``text`` when it is one of the intents; False leaves it to stations and the FAQ.

    "是" / "不用" right after the offer to ask staff answer that offer (the FAQ's), even
    though "好的" is also thanks.
    """
    if ctx.memory.question is not None and (matches(text, "words.yes")
                                            or matches(text, "words.no")):  # fmt: skip
        return False
    found = knowledge(ctx).intents.detect(text)
    if found is None:
        return False
    await HANDLERS[found.intent](ctx, found)
    return True


async def social(ctx: Ctx, found: Found) -> None:
    ctx.say(ctx.t(SOCIAL[found.intent]), main_menu(ctx.lang))


async def offer_case(ctx: Ctx, found: Found) -> None:
    """One button that starts the suggestion (or complaint); what came with the phrase waits
    in memory to become its text, like an unanswered question waits for staff."""
    kind, offer, button = CASES[found.intent]
    fits = content_size(found.content) >= MIN_CASE_TEXT and len(found.content) <= MAX_CASE_TEXT
    text = found.content if fits else None
    ctx.memory.case_text = text
    start = Buttons(((Button(ctx.t(button), encode(StartCase(kind))),),))
    if text is None:
        ctx.say(ctx.t(offer), start)
        return
    preview = text if len(text) <= PREVIEW else f"{text[:PREVIEW]}…"
    ctx.say(ctx.t("intent.with_text", text=preview), start)


async def find_stations(ctx: Ctx, found: Found) -> None:
    """A request like "附近驿站" without a place: ask for a location or a district."""
    await stations.stations_command(ctx)


async def person(ctx: Ctx, found: Found) -> None:
    """Pass the question the FAQ could not answer on to staff; without one, ask for it."""
    question = ctx.memory.question
    if question is None:
        ctx.say(ctx.t("intent.person_ask"))
        return
    preview = question if len(question) <= PREVIEW else f"{question[:PREVIEW]}…"
    yes = Button(ctx.t("ask.pass_yes"), encode(FaqPass(yes=True)))
    no = Button(ctx.t("ask.pass_no"), encode(FaqPass(yes=False)))
    ctx.say(ctx.t("intent.person_pass", question=preview), Buttons(((yes, no),)))


HANDLERS: dict[Intent, Callable[[Ctx, Found], Awaitable[None]]] = {
    Intent.GREETING: social,
    Intent.THANKS: social,
    Intent.GOODBYE: social,
    Intent.COMPLAIN: offer_case,
    Intent.SUGGEST: offer_case,
    Intent.REPORT: offer_case,
    Intent.STATIONS: find_stations,
    Intent.PERSON: person,
}
