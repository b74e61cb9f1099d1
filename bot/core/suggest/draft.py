"""A suggestion being written: its typed draft, the steps, and which step comes next.

The draft is a dataclass (not attrs or pydantic): the standard library is enough for a
dozen fields, its JSON form is written here by hand so old drafts stay readable, and
nothing at run time needs validation beyond `decode`. A field that is None has not been
asked yet; the answers "no place", "no phone" and "let staff decide" are values of their
own, so no `*_done` flags are needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.catalog import Lang
from bot.core.events import Attachment
from bot.core.notices import voice_placeholder
from bot.core.steps import Codec
from bot.domain import Kind, WorkerType, is_category
from bot.domain.voice import VoiceNote

NAME = "suggest"  # the conversation's name in the drafts table


class Step(StrEnum):
    TEXT = "text"
    MORE_TEXT = "more_text"  # a long text may go on in the next message
    CATEGORY = "category"  # the model's guess put to the worker
    CATEGORY_LIST = "category_list"  # every category to pick from
    WORKER = "worker"
    LOCATION = "location"
    IDENTITY = "identity"
    PHONE = "phone"
    CONFIRM = "confirm"
    INTERRUPTED = "interrupted"  # another command was asked for: stay or leave?


PARKED = "parked"  # the state of a draft the worker left to do something else
ACTIVE = frozenset(Step)


@dataclass(frozen=True)
class Guess:
    """The model's categories for the text, best first, and whether it is sure."""

    ranked: tuple[tuple[str, float], ...]
    confident: bool

    @property
    def category(self) -> str:
        return self.ranked[0][0]

    @property
    def confidence(self) -> float:
        return self.ranked[0][1]


@dataclass(frozen=True)
class Chosen:
    """The category the worker settled on; None leaves it to staff (待人工分类)."""

    category: str | None


@dataclass(frozen=True)
class NoPlace:
    """The worker skipped the place."""


@dataclass(frozen=True)
class TypedPlace:
    text: str


@dataclass(frozen=True)
class SharedPlace:
    latitude: float
    longitude: float
    venue: str | None = None


Place = NoPlace | TypedPlace | SharedPlace


@dataclass(frozen=True)
class Phone:
    """The worker's own number, or None: they chose not to leave one."""

    number: str | None


@dataclass(frozen=True)
class Pending:
    """What the worker asked for that interrupted the suggestion: a command or a menu item."""

    command: str
    args: str = ""
    menu: bool = False  # a main-menu button rather than a typed command


@dataclass
class SuggestionDraft:
    lang: Lang
    text: str | None = None
    photos: tuple[Attachment, ...] = ()
    guess: Guess | None = None
    category: Chosen | None = None
    worker_type: WorkerType | None = None
    place: Place | None = None
    anonymous: bool | None = None
    name: str | None = None  # shown to staff when the worker chose to be named
    phone: Phone | None = None
    pending: Pending | None = None
    kind: Kind = Kind.SUGGESTION  # a complaint (/complain) takes the same steps
    station_id: str | None = None  # begun from a station's poster: the case is about it
    voices: tuple[VoiceNote, ...] = ()  # voice notes, in the order they were recorded
    extra: dict[str, Any] = field(default_factory=dict)  # unknown keys of newer versions

    def forget_identity(self) -> None:
        self.anonymous, self.name, self.phone = None, None, None

    @property
    def said(self) -> bool:
        """Something was said: typed text, or a voice note (either one is enough)."""
        return bool(self.text) or bool(self.voices)


def next_step(d: SuggestionDraft) -> Step:
    """The first question not answered yet, in the order the worker is asked."""
    if d.text is None and not d.voices:
        return Step.TEXT
    if d.category is None:
        return Step.CATEGORY
    if d.worker_type is None:
        return Step.WORKER
    if d.place is None:
        return Step.LOCATION
    if d.anonymous is None:
        return Step.IDENTITY
    if d.anonymous is False and d.phone is None:
        return Step.PHONE
    return Step.CONFIRM


def suggestion_fields(d: SuggestionDraft) -> dict[str, Any]:
    """The suggestion's columns, from a finished draft (the only draft-to-row mapping)."""
    assert d.said
    named = d.anonymous is False
    place = d.place
    chosen = d.category.category if d.category else None
    return {
        "text": d.text if d.text is not None else voice_placeholder(d.voices),
        "attachments": [a.encode() for a in d.photos] + [v.encode() for v in d.voices],
        "latitude": place.latitude if isinstance(place, SharedPlace) else None,
        "longitude": place.longitude if isinstance(place, SharedPlace) else None,
        "place": _place_name(place),
        "worker_type": d.worker_type.value if d.worker_type else None,
        "anonymous": not named,
        "contact_name": d.name if named else None,
        "contact_phone": d.phone.number if named and d.phone else None,
        "language": d.lang.value,
        "predicted_category": d.guess.category if d.guess else None,
        "confidence": round(d.guess.confidence, 4) if d.guess else None,
        "worker_category": chosen,
        "category": chosen,
        "needs_review": chosen is None,
        "station_id": d.station_id,
    }


def _place_name(place: Place | None) -> str | None:
    if isinstance(place, TypedPlace):
        return place.text
    if isinstance(place, SharedPlace):
        return place.venue
    return None


class DraftCodec(Codec[SuggestionDraft]):
    """The JSON form of a draft in the drafts table (version 2; version 1 is read too)."""

    def encode(self, d: SuggestionDraft) -> dict[str, Any]:
        data: dict[str, Any] = {**d.extra, "v": 2, "lang": d.lang.value, "text": d.text}
        data["photos"] = [a.encode() for a in d.photos]
        data["guess"] = (
            {"ranked": [list(pair) for pair in d.guess.ranked], "confident": d.guess.confident}
            if d.guess
            else None
        )
        data["category"] = None if d.category is None else {"id": d.category.category}
        data["worker"] = d.worker_type.value if d.worker_type else None
        data["place"] = _encode_place(d.place)
        data["anonymous"], data["name"] = d.anonymous, d.name
        data["phone"] = None if d.phone is None else {"number": d.phone.number}
        data["pending"] = (
            {"command": d.pending.command, "args": d.pending.args, "menu": d.pending.menu}
            if d.pending
            else None
        )
        data["kind"] = d.kind.value
        data["station"] = d.station_id
        data["voices"] = [v.encode() for v in d.voices]
        return data

    def decode(self, data: Mapping[str, Any]) -> SuggestionDraft | None:
        try:
            return _decode_v2(data) if data.get("v") == 2 else _decode_v1(data)
        except (KeyError, TypeError, ValueError):
            return None


def _encode_place(place: Place | None) -> dict[str, Any] | None:
    if place is None:
        return None
    if isinstance(place, NoPlace):
        return {"none": True}
    if isinstance(place, TypedPlace):
        return {"text": place.text}
    return {"lat": place.latitude, "lon": place.longitude, "venue": place.venue}


def _decode_place(data: Mapping[str, Any] | None) -> Place | None:
    if data is None:
        return None
    if data.get("none"):
        return NoPlace()
    if "text" in data:
        return TypedPlace(str(data["text"]))
    return SharedPlace(float(data["lat"]), float(data["lon"]), data.get("venue"))


def _category(value: str | None) -> str | None:
    if value is not None and not is_category(value):
        raise ValueError(f"unknown category {value!r}")
    return value


def _decode_v2(data: Mapping[str, Any]) -> SuggestionDraft:
    guess = data.get("guess")
    category = data.get("category")
    phone = data.get("phone")
    pending = data.get("pending")
    known = {"v", "lang", "text", "photos", "guess", "category", "worker", "place",
             "anonymous", "name", "phone", "pending", "kind", "station", "voices"}  # fmt: skip
    return SuggestionDraft(
        lang=Lang(data["lang"]),
        text=data.get("text"),
        photos=tuple(Attachment.decode(str(p)) for p in data.get("photos") or ()),
        guess=Guess(tuple((str(c), float(p)) for c, p in guess["ranked"]), bool(guess["confident"]))
        if guess
        else None,
        category=None if category is None else Chosen(_category(category.get("id"))),
        worker_type=WorkerType(data["worker"]) if data.get("worker") else None,
        place=_decode_place(data.get("place")),
        anonymous=data.get("anonymous"),
        name=data.get("name"),
        phone=None if phone is None else Phone(phone.get("number")),
        pending=_decode_pending(pending),
        kind=Kind(data.get("kind") or Kind.SUGGESTION),
        station_id=_station(data.get("station")),
        voices=tuple(_voice(str(v)) for v in data.get("voices") or ()),
        extra={k: v for k, v in data.items() if k not in known},
    )


def _station(value: object) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"bad station id {value!r}")
    return value


def _voice(stored: str) -> VoiceNote:
    note = VoiceNote.parse(stored)
    if note is None:
        raise ValueError(f"bad voice note {stored!r}")
    return note


def _decode_pending(data: Mapping[str, Any] | None) -> Pending | None:
    if not data:
        return None
    return Pending(str(data["command"]), str(data.get("args", "")), bool(data.get("menu")))


def _decode_v1(old: Mapping[str, Any]) -> SuggestionDraft:
    """A draft written by the version before this one (a dict with `*_done` flags)."""
    draft = SuggestionDraft(lang=Lang(old.get("lang", "zh")), text=old.get("text"))
    draft.photos = tuple(Attachment.decode(str(p)) for p in old.get("photos") or ())
    if old.get("predicted"):
        ranked = ((str(old["predicted"]), float(old.get("confidence") or 0.0)),)
        draft.guess = Guess(ranked, confident=not old.get("needs_review"))
    if old.get("worker_category"):
        draft.category = Chosen(_category(old["worker_category"]))
    elif old.get("category_done") or (draft.text and not old.get("predicted")):
        draft.category = Chosen(None)
    draft.worker_type = WorkerType(old["worker_type"]) if old.get("worker_type") else None
    if old.get("lat") is not None:
        draft.place = SharedPlace(float(old["lat"]), float(old["lon"]), old.get("place"))
    elif old.get("place"):
        draft.place = TypedPlace(str(old["place"]))
    elif old.get("location_done"):
        draft.place = NoPlace()
    draft.anonymous = old.get("anonymous")
    draft.name = old.get("name")
    if old.get("phone"):
        draft.phone = Phone(str(old["phone"]))
    elif old.get("phone_done"):
        draft.phone = Phone(None)
    return draft
