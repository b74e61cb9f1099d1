"""The domain's vocabularies as enums: what a value may be, independent of how it is shown.

Display labels live in the catalog (`bot.catalog`), keyed by these values; validation reads
these enums, never a translation table.
"""

from __future__ import annotations

import functools
from enum import StrEnum

from classifier import load_categories


class Role(StrEnum):
    WORKER = "worker"
    STAFF = "staff"
    ADMIN = "admin"


class Status(StrEnum):
    """Where a case stands in the 12345 chain."""

    SUBMITTED = "submitted"  # 待受理
    RECEIVED = "received"  # 已受理
    IN_PROGRESS = "in_progress"  # 办理中
    ANSWERED = "answered"  # 已答复
    ADOPTED = "adopted"  # 已采纳
    NOT_ADOPTED = "not_adopted"  # 未采纳

    @classmethod
    def parse(cls, value: str) -> Status | None:
        try:
            return cls(value)
        except ValueError:
            return None


# A case in one of these is closed: the worker has their answer.
CLOSED = frozenset({Status.ANSWERED, Status.ADOPTED, Status.NOT_ADOPTED})
# Which status changes the worker hears about (recategorising, for one, is staff business).
NOTIFY_WORKER = frozenset({Status.RECEIVED, Status.IN_PROGRESS, Status.ADOPTED, Status.NOT_ADOPTED})


class Kind(StrEnum):
    """What a case is: the 12345 desk handles each with its own time limit."""

    SUGGESTION = "suggestion"  # 建议
    COMPLAINT = "complaint"  # 投诉
    QUESTION = "question"  # 咨询: a question the FAQ could not answer

    @classmethod
    def parse(cls, value: str | None) -> Kind | None:
        try:
            return cls(value) if value else None
        except ValueError:
            return None


# Receipt code prefixes: a question's code says it is one (NQ-20261130-0042).
CODE_PREFIX = {Kind.SUGGESTION: "NX", Kind.COMPLAINT: "NX", Kind.QUESTION: "NQ"}


class Rating(StrEnum):
    """The worker's verdict on an answer (回访评价)."""

    SATISFIED = "satisfied"  # 满意
    FAIR = "fair"  # 基本满意
    UNSATISFIED = "unsatisfied"  # 不满意


# At most this many reopenings by the worker; the next goes to the desk's supervisor.
MAX_REOPEN = 2


class WorkerType(StrEnum):
    RIDER = "rider"
    COURIER = "courier"
    TRUCK = "truck"
    RIDE_HAILING = "ride_hailing"
    OTHER = "other"

    @classmethod
    def parse(cls, value: str | None) -> WorkerType | None:
        try:
            return cls(value) if value else None
        except ValueError:
            return None


REVIEW = "review"  # pseudo-category: waiting for a person to categorise


@functools.cache
def category_ids() -> tuple[str, ...]:
    """The suggestion categories, in the order of the classifier's categories file."""
    return tuple(category.id for category in load_categories())


def is_category(value: str | None) -> bool:
    return value in category_ids()
