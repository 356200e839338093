"""A parent table and a child that references it ON DELETE CASCADE.

Revision ID: c001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("cascade_parents", sa.Column("id", sa.String(64), primary_key=True))
    op.create_table(
        "cascade_children",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column(
            "parent_id",
            sa.String(64),
            sa.ForeignKey("cascade_parents.id", ondelete="CASCADE"),
            nullable=False,
        ),
    )


def downgrade() -> None:
    op.drop_table("cascade_children")
    op.drop_table("cascade_parents")
