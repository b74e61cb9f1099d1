"""cases: kinds, desks, deadlines, ratings, staff cards; questions become cases

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 01:00:00.000000

A question passed to staff was a row in `questions` that nothing could answer. It becomes a
case like a suggestion (`kind = 'question'`, code `NQ-...`), so it gets a card, a desk, a
deadline, an answer and a rating through the same paths. Existing questions are copied over
with codes `NQ-<day>-Q<id>` (outside the daily counter's range, so none can clash) and the
table is dropped.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS: tuple[sa.Column[object], ...] = (
    sa.Column("kind", sa.String(16), nullable=False, server_default="suggestion"),
    sa.Column("desk", sa.String(64), nullable=True),
    sa.Column("district", sa.String(32), nullable=True),
    sa.Column("due_on", sa.Date(), nullable=True),
    sa.Column("extended", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("escalated_at", sa.DateTime(), nullable=True),
    sa.Column("reopened", sa.Integer(), nullable=False, server_default="0"),
    sa.Column("rating", sa.String(16), nullable=True),
    sa.Column("rated_at", sa.DateTime(), nullable=True),
    sa.Column("rating_reminded", sa.Boolean(), nullable=False, server_default=sa.false()),
)


def upgrade() -> None:
    for column in COLUMNS:
        op.add_column("suggestions", column)
    op.create_index("ix_suggestions_desk", "suggestions", ["desk"])
    op.create_index("ix_suggestions_due_on", "suggestions", ["due_on"])
    op.create_table(
        "case_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("suggestion_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["suggestion_id"], ["suggestions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_case_cards_suggestion_id", "case_cards", ["suggestion_id"])
    op.create_index("ux_case_cards_message", "case_cards", ["chat_id", "message_id"], unique=True)
    _questions_to_cases()
    op.drop_index("ix_questions_user_id", table_name="questions")
    op.drop_table("questions")


_CATCH_UP = (
    "SELECT setval(pg_get_serial_sequence('suggestions', 'id'), "
    "COALESCE((SELECT MAX(id) FROM suggestions), 0) + 1, false)"
)


def _questions_to_cases() -> None:
    conn = op.get_bind()
    columns = "id, user_id, chat_id, language, text, created_at, answer, answered_at"
    rows = conn.execute(sa.text(f"SELECT {columns} FROM questions ORDER BY id")).all()
    insert = sa.text(
        "INSERT INTO suggestions (code, user_id, chat_id, language, text, attachments, "
        "anonymous, needs_review, status, followed_up, answer, answered_at, created_at, "
        "updated_at, kind, extended, reopened, rating_reminded) VALUES (:code, :user_id, "
        ":chat_id, :language, :text, '[]', :yes, :no, :status, :no, :answer, :answered_at, "
        ":created_at, :created_at, 'question', :no, 0, :no)"
    )
    if rows and conn.dialect.name == "postgresql":  # rows inserted with explicit ids (a
        # restore, a copy) leave the sequence behind: bring it up to the table first
        conn.execute(sa.text(_CATCH_UP))
    for q in rows:
        day = str(q.created_at)[:10].replace("-", "")  # a datetime, or SQLite's text
        conn.execute(insert, {
            "code": f"NQ-{day}-Q{q.id}", "user_id": q.user_id, "chat_id": q.chat_id,
            "language": q.language, "text": q.text, "yes": True, "no": False,
            "status": "answered" if q.answer else "submitted", "answer": q.answer,
            "answered_at": q.answered_at, "created_at": q.created_at,
        })  # fmt: skip


def downgrade() -> None:
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_questions_user_id", "questions", ["user_id"])
    op.drop_table("case_cards")
    op.drop_index("ix_suggestions_due_on", table_name="suggestions")
    op.drop_index("ix_suggestions_desk", table_name="suggestions")
    for column in COLUMNS:  # (SQLite 3.35+ drops a plain column in place)
        op.drop_column("suggestions", column.name)
