"""user text columns take whatever Telegram sends

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 10:00:00.000000

Names, usernames, places, phone numbers and template names were VARCHAR(n), narrower than
what Telegram allows (a first and a last name of 64 characters each make a display name of
129): PostgreSQL refused such a person's every update. They become TEXT, like the other
text columns. NUL characters are dropped by the column type (`UserText`), not here.

PostgreSQL only. SQLite never enforced these widths (VARCHAR(n) and TEXT have the same
affinity there and take any length), and changing a declared type in SQLite means copying
the table and dropping the old one, whose implicit DELETE would fire the ON DELETE CASCADE
of the events and outbox rows while foreign keys are on (they are, on every connection of
ours, and cannot be switched off inside the migration's transaction).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, column, the width it had, nullable)
WIDENED = (
    ("users", "display_name", 128, True),
    ("users", "username", 64, True),
    ("suggestions", "place", 200, True),
    ("suggestions", "contact_name", 128, True),
    ("suggestions", "contact_phone", 32, True),
    ("reply_templates", "name", 64, False),
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, width, nullable in WIDENED:
        # VARCHAR(n) to TEXT is binary coercible: PostgreSQL rewrites neither table nor index
        op.alter_column(table, column, type_=sa.Text(), existing_type=sa.String(width),
                        existing_nullable=nullable)  # fmt: skip


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, width, nullable in WIDENED:
        # longer values are cut to the old width: the old schema cannot hold them
        op.alter_column(table, column, type_=sa.String(width), existing_type=sa.Text(),
                        existing_nullable=nullable,
                        postgresql_using=f"left({column}, {width})")  # fmt: skip
