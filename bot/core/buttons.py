"""Every button the bot shows, as a typed value, and the one codec for their data.

    data = encode(FollowUp(42))        # "fu:42": what the button carries (<= 64 bytes)
    decode("fu:42")                    # FollowUp(suggestion_id=42)
    decode("fu:99999999999999999999")  # None: out of range, like any forged or stale data

Keyboards are built from these values and handlers dispatch on their types, so no other
module builds or parses button data. `decode` never raises: unknown, stale, forged or
oversized data gives None, and the bot says the button is out of date. The strings are the
ones earlier versions used, so buttons already in people's chats keep working.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, Generic, TypeVar, cast

from bot.domain import Kind, Rating, Status, WorkerType, is_category

MAX_BYTES = 64  # Telegram's limit for callback data
MAX_ID = 2**63 - 1  # database ids are 64-bit
MAX_PAGE = 10_000
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")  # knowledge file ids


class MenuItem(StrEnum):
    SUGGEST = "suggest"
    MY = "my"
    ASK = "ask"
    STATIONS = "stations"
    POLICIES = "policies"
    HELP = "help"
    LANGUAGE = "language"


class SuggestAct(StrEnum):
    """Buttons of the suggestion conversation that carry no value."""

    ANONYMOUS = "anon"
    NAMED = "named"
    CONFIRM = "confirm"
    EDIT = "edit"
    BACK = "back"  # from the edit menu back to the summary buttons
    CANCEL = "cancel"
    TEXT_DONE = "done"  # no more to add to a long text
    RESUME = "resume"  # carry on with a saved draft
    RESTART = "restart"  # drop the saved draft and start again


class Part(StrEnum):
    """What the edit menu of the summary can change."""

    TEXT = "text"
    CATEGORY = "category"
    WORKER = "worker"
    LOCATION = "location"
    IDENTITY = "identity"


class CategoryAct(StrEnum):
    YES = "yes"  # the model's guess is right
    LIST = "pick"  # show every category
    UNSURE = "unsure"  # leave it to staff


class StationFilterKey(StrEnum):
    WATER = "water"
    TOILET = "toilet"
    REST = "rest"
    CHARGING = "charging"
    HEALTH = "health"
    OPEN = "open"
    ALL = "all"


class StaffAct(StrEnum):
    """Status buttons on a staff card, and the status each one sets."""

    ACCEPT = "acc"
    PROGRESS = "prog"
    ADOPT = "ado"
    REJECT = "rej"

    @property
    def status(self) -> Status:
        return _STAFF_STATUS[self]


_STAFF_STATUS = {
    StaffAct.ACCEPT: Status.RECEIVED,
    StaffAct.PROGRESS: Status.IN_PROGRESS,
    StaffAct.ADOPT: Status.ADOPTED,
    StaffAct.REJECT: Status.NOT_ADOPTED,
}


# --- the buttons ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Menu:
    item: MenuItem


@dataclass(frozen=True, slots=True)
class Suggest:
    act: SuggestAct


@dataclass(frozen=True, slots=True)
class PickWorker:
    worker: WorkerType


@dataclass(frozen=True, slots=True)
class PickCategory:
    """A category (its id), or one of the CategoryAct choices."""

    choice: str


@dataclass(frozen=True, slots=True)
class EditPart:
    part: Part


@dataclass(frozen=True, slots=True)
class Interrupt:
    """Mid-conversation, another command was asked for: stay, or leave (the draft is kept)."""

    stay: bool


@dataclass(frozen=True, slots=True)
class MyPage:
    page: int


@dataclass(frozen=True, slots=True)
class FollowUp:
    suggestion_id: int


@dataclass(frozen=True, slots=True)
class FaqEntry:
    entry_id: str


@dataclass(frozen=True, slots=True)
class FaqPass:
    """Pass an unanswered question on to staff (or not)."""

    yes: bool


@dataclass(frozen=True, slots=True)
class StationFilter:
    key: StationFilterKey


@dataclass(frozen=True, slots=True)
class StationMore:
    """The next stations of the list (or back to the first, `start` 0), in place."""

    start: int


@dataclass(frozen=True, slots=True)
class StationView:
    station_id: str


@dataclass(frozen=True, slots=True)
class PolicyList:
    """Back to the list of policies (in place)."""


@dataclass(frozen=True, slots=True)
class PolicyOpen:
    """One policy, in place of the list it was pressed on."""

    policy_id: str


@dataclass(frozen=True, slots=True)
class PolicyLink:
    """One policy, as a new message (a link under an FAQ answer)."""

    policy_id: str


@dataclass(frozen=True, slots=True)
class StaffStatus:
    act: StaffAct
    suggestion_id: int


@dataclass(frozen=True, slots=True)
class StaffCategories:
    """Show the categories on a card."""

    suggestion_id: int


@dataclass(frozen=True, slots=True)
class StaffSetCategory:
    suggestion_id: int
    category: str


@dataclass(frozen=True, slots=True)
class StaffCard:
    """Back to a card's own buttons."""

    suggestion_id: int


@dataclass(frozen=True, slots=True)
class StaffAnswer:
    """Start answering a suggestion."""

    suggestion_id: int


@dataclass(frozen=True, slots=True)
class AnswerSend:
    suggestion_id: int


@dataclass(frozen=True, slots=True)
class AnswerCancel:
    suggestion_id: int


@dataclass(frozen=True, slots=True)
class AnswerTemplate:
    suggestion_id: int
    template_id: int


@dataclass(frozen=True, slots=True)
class InboxOpen:
    suggestion_id: int


@dataclass(frozen=True, slots=True)
class InboxPage:
    page: int
    category: str | None
    status: Status | None
    kind: Kind | None = None
    desk: str | None = None
    all_desks: bool = False


@dataclass(frozen=True, slots=True)
class DeleteMe:
    yes: bool


@dataclass(frozen=True, slots=True)
class Rate:
    """The worker's verdict on an answer."""

    suggestion_id: int
    rating: Rating


class FaqAct(StrEnum):
    """What staff make of an answered question for the FAQ."""

    PICK = "pick"  # show the entries it could be another phrasing of
    NEW = "new"  # propose a new entry: the question and the staff answer


@dataclass(frozen=True, slots=True)
class ToFaq:
    """An answered question to FAQ knowledge: a new entry, or another phrasing of one."""

    suggestion_id: int
    act: FaqAct


@dataclass(frozen=True, slots=True)
class ToFaqEntry:
    """The answered question as another phrasing of this FAQ entry."""

    suggestion_id: int
    entry_id: str


# --- intents: a typed "我想投诉" / "我要提建议" offers one button ------------------------


@dataclass(frozen=True, slots=True)
class StartCase:
    """Start a suggestion or a complaint offered after a typed intent (the text typed with
    it waits in the person's memory until this is pressed)."""

    kind: Kind  # SUGGESTION or COMPLAINT


# --- a station's poster: `/start st_<station id>` offers these under the station's name ------


@dataclass(frozen=True, slots=True)
class StationReport:
    """Start a suggestion about this station (its place filled in)."""

    station_id: str


@dataclass(frozen=True, slots=True)
class StationNearby:
    """The station list around this station."""

    station_id: str


ButtonData = (
    Menu | Suggest | PickWorker | PickCategory | EditPart | Interrupt | MyPage | FollowUp
    | FaqEntry | FaqPass | StationFilter | StationMore | StationView | PolicyList | PolicyOpen
    | PolicyLink
    | StaffStatus
    | StaffCategories | StaffSetCategory | StaffCard | StaffAnswer | AnswerSend | AnswerCancel
    | AnswerTemplate | InboxOpen | InboxPage | DeleteMe | Rate | ToFaq | ToFaqEntry
    | StartCase | StationReport | StationNearby
)  # fmt: skip

# --- the codec --------------------------------------------------------------------------

T = TypeVar("T")


class _Invalid:
    """What a field reads from text it cannot take (None is a valid optional value)."""


INVALID = _Invalid()


@dataclass(frozen=True)
class Field(Generic[T]):
    """How one value is written into button data and read back (INVALID when it cannot)."""

    dump: Callable[[T], str]
    load: Callable[[str], T | _Invalid]


def _int(limit: int) -> Field[int]:
    def load(text: str) -> int | _Invalid:
        if not text.isascii() or not text.isdigit() or len(text) > 19:
            return INVALID
        value = int(text)
        return value if value <= limit else INVALID

    return Field(str, load)


def _enum(kind: type[StrEnum]) -> Field[Any]:
    members = {member.value: member for member in kind}
    return Field(str, lambda text: members.get(text, INVALID))


def _matching(accept: Callable[[str], bool]) -> Field[str]:
    return Field(str, lambda text: text if accept(text) else INVALID)


def _optional(inner: Field[Any]) -> Field[Any]:
    def load(text: str) -> Any:
        return None if text == "-" else inner.load(text)

    return Field(lambda value: "-" if value is None else inner.dump(value), load)


def _flag(yes: str, no: str) -> Field[bool]:
    return Field(
        lambda value: yes if value else no, lambda text: {yes: True, no: False}.get(text, INVALID)
    )


_SLUG = _matching(lambda text: ID_PATTERN.fullmatch(text) is not None)
_CATEGORY = _matching(is_category)
_CATEGORY_CHOICE = _matching(lambda text: is_category(text) or text in set(CategoryAct))
_INBOX_CATEGORY = _matching(lambda text: is_category(text) or text == "review")
_ID = _int(MAX_ID)
_CASE_KIND = Field(str, lambda text: Kind(text) if text in (Kind.SUGGESTION, Kind.COMPLAINT)
                   else INVALID)  # fmt: skip


@dataclass(frozen=True)
class _Spec:
    kind: type
    prefix: str
    fields: tuple[Field[Any], ...]


def _specs() -> tuple[_Spec, ...]:
    return (
        _Spec(Menu, "menu", (_enum(MenuItem),)),
        _Spec(PickWorker, "sg:w", (_enum(WorkerType),)),
        _Spec(PickCategory, "sg:c", (_CATEGORY_CHOICE,)),
        _Spec(EditPart, "sg:e", (_enum(Part),)),
        _Spec(Suggest, "sg", (_enum(SuggestAct),)),
        _Spec(Interrupt, "cv", (_flag("stay", "leave"),)),
        _Spec(MyPage, "my", (_int(MAX_PAGE),)),
        _Spec(FollowUp, "fu", (_ID,)),
        _Spec(FaqPass, "faq", (_flag("-staff", "-no"),)),
        _Spec(FaqEntry, "faq", (_SLUG,)),
        _Spec(StationFilter, "stn:f", (_enum(StationFilterKey),)),
        _Spec(StationMore, "stn:m", (_int(MAX_PAGE),)),
        _Spec(StationView, "stn:v", (_SLUG,)),
        _Spec(PolicyList, "pol:-list", ()),
        _Spec(PolicyOpen, "pol:l", (_SLUG,)),
        _Spec(PolicyLink, "pol", (_SLUG,)),
        _Spec(StaffCategories, "st:cat", (_ID,)),
        _Spec(StaffSetCategory, "st:set", (_ID, _CATEGORY)),
        _Spec(StaffCard, "st:back", (_ID,)),
        _Spec(StaffAnswer, "st:ans", (_ID,)),
        _Spec(StaffStatus, "st", (_enum(StaffAct), _ID)),
        _Spec(AnswerSend, "sa:send", (_ID,)),
        _Spec(AnswerCancel, "sa:x", (_ID,)),
        _Spec(AnswerTemplate, "sa:tpl", (_ID, _ID)),
        _Spec(InboxOpen, "ib:v", (_ID,)),
        _Spec(
            InboxPage,
            "ib:p",
            (_int(MAX_PAGE), _optional(_INBOX_CATEGORY), _optional(_enum(Status))),
        ),  # (the buttons of lists from before kinds and desks: still read)
        _Spec(
            InboxPage,
            "ib:q",
            (
                _int(MAX_PAGE),
                _optional(_INBOX_CATEGORY),
                _optional(_enum(Status)),
                _optional(_enum(Kind)),
                _optional(_SLUG),
                _flag("all", "own"),
            ),
        ),
        _Spec(DeleteMe, "dm", (_flag("yes", "no"),)),
        _Spec(Rate, "rt", (_ID, _enum(Rating))),
        _Spec(ToFaqEntry, "kb:e", (_ID, _SLUG)),
        _Spec(ToFaq, "kb", (_ID, _enum(FaqAct))),
        _Spec(StartCase, "in:case", (_CASE_KIND,)),
        _Spec(StationReport, "at:rep", (_SLUG,)),
        _Spec(StationNearby, "at:near", (_SLUG,)),
    )


_SPECS = _specs()
_BY_KIND = {spec.kind: spec for spec in _SPECS}


def encode(button: ButtonData) -> str:
    """The data a button carries; raises ValueError when over Telegram's 64 bytes."""
    spec = _BY_KIND[type(button)]
    values = [getattr(button, f.name) for f in fields(button)]
    data = ":".join([spec.prefix, *(f.dump(v) for f, v in zip(spec.fields, values, strict=True))])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"button data over {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> ButtonData | None:
    """The button `data` stands for, or None for anything unknown, stale or forged."""
    if not data or len(data.encode(errors="replace")) > MAX_BYTES:
        return None
    for spec in _SPECS:
        found = _decode_as(spec, data)
        if found is not None:
            return found
    return None


def _decode_as(spec: _Spec, data: str) -> ButtonData | None:
    if data == spec.prefix and not spec.fields:
        return cast(ButtonData, spec.kind())
    if not data.startswith(spec.prefix + ":"):
        return None
    parts = data[len(spec.prefix) + 1 :].split(":")
    if len(parts) != len(spec.fields):
        return None
    values = [f.load(part) for f, part in zip(spec.fields, parts, strict=True)]
    if any(value is INVALID for value in values):
        return None
    return cast(ButtonData, spec.kind(*values))
