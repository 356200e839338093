"""Authenticate API credentials the way Langfuse does, with a cache in front of storage."""

from __future__ import annotations

import contextlib

import msgspec

from spyglass_core.domain.api_keys import AccessLevel, Principal, fast_hash
from spyglass_core.domain.errors import AuthenticationFailed, StorageUnavailable
from spyglass_core.ports.cache import Cache
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory

__all__ = ("INVALID_CREDENTIALS", "ApiKeyAuthenticator")

INVALID_CREDENTIALS = "Invalid credentials. Confirm that you've configured the correct host."
_UNKNOWN = b"-"  # cached "no such key", so a flood of bad keys does not reach the database


class _CachedKey(msgspec.Struct, frozen=True):
    key_id: str
    public_key: str
    project_id: str
    organization_id: str


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(_CachedKey)


class ApiKeyAuthenticator:
    """Turns Basic (public:secret) or Bearer (public key) credentials into a ``Principal``.

    Keys are found by the salted hash of the secret and cached for ``ttl_seconds``;
    unknown secrets, and unknown public keys sent as Bearer credentials, are cached for
    ``negative_ttl_seconds``. A revoked key therefore stops working in other processes
    within ``ttl_seconds`` at most, and at once in the process that revoked it (see
    ``forget``).
    """

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        cache: Cache,
        clock: Clock,
        *,
        salt: str,
        ttl_seconds: float = 60.0,
        negative_ttl_seconds: float = 5.0,
    ) -> None:
        self._uow_factory = uow_factory
        self._cache = cache
        self._clock = clock
        self._salt = salt
        self._ttl = ttl_seconds
        self._negative_ttl = negative_ttl_seconds

    async def authenticate_basic(self, public_key: str, secret_key: str) -> Principal:
        """The principal of a key pair with full project access.

        Raises:
            AuthenticationFailed: no key has this secret, or its public key differs.
            StorageUnavailable: the key is not cached and storage is down.
        """
        hashed = fast_hash(secret_key, self._salt)
        cached = await self._lookup(hashed)
        if cached is None or cached.public_key != public_key:
            raise AuthenticationFailed(INVALID_CREDENTIALS)
        return Principal(
            project_id=cached.project_id,
            organization_id=cached.organization_id,
            api_key_id=cached.key_id,
        )

    async def authenticate_bearer(self, public_key: str) -> Principal:
        """The principal of a bare public key: it may only write scores.

        Raises:
            AuthenticationFailed: no key has this public key.
            StorageUnavailable: the key is not known to be unknown and storage is down.
        """
        # Keyed by a hash: the header is the caller's, of any length.
        cache_key = f"auth:public-key:{fast_hash(public_key, self._salt)}"
        try:
            known_unknown = await self._cache.get(cache_key) == _UNKNOWN
        except StorageUnavailable:
            known_unknown = False
        if known_unknown:
            raise AuthenticationFailed(INVALID_CREDENTIALS)
        async with self._uow_factory() as uow:
            key = await uow.api_keys.get_by_public_key(public_key)
            project = await uow.projects.get(key.project_id) if key else None
        if key is None or project is None:
            with contextlib.suppress(StorageUnavailable):
                await self._cache.set(cache_key, _UNKNOWN, self._negative_ttl)
            raise AuthenticationFailed(INVALID_CREDENTIALS)
        return Principal(
            project_id=project.id,
            organization_id=project.organization_id,
            api_key_id=key.id,
            access_level=AccessLevel.SCORES,
        )

    async def forget(self, fast_hashed_secret: str) -> None:
        """Drop a key from the cache, after it was revoked."""
        with contextlib.suppress(StorageUnavailable):
            await self._cache.delete(self._cache_key(fast_hashed_secret))

    async def _lookup(self, hashed: str) -> _CachedKey | None:
        cache_key = self._cache_key(hashed)
        try:
            raw = await self._cache.get(cache_key)
        except StorageUnavailable:
            raw = None
        if raw == _UNKNOWN:
            return None
        if raw is not None:
            return _decoder.decode(raw)
        found = await self._load(hashed)
        value, ttl = (
            (_UNKNOWN, self._negative_ttl)
            if found is None
            else (
                _encoder.encode(found),
                self._ttl,
            )
        )
        with contextlib.suppress(StorageUnavailable):
            await self._cache.set(cache_key, value, ttl)
        return found

    async def _load(self, hashed: str) -> _CachedKey | None:
        async with self._uow_factory() as uow:
            key = await uow.api_keys.get_by_fast_hash(hashed)
            if key is None:
                return None
            project = await uow.projects.get(key.project_id)
            if project is None:
                return None
            await uow.api_keys.touch(key.id, self._clock.now())
            await uow.commit()
        return _CachedKey(key.id, key.public_key, project.id, project.organization_id)

    @staticmethod
    def _cache_key(hashed: str) -> str:
        return f"auth:api-key:{hashed}"
