"""The shared kernel's tables (SQLAlchemy Core, no ORM); each plugin declares its own."""

from __future__ import annotations

import sqlalchemy as sa

__all__ = (
    "api_keys",
    "event_outbox",
    "instance_secrets",
    "invitations",
    "memberships",
    "metadata",
    "naming_convention",
    "organizations",
    "projects",
    "user_sessions",
    "users",
)

naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names every chain uses, so names stay predictable across plugins."""

metadata = sa.MetaData(naming_convention=naming_convention)

_TS = sa.DateTime(timezone=True)

organizations = sa.Table(
    "organizations",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("metadata", sa.JSON, nullable=False),
    sa.Column("created_at", _TS, nullable=False),
)

projects = sa.Table(
    "projects",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column(
        "organization_id",
        sa.String(255),
        sa.ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("metadata", sa.JSON, nullable=False),
    sa.Column("retention_days", sa.Integer, nullable=True),
    sa.Column("created_at", _TS, nullable=False),
    sa.UniqueConstraint("organization_id", "name", name="uq_projects_organization_id_name"),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column(
        "project_id",
        sa.String(255),
        sa.ForeignKey("projects.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("public_key", sa.String(255), nullable=False, unique=True),
    sa.Column("fast_hashed_secret", sa.String(128), nullable=False, unique=True),
    sa.Column("display_secret", sa.String(64), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("last_used_at", _TS, nullable=True),
)

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.String(255), primary_key=True),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("email_normalized", sa.String(320), nullable=False, unique=True),
    sa.Column("name", sa.String(255), nullable=True),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=True),
)

memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column(
        "organization_id",
        sa.String(255),
        sa.ForeignKey("organizations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "user_id",
        sa.String(255),
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("created_at", _TS, nullable=False),
)

user_sessions = sa.Table(
    "user_sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "user_id",
        sa.String(255),
        sa.ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("last_seen_at", _TS, nullable=False),
    sa.Column("expires_at", _TS, nullable=False),
)

invitations = sa.Table(
    "invitations",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column(
        "organization_id",
        sa.String(255),
        sa.ForeignKey("organizations.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("expires_at", _TS, nullable=False),
)

instance_secrets = sa.Table(
    "instance_secrets",
    metadata,
    sa.Column("name", sa.String(255), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("created_at", _TS, nullable=False),
)

# Domain events committed with the change they report, until every handler ran.
event_outbox = sa.Table(
    "event_outbox",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("event_type", sa.String(255), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", _TS, nullable=False),
    sa.Column("available_at", _TS, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Index("ix_event_outbox_available_at", "available_at"),
)
