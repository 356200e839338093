"""Notes table.

Revision ID: n001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "n001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "test_notes",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("test_notes")
