"""/my: a worker's own cases (suggestions, complaints, questions), newest first, five to a
page, with their deadlines, answers and a way to rate them."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

from bot.catalog import esc, label, t, t_html
from bot.core.actions import Button, Buttons
from bot.core.buttons import FollowUp, MyPage, encode
from bot.core.context import Ctx
from bot.core.dates import due_text
from bot.domain import CLOSED
from bot.storage import suggestions
from bot.storage.views import Page, SuggestionView

PAGE_SIZE = 5
PREVIEW = 80


def to_local(naive_utc: datetime, tz: tzinfo) -> datetime:
    """A stored (naive UTC) time in the bot's time zone."""
    return naive_utc.replace(tzinfo=UTC).astimezone(tz)


def _item(s: SuggestionView, lang: str, tz: tzinfo) -> str:
    text = s.text if len(s.text) <= PREVIEW else s.text[:PREVIEW] + "…"
    line = t_html(
        "my.item", lang, code=esc(s.code), date=f"{to_local(s.created_at, tz):%Y-%m-%d}",
        status=esc(label("status", s.status, lang)), text=esc(text),
    )  # fmt: skip
    if s.kind != "suggestion":
        line = f"{label('kind', s.kind, lang)} · {line}"
    if s.answer:
        line += "\n" + t("my.answer", lang, answer=s.answer)
        if s.rating:
            line += "\n" + t("my.rated", lang, rating=label("rating", s.rating, lang))
    elif s.due_on is not None and s.status not in CLOSED:
        line += "\n" + t("my.due", lang, due=due_text(s.due_on, lang))
    return line


def render_page(page: Page, lang: str, tz: tzinfo) -> tuple[str, Buttons | None]:
    """The text and the buttons of one page of /my."""
    if page.total == 0:
        return t("my.empty", lang), None
    parts = [t("my.header", lang, total=page.total)]
    parts += [_item(s, lang, tz) for s in page.items]
    pages = (page.total + page.limit - 1) // page.limit
    number = page.offset // page.limit + 1
    if pages > 1:
        parts.append(t("my.page", lang, page=number, pages=pages))
    rows: list[tuple[Button, ...]] = [
        (Button(t("my.rate", lang, code=s.code), encode(FollowUp(s.id))),)
        for s in page.items
        if s.answer and s.rating is None and s.status in CLOSED
    ]
    nav = []
    if page.offset > 0:
        nav.append(Button(t("my.prev", lang), encode(MyPage(number - 2))))
    if page.has_next:
        nav.append(Button(t("my.next", lang), encode(MyPage(number))))
    if nav:
        rows.append(tuple(nav))
    return "\n\n".join(parts), Buttons(tuple(rows)) if rows else None


async def _page(ctx: Ctx, number: int) -> tuple[str, Buttons | None]:
    page = await ctx.db(suggestions.user_page, ctx.who.user_id, offset=number * PAGE_SIZE,
                        limit=PAGE_SIZE)  # fmt: skip
    return render_page(page, ctx.lang, ctx.services.tz)


async def my_command(ctx: Ctx) -> None:
    """The worker's suggestions (first page)."""
    text, markup = await _page(ctx, 0)
    ctx.say(text, markup)


async def my_page(ctx: Ctx, button: MyPage) -> None:
    """Another page, in place."""
    text, markup = await _page(ctx, button.page)
    ctx.edit(text, markup)
