"""Organizations, projects and users: who owns the data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.errors import InvalidInput

__all__ = ("MAX_NAME_LENGTH", "Organization", "Project", "User", "validate_name")

MAX_NAME_LENGTH = 200


class Organization(msgspec.Struct, frozen=True, kw_only=True):
    """A tenant: owns projects and, later, users' memberships."""

    id: str
    name: str
    created_at: datetime
    metadata: dict[str, Any] = {}


class Project(msgspec.Struct, frozen=True, kw_only=True):
    """The unit of isolation: every key and everything a feature stores has one project."""

    id: str
    organization_id: str
    name: str
    created_at: datetime
    metadata: dict[str, Any] = {}
    retention_days: int | None = None


class User(msgspec.Struct, frozen=True, kw_only=True):
    """A person who signs in to the UI. API clients authenticate with keys instead."""

    id: str
    email: str
    created_at: datetime
    name: str | None = None
    password_hash: str | None = None
    """The argon2 hash of the password; None for a user who cannot sign in with one."""


def validate_name(kind: str, name: str) -> str:
    """Return ``name`` stripped, or raise ``InvalidInput`` when it is empty or too long."""
    cleaned = name.strip()
    if not cleaned:
        raise InvalidInput(f"{kind} name must not be empty")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise InvalidInput(f"{kind} name must be at most {MAX_NAME_LENGTH} characters")
    return cleaned
