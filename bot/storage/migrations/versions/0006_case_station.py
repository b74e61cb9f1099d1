"""cases: the station a case is about (a worker who came from a station's poster)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05 01:00:00.000000

A worker who opens the bot from a station's QR code (`/start st_<station id>`) and reports a
problem there makes a case about that station: `station_id` holds the id from the stations
file (names are looked up when shown, so a renamed station shows its new name). Older cases
and cases about no station keep NULL.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("suggestions", sa.Column("station_id", sa.String(40), nullable=True))


def downgrade() -> None:
    op.drop_column("suggestions", "station_id")  # (SQLite 3.35+ drops a plain column in place)
