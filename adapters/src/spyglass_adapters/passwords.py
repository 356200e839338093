"""Password hashing with argon2id (argon2-cffi), off the event loop."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from spyglass_core.ports.passwords import PasswordHasher

__all__ = ("Argon2PasswordHasher",)


class Argon2PasswordHasher(PasswordHasher):
    """argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile).

    Args:
        time_cost / memory_cost_kib: override the defaults (tests use cheaper ones).
    """

    def __init__(self, *, time_cost: int | None = None, memory_cost_kib: int | None = None) -> None:
        defaults = _Argon2()
        self._hasher = _Argon2(
            time_cost=time_cost or defaults.time_cost,
            memory_cost=memory_cost_kib or defaults.memory_cost,
        )

    async def hash(self, password: str) -> str:
        # Tens of milliseconds of CPU and 64 MiB: never on the event loop.
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await asyncio.to_thread(self._verify, password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except (InvalidHashError, ValueError):
            return True

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
