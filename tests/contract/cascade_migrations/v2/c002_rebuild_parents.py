"""A change SQLite can only make by rebuilding the parent table (batch mode).

Revision ID: c002
Revises: c001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c002"
down_revision = "c001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cascade_parents", recreate="always") as batch:
        batch.add_column(sa.Column("label", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cascade_parents", recreate="always") as batch:
        batch.drop_column("label")
