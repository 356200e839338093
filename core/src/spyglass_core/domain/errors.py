"""Errors the domain and the ports raise.

Adapters translate driver errors into these at the boundary; the HTTP layer maps each
class to one status code in a single place (``spyglass.api.errors``).
"""

from __future__ import annotations

from typing import Any

__all__ = (
    "AuthenticationFailed",
    "Conflict",
    "DomainError",
    "InvalidInput",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "StorageUnavailable",
)


class DomainError(Exception):
    """Base class of every error Spyglass raises on purpose."""

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(DomainError):
    """The caller sent something that breaks a rule; ``details`` says what."""


class AuthenticationFailed(DomainError):
    """No credentials, or credentials that match no key."""


class PermissionDenied(DomainError):
    """Valid credentials that may not do this."""


class NotFound(DomainError):
    """The thing asked for does not exist in the caller's project."""


class Conflict(DomainError):
    """The write collides with existing data (a unique name, a key already taken)."""


class RateLimited(DomainError):
    """Too much at once; retry after ``retry_after`` seconds."""

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class StorageUnavailable(DomainError):
    """A storage backend cannot be reached; nothing was written."""
