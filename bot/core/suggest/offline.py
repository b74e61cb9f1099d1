"""A suggestion written with no signal, sent in one go when the connection came back (the
web chat's offline drafts).

The rider answered none of the conversation's questions, so the case takes what a rider
who skips them would get: anonymous, the classifier's category (left to staff when it is
unsure), the kind of work remembered from their last case, the position the page had (or
none). It is stored once per request id (the page retries until it hears back), and the
receipt is said at once, in the same answer."""

from __future__ import annotations

from bot.core.cases import open_case
from bot.core.context import Ctx
from bot.core.errors import UserFacingError
from bot.core.events import Attachment
from bot.core.notices import receipt
from bot.core.places import on_earth
from bot.core.suggest.draft import (
    Chosen,
    NoPlace,
    SharedPlace,
    SuggestionDraft,
    suggestion_fields,
)
from bot.core.suggest.flow import MAX_PHOTOS, classify, intake, text_problem
from bot.core.text import clean_text


async def submit(
    ctx: Ctx, text: str, photos: tuple[Attachment, ...], where: tuple[float, float] | None
) -> str:
    """Open the case; its receipt goes into `ctx.out`. Returns the case's code. Raises
    UserFacingError (the same texts as the conversation) for text that cannot be a case."""
    text = clean_text(text)
    problem = text_problem(text)
    if problem is not None:
        raise UserFacingError(problem[0], **problem[1])
    d = SuggestionDraft(lang=ctx.lang, text=text, photos=photos[:MAX_PHOTOS],
                        worker_type=await intake(ctx), anonymous=True)  # fmt: skip
    classify(ctx, d)
    confident = d.guess is not None and d.guess.confident and d.guess.ranked
    d.category = Chosen(d.guess.ranked[0][0] if confident and d.guess else None)
    d.place = SharedPlace(*where) if where is not None and on_earth(*where) else NoPlace()
    view = await open_case(ctx, d.kind, suggestion_fields(d), receipt=False)
    ctx.out.extend(receipt(view, {}))
    return view.code
