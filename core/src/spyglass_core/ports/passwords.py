"""Password hashing: slow on purpose, so a stolen table is expensive to crack.

Contract:

- ``hash`` returns a self-describing string (algorithm, parameters, salt, digest).
- ``verify`` is True only for the password that was hashed; a malformed hash is False.
- ``needs_rehash`` is True when the hash was made with weaker parameters than today's.
- Both are CPU-heavy; adapters run them off the event loop.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ("PasswordHasher",)


class PasswordHasher(Protocol):
    """Hashes and checks passwords."""

    async def hash(self, password: str) -> str:
        """A new salted hash of ``password``."""

    async def verify(self, password_hash: str, password: str) -> bool:
        """True when ``password`` is the one ``password_hash`` was made from."""

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash should be replaced at the next successful sign-in."""
