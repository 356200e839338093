"""Login rate limiting: failed sign-ins counted per email and per client address.

The counters live in the ``Cache`` port, so with Redis every replica sees the same
counts. A read-modify-write is not atomic: under a race two failures may count as one,
which only loosens the limit slightly, never locks anyone out wrongly.
"""

from __future__ import annotations

import contextlib
import hashlib
import math

import msgspec

from spyglass_core.domain.errors import RateLimited, StorageUnavailable
from spyglass_core.ports.cache import Cache
from spyglass_core.ports.clock import Clock

__all__ = ("LoginThrottle",)

TOO_MANY_ATTEMPTS = "Too many failed sign-in attempts. Try again later."


class _Counter(msgspec.Struct, frozen=True):
    count: int
    until: float  # epoch seconds at which the window closes


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(_Counter)


class LoginThrottle:
    """Refuses sign-in once ``limit`` failures happened within ``window_seconds``.

    The window is fixed from the first failure. A successful sign-in clears the email's
    counter, not the address's: one person signing in must not unlock an address that is
    guessing other accounts' passwords. When the cache is down the throttle lets sign-ins
    through rather than locking every user out (argon2 still makes guessing slow).
    """

    def __init__(
        self, cache: Cache, clock: Clock, *, limit: int = 10, window_seconds: float = 900.0
    ) -> None:
        self._cache = cache
        self._clock = clock
        self._limit = limit
        self._window = window_seconds

    async def check(self, email: str, address: str | None) -> None:
        """Raises: RateLimited, with the seconds until the oldest window closes."""
        now = self._clock.now().timestamp()
        for key in self._keys(email, address):
            counter = await self._read(key)
            if counter and counter.count >= self._limit and counter.until > now:
                raise RateLimited(TOO_MANY_ATTEMPTS, retry_after=math.ceil(counter.until - now))

    async def record_failure(self, email: str, address: str | None) -> None:
        """Count one failed attempt against the email and the address."""
        now = self._clock.now().timestamp()
        for key in self._keys(email, address):
            counter = await self._read(key)
            if counter is None or counter.until <= now:
                counter = _Counter(0, now + self._window)
            counter = _Counter(counter.count + 1, counter.until)
            with contextlib.suppress(StorageUnavailable):
                await self._cache.set(key, _encoder.encode(counter), counter.until - now)

    async def record_success(self, email: str) -> None:
        """Clear the email's counter."""
        with contextlib.suppress(StorageUnavailable):
            await self._cache.delete(self._email_key(email))

    async def _read(self, key: str) -> _Counter | None:
        try:
            raw = await self._cache.get(key)
        except StorageUnavailable:
            return None
        if raw is None:
            return None
        try:
            return _decoder.decode(raw)
        except msgspec.DecodeError:
            return None

    def _keys(self, email: str, address: str | None) -> list[str]:
        keys = [self._email_key(email)]
        if address:
            keys.append(f"login-failures:address:{address}")
        return keys

    @staticmethod
    def _email_key(email: str) -> str:
        # Hashed: the key is the caller's input, of any length, and need not be readable.
        digest = hashlib.sha256(email.strip().casefold().encode("utf-8")).hexdigest()
        return f"login-failures:email:{digest}"
