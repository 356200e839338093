"""Explicit row ↔ domain mapping: no ORM object ever reaches the core."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from spyglass_core.domain.api_keys import ApiKey
from spyglass_core.domain.projects import Organization, Project, User

__all__ = (
    "api_key_from_row",
    "api_key_values",
    "organization_from_row",
    "organization_values",
    "project_from_row",
    "project_values",
    "user_from_row",
    "user_values",
    "utc_loaded",
    "utc_value",
)


def _utc(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes even for timezone-aware columns.
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def utc_value(value: datetime | None) -> datetime | None:
    """A datetime as written: aware values converted to UTC.

    SQLite stores the wall time without its offset, so a non-UTC value would come back
    as a different instant (and sort wrongly); converting on the way in prevents that.
    """
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC)


def _required_utc(value: datetime) -> datetime:
    result = _utc(value)
    assert result is not None
    return result


def utc_loaded(value: datetime) -> datetime:
    """A non-null datetime as read back: aware, in UTC (SQLite returns it naive)."""
    return _required_utc(value)


def organization_from_row(row: sa.Row[Any]) -> Organization:
    """Organization from an ``organizations`` row."""
    return Organization(
        id=row.id,
        name=row.name,
        metadata=row.metadata or {},
        created_at=_required_utc(row.created_at),
    )


def organization_values(org: Organization) -> dict[str, Any]:
    """Column values of an organization."""
    return {
        "id": org.id,
        "name": org.name,
        "metadata": org.metadata,
        "created_at": utc_value(org.created_at),
    }


def project_from_row(row: sa.Row[Any]) -> Project:
    """Project from a ``projects`` row."""
    return Project(
        id=row.id,
        organization_id=row.organization_id,
        name=row.name,
        metadata=row.metadata or {},
        retention_days=row.retention_days,
        created_at=_required_utc(row.created_at),
    )


def project_values(project: Project) -> dict[str, Any]:
    """Column values of a project."""
    return {
        "id": project.id,
        "organization_id": project.organization_id,
        "name": project.name,
        "metadata": project.metadata,
        "retention_days": project.retention_days,
        "created_at": utc_value(project.created_at),
    }


def api_key_from_row(row: sa.Row[Any]) -> ApiKey:
    """ApiKey from an ``api_keys`` row."""
    return ApiKey(
        id=row.id,
        project_id=row.project_id,
        public_key=row.public_key,
        fast_hashed_secret=row.fast_hashed_secret,
        display_secret=row.display_secret,
        note=row.note,
        created_at=_required_utc(row.created_at),
        last_used_at=_utc(row.last_used_at),
    )


def api_key_values(key: ApiKey) -> dict[str, Any]:
    """Column values of an API key."""
    return {
        "id": key.id,
        "project_id": key.project_id,
        "public_key": key.public_key,
        "fast_hashed_secret": key.fast_hashed_secret,
        "display_secret": key.display_secret,
        "note": key.note,
        "created_at": utc_value(key.created_at),
        "last_used_at": utc_value(key.last_used_at),
    }


def user_from_row(row: sa.Row[Any]) -> User:
    """User from a ``users`` row."""
    return User(
        id=row.id,
        email=row.email,
        name=row.name,
        created_at=_required_utc(row.created_at),
        password_hash=row.password_hash,
    )


def user_values(user: User) -> dict[str, Any]:
    """Column values of a user; the normalized email backs the case-insensitive unique rule."""
    return {
        "id": user.id,
        "email": user.email,
        "email_normalized": user.email.casefold(),
        "name": user.name,
        "created_at": utc_value(user.created_at),
        "password_hash": user.password_hash,
    }
