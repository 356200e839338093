"""Contract of ``BlobStore``: the in-memory store and obstore on a local directory."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from spyglass_adapters.blobs import ObstoreBlobStore
from spyglass_adapters.memory.blobs import MemoryBlobStore
from spyglass_core.domain.errors import InvalidInput, NotFound
from spyglass_core.ports.blob_store import BlobStore

INVALID_KEYS = [
    "",
    "../x",
    "a//b",
    "/abs",
    "a/./b",
    "a/../b",
    "..",
    ".",
    "a/",
    "with space",
    "a/b\\c",
    "ü",
]


@pytest.fixture(params=["memory", "local"])
def store(request: pytest.FixtureRequest, tmp_path) -> BlobStore:
    if request.param == "memory":
        return MemoryBlobStore()
    return ObstoreBlobStore.from_url(f"file://{tmp_path / 'blobs'}")


@pytest.mark.parametrize(
    "data",
    [b"", b"hello", bytes(range(256)) * 4, b"\x00\x00\xff"],
    ids=["empty", "text", "all-bytes", "nul"],
)
async def test_put_get_round_trip(store: BlobStore, data: bytes) -> None:
    await store.put("batches/2026-01-01/abc.json", data)
    got = await store.get("batches/2026-01-01/abc.json")
    assert got == data
    assert type(got) is bytes


async def test_put_accepts_every_allowed_character(store: BlobStore) -> None:
    key = "Az09._=-/x.y=z-1/_"
    await store.put(key, b"ok")
    assert await store.get(key) == b"ok"
    assert await store.list() == [key]


async def test_put_replaces_the_object(store: BlobStore) -> None:
    await store.put("a/b", b"a much longer first version")
    await store.put("a/b", b"short")
    assert await store.get("a/b") == b"short"
    await store.put("a/b", b"")
    assert await store.get("a/b") == b""
    assert await store.list() == ["a/b"]


async def test_get_missing_raises_not_found(store: BlobStore) -> None:
    with pytest.raises(NotFound):
        await store.get("missing")
    await store.put("folder/object", b"x")
    with pytest.raises(NotFound):
        await store.get("folder/other")
    with pytest.raises(NotFound):
        await store.get("elsewhere/object")


async def test_delete_removes_and_missing_is_a_noop(store: BlobStore) -> None:
    await store.put("a/one", b"1")
    await store.put("a/two", b"2")
    await store.delete("a/one")
    with pytest.raises(NotFound):
        await store.get("a/one")
    assert await store.get("a/two") == b"2"
    await store.delete("a/one")
    await store.delete("never/existed")
    assert await store.list() == ["a/two"]


async def test_list_matches_string_prefixes_not_only_folders(store: BlobStore) -> None:
    keys = [
        "batches/2026-01/x",
        "batches/2026-02/y/z",
        "batches/2026-x",
        "batches/2025/x",
        "batches/20261",
        "media/2026-01/x",
        "top",
    ]
    for key in reversed(keys):
        await store.put(key, key.encode())
    assert await store.list("batches/2026-") == [
        "batches/2026-01/x",
        "batches/2026-02/y/z",
        "batches/2026-x",
    ]
    assert await store.list("batches/2026") == [
        "batches/2026-01/x",
        "batches/2026-02/y/z",
        "batches/2026-x",
        "batches/20261",
    ]
    assert await store.list("batches/") == sorted(k for k in keys if k.startswith("batches/"))
    assert await store.list("batches/2026-01/") == ["batches/2026-01/x"]
    assert await store.list("batches/2026-01/x") == ["batches/2026-01/x"]
    assert await store.list("t") == ["top"]
    assert await store.list("") == sorted(keys)
    assert await store.list() == sorted(keys)
    assert await store.list("nothing/here/") == []
    assert await store.list("batches/2027") == []


async def test_list_on_an_empty_store_is_empty(store: BlobStore) -> None:
    assert await store.list() == []
    assert await store.list("a/") == []


async def test_list_is_sorted_and_complete_beyond_one_page(store: BlobStore) -> None:
    count = 1200
    keys = [f"many/{i % 7}/k{i:05d}" for i in range(count)]
    semaphore = asyncio.Semaphore(64)

    async def put(key: str) -> None:
        async with semaphore:
            await store.put(key, b"x")

    await asyncio.gather(*(put(k) for k in keys))
    await store.put("other/k", b"y")
    listed = await store.list("many/")
    assert listed == sorted(keys)
    assert len(set(listed)) == count
    assert len(await store.list()) == count + 1


@pytest.mark.parametrize("key", INVALID_KEYS)
async def test_invalid_keys_are_rejected(store: BlobStore, key: str) -> None:
    with pytest.raises(InvalidInput):
        await store.put(key, b"x")
    with pytest.raises(InvalidInput):
        await store.get(key)
    with pytest.raises(InvalidInput):
        await store.delete(key)
    assert await store.list() == []


async def test_a_prefix_of_stored_keys_is_not_itself_an_object(store: BlobStore) -> None:
    await store.put("folder/inner/object", b"x")
    with pytest.raises(NotFound):
        await store.get("folder")
    with pytest.raises(NotFound):
        await store.get("folder/inner")
    await store.delete("folder/inner")
    assert await store.list() == ["folder/inner/object"]
    assert await store.get("folder/inner/object") == b"x"


async def test_a_local_put_is_on_disk_before_it_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A power cut after put() returns must not lose the object: the file and every
    # directory entry leading to it are fsynced (a rename alone is not durable).
    import spyglass_adapters.blobs.local_files as module

    synced: list[str] = []
    real_fsync = os.fsync

    def spy(descriptor: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{descriptor}"))
        real_fsync(descriptor)

    monkeypatch.setattr(module.os, "fsync", spy)
    root = (tmp_path / "blobs").resolve()
    store = ObstoreBlobStore.from_url(f"file://{root}")
    await store.put("ingestion/p1/2026/12/01/batch.json", b"{}")
    assert synced == [
        str(root / "ingestion/p1/2026/12/01/batch.json"),
        str(root / "ingestion/p1/2026/12/01"),
        str(root / "ingestion/p1/2026/12"),
        str(root / "ingestion/p1/2026"),
        str(root / "ingestion/p1"),
        str(root / "ingestion"),
        str(root),
    ]
