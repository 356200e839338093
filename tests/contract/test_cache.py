"""Contract of ``Cache``: the in-process cache (on a ``FixedClock``) and Redis."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from spyglass_adapters.cache import InProcessCache
from spyglass_adapters.cache.redis_cache import RedisCache
from spyglass_adapters.memory.clock import FixedClock
from spyglass_core.domain.errors import StorageUnavailable
from spyglass_core.ports.cache import Cache


@dataclass
class CacheUnderTest:
    cache: Cache
    short_ttl: float
    let_short_ttl_pass: Callable[[], Awaitable[None]]


@pytest.fixture(params=["inprocess", "redis"])
async def subject(request: pytest.FixtureRequest, redis_url: str) -> AsyncIterator[CacheUnderTest]:
    if request.param == "inprocess":
        clock = FixedClock()

        async def step() -> None:
            clock.advance(0.4)

        yield CacheUnderTest(InProcessCache(clock), 0.2, step)
        return

    cache = RedisCache.from_url(redis_url, namespace=f"spyglass-ct:{uuid.uuid4().hex}:")

    async def sleep() -> None:
        await asyncio.sleep(0.4)

    try:
        yield CacheUnderTest(cache, 0.2, sleep)
    finally:
        await cache.delete_prefix("")
        await cache.close()


async def test_get_returns_what_set_stored(subject: CacheUnderTest) -> None:
    cache = subject.cache
    value = bytes(range(256))
    await cache.set("k", value)
    assert await cache.get("k") == value
    await cache.set("empty", b"")
    got = await cache.get("empty")
    assert got == b"" and got is not None
    assert type(await cache.get("k")) is bytes


async def test_missing_key_is_none(subject: CacheUnderTest) -> None:
    assert await subject.cache.get("missing") is None


async def test_set_overwrites(subject: CacheUnderTest) -> None:
    cache = subject.cache
    await cache.set("k", b"first, and longer")
    await cache.set("k", b"second")
    assert await cache.get("k") == b"second"


async def test_overwrite_replaces_the_ttl(subject: CacheUnderTest) -> None:
    cache = subject.cache
    await cache.set("short-then-long", b"1", ttl_seconds=subject.short_ttl)
    await cache.set("short-then-long", b"2")
    await cache.set("long-then-short", b"1")
    await cache.set("long-then-short", b"2", ttl_seconds=subject.short_ttl)
    await subject.let_short_ttl_pass()
    assert await cache.get("short-then-long") == b"2"
    assert await cache.get("long-then-short") is None


async def test_entries_expire_after_their_ttl(subject: CacheUnderTest) -> None:
    cache = subject.cache
    await cache.set("short", b"s", ttl_seconds=subject.short_ttl)
    await cache.set("long", b"l", ttl_seconds=60)
    await cache.set("forever", b"f")
    assert await cache.get("short") == b"s"
    await subject.let_short_ttl_pass()
    assert await cache.get("short") is None
    assert await cache.get("long") == b"l"
    assert await cache.get("forever") == b"f"


async def test_delete_removes_one_key_and_missing_is_a_noop(subject: CacheUnderTest) -> None:
    cache = subject.cache
    await cache.set("a", b"1")
    await cache.set("ab", b"2")
    await cache.delete("a")
    assert await cache.get("a") is None
    assert await cache.get("ab") == b"2"
    await cache.delete("a")
    await cache.delete("never-set")
    assert await cache.get("ab") == b"2"


async def test_delete_prefix_removes_only_matching_keys(subject: CacheUnderTest) -> None:
    cache = subject.cache
    for key in ("prompt:p1:v1", "prompt:p1:v2", "prompt:p1", "prompt:p10:v1", "prompt:p2:v1"):
        await cache.set(key, key.encode())
    await cache.delete_prefix("prompt:p1:")
    assert await cache.get("prompt:p1:v1") is None
    assert await cache.get("prompt:p1:v2") is None
    assert await cache.get("prompt:p1") == b"prompt:p1"
    assert await cache.get("prompt:p10:v1") == b"prompt:p10:v1"
    assert await cache.get("prompt:p2:v1") == b"prompt:p2:v1"
    await cache.delete_prefix("nothing-matches")
    assert await cache.get("prompt:p2:v1") == b"prompt:p2:v1"


async def test_delete_prefix_treats_glob_characters_literally(subject: CacheUnderTest) -> None:
    cache = subject.cache
    matching = ["a*[b", "a*[b:1", "a*[b]x"]
    others = ["a*[c", "axx[b:1", "ab", "a*b", "a[b", "a\\*[b"]
    questions = ["q?\\1", "q?\\"]
    question_others = ["qx\\1", "q?1", "q?"]
    for key in matching + others + questions + question_others:
        await cache.set(key, b"v")
    await cache.delete_prefix("a*[b")
    await cache.delete_prefix("q?\\")
    for key in matching + questions:
        assert await cache.get(key) is None, key
    for key in others + question_others:
        assert await cache.get(key) == b"v", key


async def test_delete_prefix_handles_many_keys(subject: CacheUnderTest) -> None:
    cache = subject.cache
    for i in range(1100):
        await cache.set(f"bulk:{i}", b"x")
    await cache.set("keep", b"k")
    await cache.delete_prefix("bulk:")
    assert [await cache.get(f"bulk:{i}") for i in (0, 499, 500, 999, 1000, 1099)] == [None] * 6
    assert await cache.get("keep") == b"k"


async def test_delete_prefix_of_empty_string_clears_everything(subject: CacheUnderTest) -> None:
    cache = subject.cache
    await cache.set("x", b"1")
    await cache.set("y/z", b"2")
    await cache.delete_prefix("")
    assert await cache.get("x") is None
    assert await cache.get("y/z") is None


# --- adapter-specific -------------------------------------------------------------------


async def test_inprocess_cache_evicts_least_recently_used_beyond_its_bound() -> None:
    cache = InProcessCache(FixedClock(), max_entries=3)
    for key in ("a", "b", "c"):
        await cache.set(key, key.encode())
    assert await cache.get("a") == b"a"  # a is now the most recently used
    await cache.set("d", b"d")  # evicts b
    assert await cache.get("b") is None
    assert [await cache.get(k) for k in ("a", "c", "d")] == [b"a", b"c", b"d"]
    await cache.set("c", b"c2")  # overwriting does not grow the cache, and refreshes c
    await cache.set("e", b"e")  # use order was a, d, c: evicts a
    assert await cache.get("a") is None
    assert [await cache.get(k) for k in ("c", "d", "e")] == [b"c2", b"d", b"e"]


async def test_inprocess_expiry_is_exact_on_the_clock() -> None:
    clock = FixedClock()
    cache = InProcessCache(clock)
    await cache.set("k", b"v", ttl_seconds=10)
    clock.advance(9.999)
    assert await cache.get("k") == b"v"
    clock.advance(0.001)
    assert await cache.get("k") is None


async def test_redis_namespaces_do_not_see_each_other(redis_url: str) -> None:
    one = RedisCache.from_url(redis_url, namespace=f"spyglass-ct:{uuid.uuid4().hex}:")
    two = RedisCache.from_url(redis_url, namespace=f"spyglass-ct:{uuid.uuid4().hex}:")
    try:
        await one.set("k", b"1")
        await two.set("k", b"2")
        assert await one.get("k") == b"1"
        await two.delete_prefix("")
        assert await two.get("k") is None
        assert await one.get("k") == b"1"
    finally:
        await one.delete_prefix("")
        await one.close()
        await two.close()


async def test_unreachable_redis_raises_storage_unavailable() -> None:
    cache = RedisCache.from_url("redis://127.0.0.1:1/0")
    try:
        with pytest.raises(StorageUnavailable):
            await cache.get("k")
        with pytest.raises(StorageUnavailable):
            await cache.set("k", b"v", ttl_seconds=1)
        with pytest.raises(StorageUnavailable):
            await cache.delete("k")
        with pytest.raises(StorageUnavailable):
            await cache.delete_prefix("k")
    finally:
        await cache.close()
