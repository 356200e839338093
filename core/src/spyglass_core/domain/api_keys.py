"""API keys: Langfuse-compatible ``pk-lf-…`` / ``sk-lf-…`` pairs.

The secret is never stored. A key is found by a salted SHA-256 of its secret (the
"fast hash"), which is cheap enough to compute on every request and, with a per-
deployment salt, useless to someone who steals the table without the salt.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from datetime import datetime

import msgspec

from spyglass_core.domain.errors import InvalidInput

__all__ = (
    "PUBLIC_KEY_PREFIX",
    "SECRET_KEY_PREFIX",
    "AccessLevel",
    "ApiKey",
    "KeyPair",
    "Principal",
    "display_secret",
    "fast_hash",
    "generate_key_pair",
    "validate_key_pair",
)

PUBLIC_KEY_PREFIX = "pk-lf-"
SECRET_KEY_PREFIX = "sk-lf-"
_MAX_KEY_LENGTH = 200


class AccessLevel(enum.Enum):
    """What a credential may do: everything in its project, or only write scores."""

    PROJECT = "project"
    SCORES = "scores"


class ApiKey(msgspec.Struct, frozen=True, kw_only=True):
    """A stored API key. ``fast_hashed_secret`` is ``fast_hash(secret, salt)``."""

    id: str
    project_id: str
    public_key: str
    fast_hashed_secret: str
    display_secret: str
    created_at: datetime
    note: str | None = None
    last_used_at: datetime | None = None


class KeyPair(msgspec.Struct, frozen=True):
    """A public and secret key as handed to a user, once."""

    public_key: str
    secret_key: str


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """Who is calling: the project a credential is bound to and how much it may do."""

    project_id: str
    organization_id: str
    api_key_id: str | None
    access_level: AccessLevel = AccessLevel.PROJECT


def generate_key_pair() -> KeyPair:
    """Return a fresh random key pair in the Langfuse format."""
    return KeyPair(
        public_key=f"{PUBLIC_KEY_PREFIX}{secrets.token_hex(16)}",
        secret_key=f"{SECRET_KEY_PREFIX}{secrets.token_hex(24)}",
    )


def validate_key_pair(public_key: str, secret_key: str) -> KeyPair:
    """Check a caller-chosen key pair (bootstrap, CLI) and return it.

    Raises:
        InvalidInput: a prefix is wrong or a key is empty or too long.
    """
    for label, value, prefix in (
        ("public key", public_key, PUBLIC_KEY_PREFIX),
        ("secret key", secret_key, SECRET_KEY_PREFIX),
    ):
        if not value.startswith(prefix) or len(value) <= len(prefix):
            raise InvalidInput(f"The {label} must start with '{prefix}' followed by characters")
        if len(value) > _MAX_KEY_LENGTH:
            raise InvalidInput(f"The {label} must be at most {_MAX_KEY_LENGTH} characters")
    return KeyPair(public_key=public_key, secret_key=secret_key)


def fast_hash(secret_key: str, salt: str) -> str:
    """Salted SHA-256 of a secret key, hex encoded: the lookup key for authentication."""
    return hmac.new(salt.encode(), secret_key.encode(), hashlib.sha256).hexdigest()


def display_secret(secret_key: str) -> str:
    """A recognisable, harmless rendering of a secret: ``sk-lf-...1a2b``."""
    return f"{SECRET_KEY_PREFIX}...{secret_key[-4:]}"
