"""Training data for the classifier: what people confirmed or corrected."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import LabelledExample

_STAFF_LABELS = (
    select(LabelledExample.suggestion_id, LabelledExample.text, LabelledExample.label)
    .where(LabelledExample.source == "staff")
    .order_by(LabelledExample.id)
)


def reviewed_examples(s: Session) -> list[tuple[str, str]]:
    """(text, category) pairs staff confirmed or corrected, newest label per suggestion."""
    latest: dict[object, tuple[str, str]] = {}
    for sid, text, label in s.connection().execute(_STAFF_LABELS):
        # an example whose suggestion was deleted has no id: it stands alone
        latest[sid if sid is not None else object()] = (text, label)
    return list(latest.values())
