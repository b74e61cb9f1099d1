"""What the end-to-end tests share: catalog texts as patterns, receipt codes, a PNG, and
walking a worker through a suggestion.

Tests name what the bot should say by its catalog key, never by pasted copy:

    await worker.expect_next(said("suggest.ask_text"))
    receipt = await worker.expect_next(said("suggest.receipt"))   # {code} matches anything
    await worker.expect_next(said("suggest.daily_cap", limit=2))  # or exactly this value

so a change of wording changes no test, and a missing or extra reply fails at once.
"""

from __future__ import annotations

import re
from functools import cache

from bot.catalog import catalog, esc
from standin import BotMessage, FakeUser
from standin.faults import parse_html

CODE = re.compile(r"N[XQ]-\d{8}-\d{4,}")
# The smallest valid PNG (1x1 pixel).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f6d6ef0000000049454e44ae426082"
)
_FIELD = re.compile(r"\{(\w+)\}")
_HOLE = "\ue000{}\ue001"  # private-use characters: never in a template, kept by parse_html


def said(key: str, lang: str = "zh", **values: object) -> re.Pattern[str]:
    """A pattern for the visible text of catalog `key`: given values must appear as they
    are; any other placeholder matches anything. Plural texts match any of their forms
    (or the one `count` selects)."""
    forms = catalog().forms(key, lang)
    if "count" in values and len(forms) > 1:
        forms = {"other": catalog().template(key, lang, values["count"])}
    return re.compile("|".join(_pattern(form, values) for form in forms.values()), re.S)


@cache
def _hole(index: int) -> str:
    return _HOLE.format(index)


def _pattern(template: str, values: dict[str, object]) -> str:
    holes: list[str] = []

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in values:
            return esc(values[name])
        holes.append(name)
        return _hole(len(holes) - 1)

    visible, _ = parse_html(_FIELD.sub(fill, template))
    pattern = re.escape(visible)
    for index in range(len(holes)):
        pattern = pattern.replace(re.escape(_hole(index)), "(?:.*?)")
    return pattern


def code_of(message: BotMessage) -> str:
    """The receipt code (NX-YYYYMMDD-NNNN) a message shows."""
    found = CODE.search(message.content)
    assert found is not None, f"no receipt code in {message}"
    return found.group(0)


async def past_category(worker: FakeUser) -> BotMessage:
    """After a suggestion's text: answer the category question the bot asks (yes to a sure
    guess; "leave it to staff" for an unsure one) and return the next message."""
    question = await worker.expect_next(CATEGORY_QUESTION)
    if said("suggest.ask_category").search(question.content):
        await worker.press(data="sg:c:yes")
    else:
        await worker.press(data="sg:c:unsure")
    return await worker.reply()


_SURE, _UNSURE = said("suggest.ask_category").pattern, said("suggest.ask_category_unsure").pattern
CATEGORY_QUESTION = re.compile(f"(?:{_SURE})|(?:{_UNSURE})", re.S)


async def at_text_step(worker: FakeUser) -> None:
    """/suggest, up to the question for the text."""
    await worker.send_text("/suggest")
    await worker.expect_next(said("suggest.ask_text"))


async def to_location(
    worker: FakeUser, text: str = "司机之家晚上十点就关门，夜班没地方歇", worker_type: str = "rider"
) -> None:
    """/suggest, the text, the category question answered, the kind of work picked (when
    asked): up to the question for the place."""
    await at_text_step(worker)
    await worker.send_text(text)
    await past_text(worker, worker_type)


async def past_text(worker: FakeUser, worker_type: str = "rider") -> None:
    """After the text: the category answered and the kind of work (when asked), up to the
    question for the place."""
    message = await past_category(worker)
    if said("suggest.ask_worker").search(message.content):
        await worker.press(data=f"sg:w:{worker_type}")
        message = await worker.reply()
    assert said("suggest.ask_location").search(message.content), message


async def walk_to_summary(
    worker: FakeUser,
    text: str = "站长天天罚款，超时一分钟扣五十",
    *,
    anonymous: bool = True,
    worker_type: str = "rider",
) -> BotMessage:
    """Drive a worker from /suggest to the summary: the category question answered, the
    kind of work picked (when asked), the place skipped."""
    await to_location(worker, text, worker_type)
    await worker.send_text("跳过")
    await worker.expect_next(said("suggest.ask_identity"))
    await worker.press(data="sg:anon" if anonymous else "sg:named")
    if not anonymous:
        await worker.expect_next(said("suggest.ask_phone"))
        await worker.send_text("不留电话")
    return await worker.expect_next(said("suggest.summary"))


async def submit(
    worker: FakeUser, text: str = "驿站晚上九点就关门，夜班骑手没地方歇", *, anonymous: bool = True
) -> str:
    """A whole suggestion, confirmed; the receipt code."""
    await walk_to_summary(worker, text, anonymous=anonymous)
    await worker.press(data="sg:confirm")
    return code_of(await worker.expect_next(said("suggest.receipt")))
