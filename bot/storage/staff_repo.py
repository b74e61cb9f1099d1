"""Repository methods for the staff side: status, answers, categories, templates, erasure."""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from bot.storage.models import (
    Draft,
    Event,
    LabelledExample,
    Outbox,
    Question,
    Status,
    Suggestion,
    Template,
    User,
    utcnow,
)
from bot.storage.views import Page, SuggestionView, UserView, suggestion_view, user_view

# Which status changes the worker hears about (recategorising, for one, is staff business).
NOTIFY_WORKER = {Status.RECEIVED, Status.IN_PROGRESS, Status.ADOPTED, Status.NOT_ADOPTED}
CLOSED = (Status.ANSWERED, Status.ADOPTED, Status.NOT_ADOPTED)


class NotFound(LookupError):
    """No suggestion with that code or id."""


class StaffQueries:
    """Mixed into `Store`; uses its `session()` and view helpers."""

    def session(self) -> AbstractContextManager[Session]:  # provided by Store
        raise NotImplementedError

    # roles -------------------------------------------------------------------

    def role_of(self, user_id: int) -> str | None:
        """The role stored for a user (None for an unknown user)."""
        with self.session() as s:
            return s.scalar(select(User.role).where(User.id == user_id))

    def set_role(self, user_id: int, role: str) -> None:
        with self.session() as s:
            user = s.get(User, user_id)
            if user is None:
                s.add(User(id=user_id, role=role))
            else:
                user.role = role

    def users_with_roles(self, roles: tuple[str, ...]) -> list[UserView]:
        with self.session() as s:
            rows = s.scalars(select(User).where(User.role.in_(roles)).order_by(User.id))
            return [user_view(u) for u in rows]

    # finding -----------------------------------------------------------------

    def _row(self, s: Session, ref: int | str) -> Suggestion:
        if isinstance(ref, int):
            row = s.get(Suggestion, ref, with_for_update=True)
        else:
            row = s.scalar(
                select(Suggestion).where(Suggestion.code == ref.strip().upper()).with_for_update()
            )
        if row is None:
            raise NotFound(str(ref))
        return row

    def inbox(
        self, category: str | None, status: str | None, offset: int = 0, limit: int = 5
    ) -> Page:
        """Suggestions for staff, newest first; without a status, the open ones."""
        query = select(Suggestion)
        if category == "review":
            query = query.where(Suggestion.needs_review.is_(True))
        elif category:
            query = query.where(Suggestion.category == category)
        if status:
            query = query.where(Suggestion.status == status)
        else:
            query = query.where(Suggestion.status.not_in([str(c) for c in CLOSED]))
        with self.session() as s:
            total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = s.scalars(
                query.order_by(Suggestion.created_at.desc(), Suggestion.id.desc())
                .offset(offset)
                .limit(limit)
            ).all()
            return Page([suggestion_view(r) for r in rows], total, offset, limit)

    # changes -----------------------------------------------------------------

    def _log(self, s: Session, row: Suggestion, kind: str, actor: int | None, **data: Any) -> None:
        s.add(Event(suggestion_id=row.id, kind=kind, actor_id=actor, data=data))

    def _tell_worker(self, s: Session, row: Suggestion, kind: str, **payload: Any) -> None:
        if row.chat_id is not None:
            s.add(Outbox(chat_id=row.chat_id, kind=kind, suggestion_id=row.id, payload=payload))

    def set_status(self, ref: int | str, status: str, actor: int) -> SuggestionView:
        """Move a suggestion to `status`, log it, and tell the worker when it matters."""
        status = Status(status)
        with self.session() as s:
            row = self._row(s, ref)
            old = row.status
            if old != status:
                row.status = status
                self._log(s, row, "status_changed", actor, old=old, new=str(status))
                if status in NOTIFY_WORKER:
                    self._tell_worker(s, row, "status", status=str(status))
            return suggestion_view(row)

    def answer(self, ref: int | str, text: str, actor: int) -> SuggestionView:
        """Store the answer, mark the suggestion answered, queue it for the worker."""
        with self.session() as s:
            row = self._row(s, ref)
            row.answer, row.answered_at, row.status = text, utcnow(), Status.ANSWERED
            self._log(s, row, "answered", actor, text=text)
            self._tell_worker(s, row, "answer")
            return suggestion_view(row)

    def recategorize(self, ref: int | str, category: str, actor: int) -> SuggestionView:
        """A staff correction: stored on the suggestion and as a labelled example."""
        with self.session() as s:
            row = self._row(s, ref)
            old = row.category
            row.category, row.needs_review = category, False
            self._log(s, row, "recategorized", actor, old=old, new=category)
            s.add(LabelledExample(suggestion_id=row.id, text=row.text, label=category,
                                  source="staff", actor_id=actor))  # fmt: skip
            return suggestion_view(row)

    def follow_up(
        self, suggestion_id: int, user_id: int, announce_to: int | None
    ) -> tuple[str, SuggestionView | None]:
        """A worker says an answered suggestion is not solved: reopen it, once.

        Returns ("reopened", view), or ("not_yours" | "already" | "still_open", None).
        """
        with self.session() as s:
            row = s.get(Suggestion, suggestion_id, with_for_update=True)
            if row is None or row.user_id != user_id:
                return "not_yours", None
            if row.followed_up:
                return "already", None
            if row.status not in [str(c) for c in CLOSED]:
                return "still_open", None
            row.followed_up, row.status = True, Status.IN_PROGRESS
            self._log(s, row, "follow_up", user_id)
            if announce_to is not None:
                s.add(Outbox(chat_id=announce_to, kind="follow_up", suggestion_id=row.id))
            return "reopened", suggestion_view(row)

    def delivery_failures(self, suggestion_id: int) -> list[tuple[str, str, datetime | None]]:
        """Messages about this suggestion that could not be delivered: (kind, error, when)."""
        with self.session() as s:
            rows = s.execute(
                select(Outbox.kind, Outbox.last_error, Outbox.failed_at).where(
                    Outbox.suggestion_id == suggestion_id, Outbox.failed_at.is_not(None)
                )
            ).all()
            return [(k, e or "", w) for k, e, w in rows]

    # reports -------------------------------------------------------------------

    def created_since(self, since: datetime) -> list[tuple[datetime, str | None]]:
        """(created_at, category or None when it waits for review) since a UTC time."""
        query = select(Suggestion.created_at, Suggestion.category, Suggestion.needs_review).where(
            Suggestion.created_at >= since
        )
        with self.session() as s:
            return [(c, None if review else cat) for c, cat, review in s.execute(query)]

    def status_counts(self) -> dict[str, int]:
        query = select(Suggestion.status, func.count()).group_by(Suggestion.status)
        with self.session() as s:
            return {str(status): int(n) for status, n in s.execute(query)}

    # templates ---------------------------------------------------------------

    def add_template(self, name: str, text: str, actor: int) -> int:
        with self.session() as s:
            existing = s.scalar(select(Template).where(Template.name == name))
            if existing is not None:
                existing.text = text
                return existing.id
            row = Template(name=name, text=text, created_by=actor)
            s.add(row)
            s.flush()
            return row.id

    def templates(self) -> list[tuple[int, str, str]]:
        with self.session() as s:
            rows = s.execute(
                select(Template.id, Template.name, Template.text).order_by(Template.id)
            )
            return [(i, n, t) for i, n, t in rows]

    def template_text(self, template_id: int) -> str | None:
        with self.session() as s:
            return s.scalar(select(Template.text).where(Template.id == template_id))

    def delete_template(self, template_id: int) -> bool:
        with self.session() as s:
            return bool(s.execute(delete(Template).where(Template.id == template_id)).rowcount)

    # questions passed on from the FAQ ------------------------------------------

    def add_question(self, user_id: int, chat_id: int, language: str, text: str) -> int:
        with self.session() as s:
            row = Question(user_id=user_id, chat_id=chat_id, language=language, text=text)
            s.add(row)
            s.flush()
            return row.id

    # training data -------------------------------------------------------------

    def reviewed_examples(self) -> list[tuple[str, str]]:
        """(text, category) pairs staff confirmed or corrected, newest label per suggestion."""
        with self.session() as s:
            rows = s.execute(
                select(LabelledExample.suggestion_id, LabelledExample.text, LabelledExample.label)
                .where(LabelledExample.source == "staff")
                .order_by(LabelledExample.id)
            ).all()
        latest: dict[object, tuple[str, str]] = {}
        for sid, text, label in rows:
            latest[sid if sid is not None else object()] = (text, label)
        return list(latest.values())

    # privacy -------------------------------------------------------------------

    def erase_identity(self, user_id: int) -> int:
        """Unlink a worker from everything; suggestions stay, anonymous. Returns how many."""
        with self.session() as s:
            ids = list(s.scalars(select(Suggestion.id).where(Suggestion.user_id == user_id)))
            s.execute(
                update(Suggestion)
                .where(Suggestion.user_id == user_id)
                .values(user_id=None, chat_id=None, anonymous=True, contact_name=None,
                        contact_phone=None)
            )  # fmt: skip
            if ids:
                mine = (Event.suggestion_id.in_(ids), Event.actor_id == user_id)
                s.execute(update(Event).where(*mine).values(actor_id=None))
                unsent = (Outbox.suggestion_id.in_(ids), Outbox.sent_at.is_(None))
                s.execute(delete(Outbox).where(*unsent))
            s.execute(update(Question).where(Question.user_id == user_id).values(
                user_id=None, chat_id=None))  # fmt: skip
            s.execute(delete(Draft).where(Draft.user_id == user_id))
            s.execute(delete(User).where(User.id == user_id))
            return len(ids)
