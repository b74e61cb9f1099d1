"""What an export contains: filters, options, the columns, and the rows streamed from SQL."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from math import isfinite
from typing import Any, Literal, NamedTuple

from bot.catalog import label
from bot.domain import REVIEW, Kind, Rating, Status, WorkerType
from bot.domain.channels import ChannelName
from bot.domain.voice import VoiceNote
from bot.export.mask import own_words, scrub
from bot.storage import export as stored
from bot.storage.export import Source
from bot.storage.stats import Report, Scope, answered_on_time

UNCLASSIFIED = "待人工分类"
STATUS_NAMES = {status.value: label("status", status, "zh") for status in Status}
STATUS = tuple(status.value for status in Status)
KINDS = tuple(kind.value for kind in Kind)
ON_TIME = {True: "是", False: "否", None: "-"}  # the 按期办结 column
PHOTOS = "照片 {count} 张"  # the 附件 column: photos counted, each voice note with its length
VOICE = "语音 {seconds} 秒"
_PHONE_START = frozenset("+(0123456789")
_PHONE_LIKE = re.compile(r"\+?[0-9][0-9 ()\-]{6,}")
_NOT_DIGIT = re.compile(r"[^0-9]")


class ExportError(ValueError):
    """A filter or option that cannot be used; the message says what to pass instead."""


@dataclass(frozen=True)
class ExportFilter:
    """Which suggestions to export; every filter is applied in SQL."""

    since: date | None = None  # local dates, inclusive, in options.tz
    until: date | None = None
    category: str | None = None  # a category id, e.g. "labor_rights"; "review": unclassified
    status: str | None = None  # submitted/received/in_progress/answered/adopted/not_adopted
    kind: str | None = None  # suggestion/complaint/question
    desk: str | None = None  # a desk id of the routing file


@dataclass(frozen=True)
class ExportOptions:
    """How to write the export."""

    format: Literal["xlsx", "csv"]
    tz: tzinfo  # display dates in this zone (Asia/Shanghai)
    category_names: Mapping[str, str]  # id -> Chinese name; unknown/None -> UNCLASSIFIED
    with_identity: bool = False
    desk_names: Mapping[str, str] = field(default_factory=dict)  # id -> name; unknown: the id
    station_names: Mapping[str, str] = field(default_factory=dict)  # id -> name; unknown: the id
    today: date | None = None  # for "overdue now"; None: today in `tz`

    def local_today(self) -> date:
        return self.today or datetime.now(self.tz).date()


@dataclass(frozen=True)
class ExportResult:
    """What was written: row count, counts per category (Chinese name) and per status (id)."""

    rows: int
    by_category: dict[str, int] = field(default_factory=dict)
    by_status: dict[str, int] = field(default_factory=dict)


class Record(NamedTuple):
    """One suggestion as it appears in the file (dates are local and naive)."""

    code: str
    received: datetime
    category: str
    predicted: str | None
    confidence: float | None
    worker: str | None
    place: str | None
    text: str
    status: str
    answer: str | None
    answered_at: datetime | None
    kind: str
    desk: str | None
    district: str | None
    station: str | None  # the station of the poster the worker came from
    due_on: date | None
    on_time: str  # 是, 否, or - (not answered, or no deadline)
    rating: str | None
    reopened: int
    files: str | None  # "照片 2 张 · 语音 12 秒": what came with the text
    channel: str  # Telegram, or 网页版 (the web chat)
    name: str | None
    phone: str | None
    telegram_id: str | None


CHANNEL_NAMES: dict[str, str] = {ChannelName.TELEGRAM: "Telegram", ChannelName.WEB: "网页版"}
# (field of Record, Chinese header); the category column is the sheet name in XLSX files.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "编号"),
    ("received", "提交时间"),
    ("category", "类别"),
    ("predicted", "预测类别"),
    ("confidence", "置信度"),
    ("worker", "身份"),
    ("place", "地点"),
    ("text", "内容"),
    ("status", "状态"),
    ("answer", "答复"),
    ("answered_at", "答复时间"),
    ("kind", "类型"),
    ("desk", "承办工作组"),
    ("district", "区县"),
    ("station", "驿站"),
    ("due_on", "办理期限"),
    ("on_time", "按期办结"),
    ("rating", "评价"),
    ("reopened", "重新打开次数"),
    ("files", "附件"),
    ("channel", "渠道"),
)
IDENTITY_COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "姓名"),
    ("phone", "电话"),
    ("telegram_id", "Telegram ID"),
)


def columns(options: ExportOptions, *, with_category: bool) -> tuple[tuple[str, str], ...]:
    """The (field, header) pairs of a file, in order."""
    base = COLUMNS if with_category else tuple(c for c in COLUMNS if c[0] != "category")
    return base + IDENTITY_COLUMNS if options.with_identity else base


def files_text(stored: Sequence[str] | None) -> str | None:
    """The 附件 cell: the photos' count, then each voice note's length (None: nothing)."""
    voices = [note for item in stored or () if (note := VoiceNote.parse(item)) is not None]
    photos = len(stored or ()) - len(voices)
    parts = [PHOTOS.format(count=photos)] if photos else []
    parts += [VOICE.format(seconds=note.seconds) for note in voices]
    return " · ".join(parts) or None


def category_name(category: str | None, names: Mapping[str, str]) -> str:
    return names.get(category, UNCLASSIFIED) if category else UNCLASSIFIED


def worker_name(worker_type: str | None) -> str | None:
    """The Chinese worker type without its emoji."""
    return plain_label("worker_type", worker_type)


def plain_label(family: str, value: str | None) -> str | None:
    """A Chinese label without its emoji ("😊 满意" -> "满意")."""
    if value is None:
        return None
    name = label(family, value, "zh")
    return name.split(" ", 1)[1] if " " in name and not name[0].isalnum() else name


def identity_words(*words: str | None) -> tuple[str, ...]:
    """What to mask of a person in what they wrote, longest first (so that `王小明` is
    masked whole before `小明` could be): each of `words` (names, phone, username, id), a
    name's parts and the parts joined without their space (`王小明 Wang` also gives `王小明`,
    `Wang` and `王小明Wang`), a phone's bare digits; only what `own_words` keeps."""
    found: list[str] = []
    for word in words:
        if not word:
            continue
        found.append(word)
        if " " in word:
            parts = word.split()
            found += [*parts, "".join(parts), "".join(reversed(parts))]
        elif word[0] in _PHONE_START and not word.isdigit() and _PHONE_LIKE.fullmatch(word):
            found.append(_NOT_DIGIT.sub("", word))  # "+86 139-1234-5678" as typed elsewhere
    return tuple(sorted(dict.fromkeys(own_words(*found)), key=len, reverse=True))


def scrub_identity(text: str, words: Sequence[str | None]) -> str:
    """`text` as the masked export shows it, for the person `words` name (see
    `identity_words`): personal numbers masked, then that person's own words. Erasure
    writes this into the database, so that the masked export after erasure (when the
    words are gone from the row) shows no more than it did before."""
    return scrub(text, identity_words(*words))


def validate(filt: ExportFilter, options: ExportOptions) -> None:
    """Raise ExportError for a filter or option that cannot select anything sensible."""
    if options.format not in ("xlsx", "csv"):
        raise ExportError(f"unknown format {options.format!r}: use xlsx or csv")
    if filt.status is not None and filt.status not in STATUS:
        raise ExportError(f"unknown status {filt.status!r}: use one of {', '.join(STATUS)}")
    known = [*options.category_names, REVIEW]
    if filt.category is not None and filt.category not in known:
        raise ExportError(f"unknown category {filt.category!r}: use one of {', '.join(known)}")
    if filt.kind is not None and filt.kind not in KINDS:
        raise ExportError(f"unknown kind {filt.kind!r}: use one of {', '.join(KINDS)}")
    if filt.since and filt.until and filt.since > filt.until:
        raise ExportError(f"--since {filt.since} is after --until {filt.until}")


def _utc_midnight(day: date, tz: tzinfo) -> datetime:
    """The naive-UTC instant at which local `day` begins in `tz`."""
    return datetime.combine(day, time.min, tzinfo=tz).astimezone(UTC).replace(tzinfo=None)


def _sql_filter(filt: ExportFilter, tz: tzinfo) -> dict[str, Any]:
    """The filter as the storage query takes it: local dates become naive-UTC bounds."""
    until = filt.until + timedelta(days=1) if filt.until is not None else None
    return {
        "since": _utc_midnight(filt.since, tz) if filt.since is not None else None,
        "until": _utc_midnight(until, tz) if until is not None else None,
        "category": filt.category,
        "status": filt.status,
        "kind": filt.kind,
        "desk": filt.desk,
    }


def category_counts(source: Source, filt: ExportFilter, options: ExportOptions) -> dict[str, int]:
    """Chinese category name -> count of matching suggestions (a cheap GROUP BY)."""
    counts: dict[str, int] = {}
    for category, count in stored.category_counts(source, **_sql_filter(filt, options.tz)):
        name = category_name(category, options.category_names)
        counts[name] = counts.get(name, 0) + count
    return counts


def case_figures(source: Source, filt: ExportFilter, options: ExportOptions) -> Report:
    """The figures (`bot.storage.stats`) of the cases the export selects."""
    scope = Scope(**_sql_filter(filt, options.tz))
    return stored.figures(source, scope, today=options.local_today(), tz=options.tz)


def iter_records(source: Source, filt: ExportFilter, options: ExportOptions) -> Iterator[Record]:
    """Matching suggestions, oldest first, streamed in batches (memory stays flat)."""
    convert = _Converter(options)
    # closing: an export abandoned half-way gives its connection back at once
    with closing(stored.rows(source, **_sql_filter(filt, options.tz))) as rows:
        yield from map(convert, rows)


class _Converter:
    """Turns a database row into a Record: names, local dates, and identity or masking."""

    def __init__(self, options: ExportOptions) -> None:
        self.tz = options.tz
        self.names = options.category_names
        self.identity = options.with_identity
        self.workers = {key.value: worker_name(key) for key in WorkerType}
        self.kinds = {key.value: label("kind", key, "zh") for key in Kind}
        self.ratings = {key.value: plain_label("rating", key) for key in Rating}
        self.desks = options.desk_names
        self.stations = options.station_names
        self.offsets: dict[tuple[int, int, int, int], timedelta] = {}

    def local(self, moment: datetime) -> datetime:
        """Naive UTC -> naive local time; the offset is looked up once per UTC hour."""
        hour = (moment.year, moment.month, moment.day, moment.hour)
        offset = self.offsets.get(hour)
        if offset is None:
            if len(self.offsets) > 10_000:  # bounded: rows come in time order anyway
                self.offsets.clear()
            offset = self.offsets[hour] = self.tz.utcoffset(
                moment.replace(tzinfo=UTC).astimezone(self.tz)
            ) or timedelta(0)
        return moment + offset

    def __call__(self, row: Sequence[Any]) -> Record:
        (code, created, category, predicted, confidence, worker, place, lat, lon, text, status,
         answer, answered_at, kind, desk, district, station, due_on, rating, reopened, stored,
         channel, anonymous, user_id, contact, phone, shown_as, username) = row  # fmt: skip
        if not place and lat is not None and lon is not None:
            place = f"{lat:.5f}, {lon:.5f}"
        if confidence is not None and not isfinite(confidence):  # PostgreSQL allows NaN
            confidence = None
        name = telegram_id = None
        if not self.identity:
            telegram = str(user_id) if user_id else None
            own = identity_words(contact, phone, shown_as, username, telegram)
            text = scrub(text or "", own)
            answer = scrub(answer, own) if answer else None
            place = scrub(place, own) if place else None
            phone = None
        elif anonymous or user_id is None:
            phone = None
        else:
            name = contact or shown_as
            telegram_id = str(user_id) if channel == ChannelName.TELEGRAM else None
        names = self.names
        answered = self.local(answered_at) if answered_at else None
        on_time = answered_on_time(status, answered.date() if answered else None, due_on)
        return Record(
            code,
            self.local(created),
            names.get(category, UNCLASSIFIED) if category else UNCLASSIFIED,
            names.get(predicted, predicted) if predicted else None,
            confidence,
            self.workers.get(worker) or worker,
            place,
            text,
            STATUS_NAMES.get(status) or status,
            answer,
            answered,
            self.kinds.get(kind) or kind,
            (self.desks.get(desk) or desk) if desk else None,
            district,
            (self.stations.get(station) or station) if station else None,
            due_on,
            ON_TIME[on_time],
            (self.ratings.get(rating) or rating) if rating else None,
            reopened or 0,
            files_text(stored),
            CHANNEL_NAMES.get(channel, channel),
            name,
            phone,
            telegram_id,
        )


def summary_categories(filt: ExportFilter, options: ExportOptions) -> list[str]:
    """Chinese category names the summary lists, even at zero: the filtered one, or all known."""
    if filt.category is not None:
        return [category_name(filt.category, options.category_names)]
    return list(dict.fromkeys(options.category_names.values()))


class Tally:
    """Counts per category and per status of the records written."""

    def __init__(self, filt: ExportFilter, options: ExportOptions) -> None:
        self.categories = dict.fromkeys(summary_categories(filt, options), 0)
        statuses = [filt.status] if filt.status is not None else list(STATUS)
        self.statuses = dict.fromkeys(statuses, 0)
        self._status_ids = {zh: key for key, zh in STATUS_NAMES.items()}
        self.rows = 0

    def add(self, record: Record) -> None:
        self.rows += 1
        self.categories[record.category] = self.categories.get(record.category, 0) + 1
        status = self._status_ids.get(record.status, record.status)
        self.statuses[status] = self.statuses.get(status, 0) + 1

    def result(self) -> ExportResult:
        return ExportResult(self.rows, dict(self.categories), dict(self.statuses))
