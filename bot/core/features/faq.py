"""Questions: free text and /ask go to the FAQ; emergencies first; unknown ones to staff."""

from __future__ import annotations

import logging

from bot.catalog import esc, label
from bot.core.actions import Button, Buttons
from bot.core.buttons import FaqEntry, FaqPass, PolicyLink, StationView, encode
from bot.core.cases import open_case
from bot.core.context import Ctx
from bot.core.dates import due_text
from bot.core.text import clean_text, matches
from bot.domain import Kind
from knowledge import EMERGENCIES, KnowledgeBase, emergency_kind
from knowledge.faq import is_english

logger = logging.getLogger(__name__)
MAX_QUESTION = 500
STAFF_LANG = "zh"


def knowledge(ctx: Ctx) -> KnowledgeBase:
    kb = ctx.services.kb
    assert kb is not None, "the knowledge base is loaded at start-up"
    return kb


def emergency_text(ctx: Ctx, kind: str) -> str:
    """The emergency numbers, said before anything else."""
    numbers = " / ".join(EMERGENCIES[kind].numbers)
    return ctx.t("ask.emergency", what=label("emergency", kind, ctx.lang), numbers=numbers)


def _links(kb: KnowledgeBase, entry: object, lang: str) -> Buttons | None:
    rows = [(Button(f"📜 {p.title_in(lang)}", encode(PolicyLink(p.id))),)
            for pid in getattr(entry, "policies", ()) if (p := kb.policy(pid))]  # fmt: skip
    rows += [(Button(f"📍 {s.name}", encode(StationView(s.id))),)
             for sid in getattr(entry, "stations", ()) if (s := kb.station(sid))]  # fmt: skip
    return Buttons(tuple(rows[:4])) if rows else None


async def answer_question(ctx: Ctx, text: str) -> None:
    """Emergency numbers first, then a direct answer, three choices, or an offer to ask staff."""
    kind = emergency_kind(text)
    if kind is not None:
        ctx.say(emergency_text(ctx, kind))
    kb = knowledge(ctx)
    answer = kb.ask(text)
    # A question typed in English is answered in English whatever the chosen language.
    lang = "en" if is_english(text) else ctx.lang
    if answer.kind == "direct" and answer.entry is not None:
        ctx.say(esc(answer.entry.answer_in(lang)), _links(kb, answer.entry, lang))
        return
    ctx.memory.question = text[:MAX_QUESTION]
    if answer.kind == "choices":
        rows = [(Button(hit.entry.title(lang), encode(FaqEntry(hit.entry.id))),)
                for hit in answer.hits[:3]]  # fmt: skip
        rows.append((Button(ctx.t("ask.none_of_these"), encode(FaqPass(yes=True))),))
        ctx.say(ctx.t("ask.choices"), Buttons(tuple(rows)))
        return
    if kind is None or answer.kind == "unknown":
        yes = Button(ctx.t("ask.pass_yes"), encode(FaqPass(yes=True)))
        no = Button(ctx.t("ask.pass_no"), encode(FaqPass(yes=False)))
        ctx.say(ctx.t("ask.unknown"), Buttons(((yes, no),)))


async def ask_command(ctx: Ctx, args: str = "") -> None:
    """/ask QUESTION (or the menu button): answer from the FAQ."""
    text = clean_text(args)
    if not text:
        ctx.say(ctx.t("ask.prompt"))
        return
    await answer_question(ctx, text)


async def typed_question(ctx: Ctx, text: str) -> None:
    """Text outside any conversation in a private chat: "是" / "不用" after the offer to
    ask staff answer it; otherwise it is a question for the FAQ."""
    if ctx.memory.question is not None:
        if matches(text, "words.yes"):
            await pass_on(ctx, FaqPass(yes=True))
            return
        if matches(text, "words.no"):
            await pass_on(ctx, FaqPass(yes=False))
            return
    await answer_question(ctx, text)


async def faq_entry(ctx: Ctx, button: FaqEntry) -> None:
    """A chosen FAQ entry."""
    kb = knowledge(ctx)
    entry = kb.faq_entry(button.entry_id)
    if entry is None:
        ctx.say(ctx.t("ask.expired"))
        return
    ctx.say(esc(entry.answer_in(ctx.lang)), _links(kb, entry, ctx.lang))


async def pass_on(ctx: Ctx, button: FaqPass) -> None:
    """Pass the unanswered question on to staff (or not)."""
    if ctx.button is not None:
        ctx.edit(None, None)
    question, ctx.memory.question = ctx.memory.question, None
    if not button.yes:
        ctx.say(ctx.t("ask.not_passed"))
        return
    if question is None:
        ctx.say(ctx.t("ask.expired"))
        return
    case = await open_case(ctx, Kind.QUESTION, question_fields(ctx, question), receipt=False)
    ctx.say(ctx.t("ask.passed", code=case.code, due=due_text(case.due_on, ctx.lang)))


def question_fields(ctx: Ctx, question: str) -> dict[str, object]:
    """A question as a case: anonymous, in the worker's language, with the model's category
    (for routing; an unsure guess leaves it to staff)."""
    fields: dict[str, object] = {"text": question, "language": ctx.lang.value, "anonymous": True}
    model = ctx.services.classifier
    if model is not None:
        guess = model.predict(question)
        fields.update(predicted_category=guess.category, confidence=round(guess.confidence, 4),
                      category=None if guess.needs_review else guess.category,
                      needs_review=guess.needs_review)  # fmt: skip
    return fields
