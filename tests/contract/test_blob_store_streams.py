"""Contract of ``BlobStore.put_stream``: the in-memory store and obstore on a local directory.

A stream is stored whole or not at all: readers see the old object until the last chunk
is in, and a stream that raises leaves the key as it was (and, on disk, no staged file).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import tracemalloc
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest

from spyglass_adapters.blobs import ObstoreBlobStore
from spyglass_adapters.memory.blobs import MemoryBlobStore
from spyglass_core.domain.errors import InvalidInput, NotFound, StorageUnavailable
from spyglass_core.ports.blob_store import BlobStore
from tests.contract.test_blob_store import INVALID_KEYS

KEY = "media/p1/abc.png"


@pytest.fixture(params=["memory", "local"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "memory":
        return MemoryBlobStore()
    return ObstoreBlobStore.from_url(f"file://{tmp_path / 'blobs'}")


@pytest.fixture
def local(tmp_path: Path) -> tuple[ObstoreBlobStore, Path]:
    """obstore on a local directory, and that directory."""
    root = (tmp_path / "blobs").resolve()
    return ObstoreBlobStore.from_url(f"file://{root}"), root


class Refused(Exception):
    """What a caller's stream raises to give up on the upload."""


async def chunks(parts: Iterable[bytes]) -> AsyncIterator[bytes]:
    """``parts`` one by one, yielding to the event loop between them as a request does."""
    for part in parts:
        await asyncio.sleep(0)
        yield part


async def failing(parts: Iterable[bytes], error: BaseException) -> AsyncIterator[bytes]:
    """``parts``, then ``error``."""
    async for part in chunks(parts):
        yield part
    raise error


def files_under(root: Path) -> list[str]:
    """Every file below ``root``, relative and sorted: objects and staged files alike."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


@pytest.mark.parametrize(
    "parts",
    [[], [b"hello"], [b"a", b"bc", b"def", bytes(range(256))], [b"", b"x", b"", b"yz", b""]],
    ids=["no-chunks", "one-chunk", "many-chunks", "empty-chunks"],
)
async def test_put_stream_round_trip(store: BlobStore, parts: list[bytes]) -> None:
    await store.put_stream(KEY, chunks(parts))
    got = await store.get(KEY)
    assert got == b"".join(parts)
    assert type(got) is bytes
    assert await store.list() == [KEY]


async def test_put_stream_of_a_large_body_in_many_chunks(store: BlobStore) -> None:
    # Over two 5 MiB multipart parts and many local flushes, ending mid-chunk; random
    # bytes, so a chunk written twice, dropped or out of order cannot go unnoticed.
    body = random.Random(7).randbytes(12 * 1024 * 1024 + 123)
    size = 64 * 1024
    await store.put_stream(KEY, chunks(body[i : i + size] for i in range(0, len(body), size)))
    assert await store.get(KEY) == body


async def test_put_stream_replaces_the_object(store: BlobStore) -> None:
    await store.put(KEY, b"a much longer first version")
    await store.put_stream(KEY, chunks([b"sh", b"ort"]))
    assert await store.get(KEY) == b"short"
    await store.put_stream(KEY, chunks([]))
    assert await store.get(KEY) == b""
    await store.put(KEY, b"put again")
    assert await store.get(KEY) == b"put again"
    assert await store.list() == [KEY]


@pytest.mark.parametrize("existing", [b"old object", None], ids=["replace", "create"])
async def test_readers_see_the_old_object_until_the_stream_ends(
    store: BlobStore, existing: bytes | None
) -> None:
    if existing is not None:
        await store.put(KEY, existing)
    halfway = asyncio.Event()
    resume = asyncio.Event()

    async def paused() -> AsyncIterator[bytes]:
        yield b"new " * 1000
        halfway.set()
        await resume.wait()
        yield b"object"

    writer = asyncio.create_task(store.put_stream(KEY, paused()))
    await halfway.wait()
    await asyncio.sleep(0.05)  # let the store write what it has
    if existing is None:
        with pytest.raises(NotFound):
            await store.get(KEY)
        assert await store.list() == []
    else:
        assert await store.get(KEY) == existing
        assert await store.list() == [KEY]
    resume.set()
    await writer
    assert await store.get(KEY) == b"new " * 1000 + b"object"
    assert await store.list() == [KEY]


@pytest.mark.parametrize(
    "sent",
    [[], [b"part one, "], [b"part one, ", b"part two, ", b"the last part"]],
    ids=["before-any-chunk", "mid-stream", "after-the-last-chunk"],
)
@pytest.mark.parametrize(
    "error",
    [Refused("hash mismatch"), OSError("client went away")],
    ids=["refusal", "oserror"],
)
@pytest.mark.parametrize("existing", [b"the good object", None], ids=["replace", "create"])
async def test_a_stream_that_raises_stores_nothing(
    store: BlobStore, sent: list[bytes], error: Exception, existing: bytes | None
) -> None:
    await store.put("other/object", b"untouched")
    if existing is not None:
        await store.put(KEY, existing)
    with pytest.raises(type(error)) as raised:
        await store.put_stream(KEY, failing(sent, error))
    # The caller's own exception, not one the store made of it (an OSError included).
    assert raised.value is error
    if existing is None:
        with pytest.raises(NotFound):
            await store.get(KEY)
        assert await store.list() == ["other/object"]
    else:
        assert await store.get(KEY) == existing
        assert await store.list() == [KEY, "other/object"]
    assert await store.get("other/object") == b"untouched"
    # The key is as usable as before.
    await store.put_stream(KEY, chunks([b"after ", b"the failure"]))
    assert await store.get(KEY) == b"after the failure"


async def test_concurrent_streams_to_one_key_leave_one_whole_object(store: BlobStore) -> None:
    first = [b"A" * 3000, b"a" * 3000, b"1" * 3000]
    second = [b"B" * 3000, b"b" * 3000, b"2" * 3000]
    await asyncio.gather(
        store.put_stream(KEY, chunks(first)), store.put_stream(KEY, chunks(second))
    )
    assert await store.get(KEY) in (b"".join(first), b"".join(second))
    assert await store.list() == [KEY]


@pytest.mark.parametrize("key", INVALID_KEYS)
async def test_invalid_keys_are_rejected_before_reading(store: BlobStore, key: str) -> None:
    read: list[bytes] = []

    async def watched() -> AsyncIterator[bytes]:
        read.append(b"x")
        yield b"x"

    with pytest.raises(InvalidInput):
        await store.put_stream(key, watched())
    assert read == []
    assert await store.list() == []


# --- local directory ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "sent",
    [[], [b"x" * 100_000], [b"x" * 3_000_000, b"y" * 10]],
    ids=["before-any-chunk", "mid-stream", "after-flushes"],
)
async def test_a_failed_local_stream_leaves_no_staged_file(
    local: tuple[ObstoreBlobStore, Path], sent: list[bytes]
) -> None:
    store, root = local
    await store.put(KEY, b"old")
    with pytest.raises(Refused):
        await store.put_stream(KEY, failing(sent, Refused()))
    with pytest.raises(Refused):
        await store.put_stream("media/p1/new.png", failing(sent, Refused()))
    assert files_under(root) == [KEY]
    assert (root / KEY).read_bytes() == b"old"


async def test_a_cancelled_local_stream_leaves_no_staged_file(
    local: tuple[ObstoreBlobStore, Path],
) -> None:
    store, root = local
    await store.put(KEY, b"old")
    started = asyncio.Event()

    async def stalled() -> AsyncIterator[bytes]:
        yield b"x" * 2_000_000  # more than one flush: a write has happened
        started.set()
        await asyncio.Event().wait()
        yield b"never"

    writer = asyncio.create_task(store.put_stream(KEY, stalled()))
    await started.wait()
    writer.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writer
    assert files_under(root) == [KEY]
    assert await store.get(KEY) == b"old"


async def test_a_local_store_failure_is_storage_unavailable(
    local: tuple[ObstoreBlobStore, Path],
) -> None:
    store, root = local
    await store.put("media", b"a file where a directory is needed")
    with pytest.raises(StorageUnavailable):
        await store.put_stream(KEY, chunks([b"x"]))
    assert files_under(root) == ["media"]


async def test_a_local_stream_is_on_disk_before_it_returns(
    local: tuple[ObstoreBlobStore, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As for put: the file and every directory entry leading to it are fsynced. The file
    # is fsynced under its staged name, so before the rename that publishes it: a power
    # cut can lose the rename, never tear the object.
    store, root = local
    synced: list[str] = []
    real_fsync = os.fsync

    def spy(descriptor: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        real_fsync(descriptor)

    monkeypatch.setattr(os, "fsync", spy)
    await store.put_stream("ingestion/p1/2026/12/01/batch.json", chunks([b"{", b"}"]))
    staged, *directories = synced
    assert re.fullmatch(
        re.escape(str(root / "ingestion/p1/2026/12/01/batch.json#")) + r"\d+", staged
    )
    assert directories == [
        str(root / "ingestion/p1/2026/12/01"),
        str(root / "ingestion/p1/2026/12"),
        str(root / "ingestion/p1/2026"),
        str(root / "ingestion/p1"),
        str(root / "ingestion"),
        str(root),
    ]
    assert files_under(root) == ["ingestion/p1/2026/12/01/batch.json"]


async def test_a_local_stream_holds_a_bounded_amount_of_memory(
    local: tuple[ObstoreBlobStore, Path],
) -> None:
    store, root = local
    chunk_size, count = 64 * 1024, 512  # 32 MiB, made chunk by chunk as a request would

    async def generated() -> AsyncIterator[bytes]:
        for i in range(count):
            await asyncio.sleep(0)
            yield i.to_bytes(4, "big") * (chunk_size // 4)

    tracemalloc.start()
    try:
        await store.put_stream(KEY, generated())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (root / KEY).stat().st_size == chunk_size * count
    # One flush (1 MiB) plus a chunk or two and bookkeeping, not the 32 MiB body.
    assert peak < 4 * 1024 * 1024, peak
