"""Answering a suggestion: a staff member writes, previews, sends; the worker is told.

Every way in ends in the same preview with the same send and cancel buttons: the 答复
button and `/answer CODE` ask for the text, `/answer CODE text` previews that text, and a
saved answer (a template) is previewed as a draft to send as it is or replace with an
edited version. Nothing reaches the worker before "send".

The answer is a conversation on the same machinery as a worker's suggestion: its draft is
in the database (it survives a restart), it ends after the same idle timeout, and the
prompt says what is going on ("you are answering NX-..., /cancel to stop"). Only what the
answer needs is taken here: other commands of the staff member work as usual meanwhile.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.catalog import esc
from bot.core.actions import AskReply, Button, Buttons
from bot.core.buttons import AnswerCancel, AnswerSend, AnswerTemplate, StaffAnswer, encode
from bot.core.context import Ctx
from bot.core.events import Command, Text
from bot.core.steps import Codec, Flow, Outcome, Step, StepTable
from bot.core.text import clean_text
from bot.storage import NotFound, outbox, staff, suggestions
from bot.storage.views import SuggestionView

logger = logging.getLogger(__name__)
NAME = "answer"
MAX_ANSWER = 2000
TEMPLATES_SHOWN = 8


class AnswerStep(StrEnum):
    WRITE = "write"
    PREVIEW = "preview"


@dataclass
class AnswerDraft:
    suggestion_id: int
    code: str
    lang: str  # the staff member's, for the time-out notice
    text: str | None = None


class AnswerCodec(Codec[AnswerDraft]):
    def encode(self, d: AnswerDraft) -> dict[str, Any]:
        return {"sid": d.suggestion_id, "code": d.code, "lang": d.lang, "text": d.text}

    def decode(self, data: Mapping[str, Any]) -> AnswerDraft | None:
        try:
            return AnswerDraft(int(data["sid"]), str(data.get("code") or ""),
                               str(data.get("lang") or "zh"), data.get("text"))  # fmt: skip
        except (KeyError, TypeError, ValueError):
            return None


CODEC = AnswerCodec()


def _prompt(ctx: Ctx, d: AnswerDraft) -> None:
    ctx.say(ctx.t("staff.answer_prompt", name=ctx.who.first_name, code=d.code), AskReply())


def _preview(ctx: Ctx, d: AnswerDraft) -> None:
    send = Button(ctx.t("staff.btn_send"), encode(AnswerSend(d.suggestion_id)))
    cancel = Button(ctx.t("staff.btn_cancel"), encode(AnswerCancel(d.suggestion_id)))
    ctx.say(
        ctx.t("staff.answer_preview", code=d.code, text=d.text or ""), Buttons(((send, cancel),))
    )


async def got_text(ctx: Ctx, d: AnswerDraft, body: Text) -> Outcome:
    """The staff member's text is the answer: preview it."""
    text = clean_text(body.text)
    if len(text) > MAX_ANSWER:
        ctx.say(ctx.t("staff.answer_too_long", count=len(text), limit=MAX_ANSWER))
        return Flow.STAY
    if not text:
        return Flow.STAY
    d.text = text
    return AnswerStep.PREVIEW


async def use_template(ctx: Ctx, d: AnswerDraft, button: AnswerTemplate) -> Outcome:
    if button.suggestion_id != d.suggestion_id:
        return Flow.STAY
    text = await ctx.db(staff.text, button.template_id)
    if not text:
        return Flow.STAY
    d.text = text
    return AnswerStep.PREVIEW


async def send(ctx: Ctx, d: AnswerDraft, button: AnswerSend) -> Outcome:
    """Store the answer, deliver it, and say whether the worker got it."""
    if button.suggestion_id != d.suggestion_id:
        return Flow.STAY
    ctx.edit(None, None)
    await ctx.drop(NAME)
    if not d.text:
        ctx.say(ctx.t("staff.answer_cancelled"))
        return Flow.END
    try:
        s = await deliver_answer(ctx, d.suggestion_id, d.text)
    except NotFound:
        ctx.say(ctx.t("staff.not_found", code=d.code))
        return Flow.END
    await report(ctx, s)
    return Flow.END


async def cancel(ctx: Ctx, d: AnswerDraft, button: AnswerCancel) -> Outcome:
    if button.suggestion_id != d.suggestion_id:
        return Flow.STAY
    ctx.edit(None, None)
    await ctx.drop(NAME)
    ctx.say(ctx.t("staff.answer_cancelled"))
    return Flow.END


STEPS: dict[str, Step[AnswerDraft]] = {
    AnswerStep.WRITE: Step(_prompt, {Text: got_text, AnswerTemplate: use_template,
                                     AnswerSend: send, AnswerCancel: cancel}, "staff.answer_usage"),
    AnswerStep.PREVIEW: Step(_preview, {Text: got_text, AnswerTemplate: use_template,
                                        AnswerSend: send, AnswerCancel: cancel},
                             "staff.answer_usage"),
}  # fmt: skip
TABLE = StepTable(NAME, STEPS, CODEC)


def active(ctx: Ctx) -> str | None:
    return ctx.state(NAME)


async def handle(ctx: Ctx, state: str) -> bool:
    """An event from a staff member in the middle of an answer; False lets it through."""
    if state not in STEPS:  # a draft of the version before this one ("answer")
        state = AnswerStep.WRITE
    body = ctx.event.body
    is_cancel = isinstance(body, Command) and body.name == "cancel"
    takes = TABLE.handler(ctx, state) is not None
    if not (is_cancel or takes):
        return False
    if not await ctx.is_staff():  # the role may have been taken away meanwhile
        await ctx.drop(NAME)
        return False
    saved = await ctx.load(NAME)
    draft = CODEC.decode(saved[1]) if saved is not None else None
    if draft is None:
        await ctx.drop(NAME)
        return False
    if is_cancel:
        await ctx.drop(NAME)
        ctx.say(ctx.t("staff.answer_cancelled"))
        return True
    return await TABLE.run(ctx, state, draft)


async def start_answer(ctx: Ctx, button: StaffAnswer) -> None:
    """The 答复 button: ask this staff member for the answer text."""
    s = await ctx.db(suggestions.by_id, button.suggestion_id)
    if s is not None:
        await begin(ctx, s)


async def begin(ctx: Ctx, s: SuggestionView, text: str | None = None) -> None:
    """Start an answer to `s` (in place of any this staff member was writing in this chat):
    ask for the text and offer the templates, or, with `text`, go straight to its preview.
    Nothing reaches the worker before "send"."""
    draft = AnswerDraft(s.id, s.code, ctx.lang.value, text)
    if text:
        await TABLE.go(ctx, AnswerStep.PREVIEW, draft)
        return
    await TABLE.go(ctx, AnswerStep.WRITE, draft)
    templates = await ctx.db(staff.list)
    if templates:
        rows = [(Button(f"📋 {name}", encode(AnswerTemplate(s.id, tid))),)
                for tid, name, _ in templates[:TEMPLATES_SHOWN]]  # fmt: skip
        ctx.say(ctx.t("staff.answer_templates"), Buttons(tuple(rows)))


async def deliver_answer(ctx: Ctx, suggestion_id: int, text: str) -> SuggestionView:
    """Store the answer and deliver it now (the staff member hears how that went)."""
    s = await ctx.db(suggestions.answer, suggestion_id, text, ctx.who.user_id,
                     report_to=ctx.who.chat_id, now=ctx.now())  # fmt: skip
    logger.info("staff %s answered %s", ctx.who.user_id, s.code)
    if ctx.services.outbox is not None:
        await ctx.services.outbox.flush()
    return s


async def report(ctx: Ctx, s: SuggestionView) -> None:
    """Tell the staff member whether the worker got the answer: sent, to be tried again
    (they will hear when it arrives), or not deliverable."""
    if s.chat_id is None:
        ctx.say(ctx.t("staff.answer_stored"))
        return
    state = await ctx.db(outbox.state_of, s.id, "answer")
    if state == "sent":
        ctx.say(ctx.t("staff.answer_sent", code=s.code))
    elif state == "pending":
        ctx.say(ctx.t("staff.answer_queued", code=s.code))
    else:
        failures = await ctx.db(suggestions.delivery_failures, s.id)
        error = failures[-1][1] if failures else ""
        ctx.say(ctx.t("staff.answer_undelivered", code=s.code, error=error))


async def answer_command(ctx: Ctx, args: str) -> None:
    """/answer CODE text: the preview of that answer, with the same send and cancel buttons
    as the 答复 button's; /answer CODE: the 答复 button's prompt."""
    parts = args.split(maxsplit=1)
    if not parts:
        ctx.say(ctx.t("staff.answer_usage"))
        return
    code, text = parts[0], clean_text(parts[1]) if len(parts) > 1 else ""
    if len(text) > MAX_ANSWER:
        ctx.say(ctx.t("staff.answer_too_long", count=len(text), limit=MAX_ANSWER))
        return
    s = await ctx.db(suggestions.get, code)
    if s is None:
        ctx.say(ctx.t("staff.not_found", code=code))
        return
    await begin(ctx, s, text or None)


async def templates_command(ctx: Ctx) -> None:
    """/templates: the saved answers."""
    rows = await ctx.db(staff.list)
    if not rows:
        ctx.say(ctx.t("staff.templates_empty"))
        return
    lines = [ctx.t("staff.templates_list")]
    lines += [f"#{tid} <b>{esc(name)}</b>\n{esc(text)}" for tid, name, text in rows]
    ctx.say("\n\n".join(lines))


async def template_command(ctx: Ctx, args: str) -> None:
    """/template NAME | TEXT: save (or replace) an answer to reuse."""
    name, bar, text = (clean_text(x) for x in args.partition("|"))
    if not bar or not name or not text or len(name) > 64 or len(text) > MAX_ANSWER:
        ctx.say(ctx.t("staff.template_usage"))
        return
    tid = await ctx.db(staff.add, name, text, ctx.who.user_id, now=ctx.now())
    ctx.say(ctx.t("staff.template_saved", id=tid))


async def template_delete(ctx: Ctx, args: list[str]) -> None:
    """/template_del ID."""
    if len(args) != 1 or not args[0].lstrip("#").isdigit() or len(args[0]) > 19:
        ctx.say(ctx.t("staff.template_usage"))
        return
    done = await ctx.db(staff.delete, int(args[0].lstrip("#")))
    ctx.say(ctx.t("staff.template_deleted" if done else "staff.template_usage"))
