"""Accounts of the web UI: roles, memberships, sessions and the rules on their inputs.

A session is found by the SHA-256 of its token: the token itself lives only in the
browser's cookie, so a copy of the table signs no one in. The CSRF token is derived from
the session token (an HMAC), so it needs no storage and dies with the session.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import msgspec

from spyglass_core.domain.errors import InvalidInput

__all__ = (
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "Invitation",
    "Membership",
    "Role",
    "UserSession",
    "csrf_token_for",
    "csrf_token_matches",
    "hash_token",
    "new_token",
    "validate_email",
    "validate_password",
)

MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256  # argon2 takes any length; the bound keeps hashing cheap to refuse
MAX_EMAIL_LENGTH = 320


class Role(enum.StrEnum):
    """A member's role in an organization; each role may do what the ones below it may."""

    OWNER = "OWNER"
    ADMIN = "ADMIN"
    MEMBER = "MEMBER"
    VIEWER = "VIEWER"

    @property
    def rank(self) -> int:
        """Higher is more powerful: VIEWER 0 … OWNER 3."""
        return _RANKS[self]

    def allows(self, needed: Role) -> bool:
        """True when this role may do what ``needed`` may."""
        return self.rank >= needed.rank


_RANKS = {Role.VIEWER: 0, Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}


class Membership(msgspec.Struct, frozen=True, kw_only=True):
    """A user's role in one organization; it covers every project of the organization."""

    organization_id: str
    user_id: str
    role: Role
    created_at: datetime


class UserSession(msgspec.Struct, frozen=True, kw_only=True):
    """A signed-in browser. ``token_hash`` is the SHA-256 of the cookie's token."""

    token_hash: str
    user_id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime

    def is_live(self, now: datetime, idle_timeout: timedelta) -> bool:
        """Not past its absolute expiry, and used within ``idle_timeout``."""
        return now < self.expires_at and now < self.last_seen_at + idle_timeout


def new_token() -> str:
    """A fresh random token (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a session or sign-up token.

    A plain SHA-256 is enough: the token has 256 random bits, so there is nothing to
    brute-force, unlike a password.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def csrf_token_for(session_token: str) -> str:
    """The CSRF token of a session: readable by the UI, unguessable without the cookie."""
    return hmac.new(session_token.encode("utf-8"), b"spyglass-csrf", hashlib.sha256).hexdigest()


def csrf_token_matches(session_token: str, candidate: str) -> bool:
    """Compare in constant time, so timing tells nothing about the right token."""
    return hmac.compare_digest(csrf_token_for(session_token), candidate)


def validate_email(email: str) -> str:
    """The email stripped, or ``InvalidInput`` when it cannot be an address.

    Deliberately loose (one ``@``, a dot in the domain): the only real check of an
    address is a message that arrives, and a strict pattern refuses valid ones.
    """
    cleaned = email.strip()
    local, at, domain = cleaned.rpartition("@")
    if (
        not at
        or not local
        or "." not in domain.strip(".")
        or any(c.isspace() for c in cleaned)
        or len(cleaned) > MAX_EMAIL_LENGTH
    ):
        raise InvalidInput("Enter a valid email address")
    return cleaned


def validate_password(password: str) -> str:
    """The password unchanged, or ``InvalidInput`` when it is too short or too long."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"The password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(f"The password must have at most {MAX_PASSWORD_LENGTH} characters")
    return password


class Invitation(msgspec.Struct, frozen=True, kw_only=True):
    """A single-use link that lets its holder sign up into an organization with a role.

    ``token_hash`` is the SHA-256 of the link's token. The first-start sign-up link is an
    invitation to become OWNER of the default organization.
    """

    token_hash: str
    organization_id: str
    role: Role
    created_at: datetime
    expires_at: datetime
    email: str | None = None
    """When set, only this address may accept (compared case-insensitively)."""
