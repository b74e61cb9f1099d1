"""web chat: devices, messages, one-time links, request ids, uploaded files

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07 02:00:00.000000

The web chat (`bot/web/`) keeps a rider's browsers (the SHA-256 of each device's cookie
token, never the token), the chat as the page shows it (answers wait there for the next
visit), one-time links to open the chat on another phone, the answer to every request id the
page made (a retried request is answered the same and never carried out twice), and the files
riders upload (photos with their metadata stripped, voice notes). Riders, their chats and
their events are numbered from 2^53 up, so they never collide with Telegram's ids. A case
keeps the channel it came by (`suggestions.channel`; older cases came by Telegram).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # the channel a case came by (kept when the worker's chat is erased)
    op.add_column("suggestions", sa.Column("channel", sa.String(16), nullable=False,
                                           server_default="telegram"))  # fmt: skip
    op.create_table(
        "web_devices",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("rider_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("seen_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "web_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("chat_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("highlight", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "web_links",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("rider_id", sa.BigInteger, nullable=False, index=True),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.Column("used_at", sa.DateTime, nullable=True),
    )
    op.create_table(
        "web_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("rider_id", sa.BigInteger, nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("response", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False, index=True),
        sa.UniqueConstraint("rider_id", "client_id", name="uq_web_requests_client"),
    )
    op.create_table(
        "uploads",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("rider_id", sa.BigInteger, nullable=True, index=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("mime", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_column("suggestions", "channel")
    for table in ("uploads", "web_requests", "web_links", "web_messages", "web_devices"):
        op.drop_table(table)
