"""Media uploads are streamed into the blob store: bounded memory, nothing stored if refused.

Through the real embedded app (local blob directory), with request bodies sent chunk by
chunk as a client on a socket would.
"""

from __future__ import annotations

import base64
import gc
import hashlib
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest

import spyglass_tracing
from spyglass_core.ports.blob_store import BlobStore
from tests.plugins.conftest import EmbeddedApp, embedded_app, embedded_settings
from tests.plugins.test_tracing_admin_api import announcement, call, png, upload

CHUNK = 64 * 1024
"""What a server typically hands the app per read of the socket."""

OCTETS = "application/octet-stream"


@pytest.fixture(scope="module")
async def blob_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media-streaming")


@pytest.fixture(scope="module")
async def app(blob_root: Path, chdb_dsn: str) -> AsyncIterator[EmbeddedApp]:
    settings = embedded_settings(blob_root, chdb_dsn)
    assert settings.blob_store_url == f"file://{blob_root / 'blobs'}"
    async with embedded_app(settings, [spyglass_tracing]) as running:
        yield running


def media_files(root: Path, app: EmbeddedApp) -> list[str]:
    """Every file in the project's media folder: objects and staged files alike."""
    folder = root / "blobs" / "media" / app.project.id
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def generated(count: int, seed: int) -> Callable[[], Iterator[bytes]]:
    """A body of ``count`` distinct chunks, made afresh on every pass (never held whole)."""

    def chunks() -> Iterator[bytes]:
        for i in range(count):
            yield (seed * count + i).to_bytes(8, "big") * (CHUNK // 8)

    return chunks


def digest_of(chunks: Iterator[bytes]) -> tuple[int, str]:
    """Length and standard-base64 SHA-256 of a body, as a client announces them."""
    digest = hashlib.sha256()
    length = 0
    for chunk in chunks:
        digest.update(chunk)
        length += len(chunk)
    return length, base64.b64encode(digest.digest()).decode()


async def streamed(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


async def announce(app: EmbeddedApp, body: Callable[[], Iterator[bytes]]) -> dict[str, str]:
    length, sha256 = digest_of(body())
    return await call(
        app,
        "POST",
        "/media",
        201,
        json=announcement(b"", contentType=OCTETS, contentLength=length, sha256Hash=sha256),
    )


async def put(app: EmbeddedApp, url: str, chunks: Iterator[bytes]) -> httpx.Response:
    return await app.client.put(url, content=streamed(chunks), headers={"Content-Type": OCTETS})


async def test_a_64_mib_upload_streams_in_bounded_memory(app: EmbeddedApp, blob_root: Path) -> None:
    body = generated(1024, seed=1)  # 64 MiB in 64 KiB chunks
    announced = await announce(app, body)
    gc.collect()
    tracemalloc.start()
    try:
        response = await put(app, announced["uploadUrl"], body())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 200, response.text
    # Everything the process allocated during the upload, server and client alike: a few
    # chunks and one 1 MiB flush of the blob store at a time, not the 64 MiB body.
    assert peak < 6 * 1024 * 1024, peak
    media_id = announced["mediaId"]
    described = await call(app, "GET", f"/media/{media_id}", 200)
    assert described["contentLength"] == 64 * 1024 * 1024
    [stored] = [name for name in media_files(blob_root, app) if name.startswith(media_id)]
    assert stored == f"{media_id}.bin"
    path = blob_root / "blobs" / "media" / app.project.id / stored
    assert path.stat().st_size == 64 * 1024 * 1024
    with path.open("rb") as file:
        assert digest_of(iter(lambda: file.read(CHUNK), b"")) == digest_of(body())


@pytest.mark.parametrize(
    "sent",
    [
        lambda chunks: (c if i < 39 else c[:-1] + b"\x00" for i, c in enumerate(chunks)),
        lambda chunks: (c for i, c in enumerate(chunks) if i != 20),
        lambda chunks: (c[:-1] if i == 39 else c for i, c in enumerate(chunks)),
        lambda chunks: (*chunks, b"\x00"),
        lambda chunks: reversed(list(chunks)),
    ],
    ids=["last-byte-changed", "chunk-missing", "one-byte-short", "one-byte-long", "reordered"],
)
async def test_a_refused_upload_stores_nothing(
    app: EmbeddedApp,
    blob_root: Path,
    sent: Callable[[Iterator[bytes]], Iterator[bytes]],
    request: pytest.FixtureRequest,
) -> None:
    # 2.5 MiB: refused after the blob store has already written two flushes to disk.
    body = generated(40, seed=zlib.crc32(request.node.name.encode()))
    announced = await announce(app, body)
    before = media_files(blob_root, app)
    refused = await put(app, announced["uploadUrl"], iter(sent(body())))
    assert refused.status_code == 400, refused.text
    assert refused.json()["message"] == "Upload refused"
    assert media_files(blob_root, app) == before  # no object, no staged file
    blobs = await app.container.get(BlobStore)
    assert await blobs.list(f"media/{app.project.id}/{announced['mediaId']}") == []
    await call(app, "GET", f"/media/{announced['mediaId']}", 404)
    # The announcement stays open: the right bytes are accepted afterwards.
    accepted = await put(app, announced["uploadUrl"], body())
    assert accepted.status_code == 200, accepted.text
    await call(app, "GET", f"/media/{announced['mediaId']}", 200)


async def test_a_refused_upload_never_replaces_the_stored_object(app: EmbeddedApp) -> None:
    # image/jpeg and image/jpg share the blob key's .jpg: announcing the stored content
    # under the other name reopens the record over the very object already stored.
    image = png(7, 7)
    first = await call(
        app, "POST", "/media", 201, json=announcement(image, contentType="image/jpeg")
    )
    await upload(app, first["uploadUrl"], image, "image/jpeg")
    blobs = await app.container.get(BlobStore)
    [key] = await blobs.list(f"media/{app.project.id}/{first['mediaId']}")
    again = await call(
        app, "POST", "/media", 201, json=announcement(image, contentType="image/jpg")
    )
    assert again["uploadUrl"] == first["uploadUrl"]
    tampered = image[:-1] + bytes([image[-1] ^ 1])
    for body in (tampered, image[:-1], image + b"\x00"):
        await upload(app, again["uploadUrl"], body, "image/jpg", expected=400)
        assert await blobs.list(f"media/{app.project.id}/{first['mediaId']}") == [key]
        assert await blobs.get(key) == image
    await upload(app, again["uploadUrl"], image, "image/jpg")
    assert await blobs.get(key) == image


async def test_refused_uploads_keep_none_of_their_bytes(app: EmbeddedApp) -> None:
    # Each refusal raises a new exception: one shared instance would collect the frames of
    # every refused request in its traceback, and with them their unwritten chunks.
    body = generated(24, seed=5)  # 1.5 MiB: half a flush is pending when refused
    announced = await announce(app, body)

    def tampered() -> Iterator[bytes]:
        *chunks, last = body()
        return iter([*chunks, last[:-1] + b"\x00"])

    async def refuse() -> None:
        response = await put(app, announced["uploadUrl"], tampered())
        assert response.status_code == 400, response.text

    await refuse()  # warm up whatever the first request caches
    gc.collect()
    tracemalloc.start()
    try:
        baseline, _ = tracemalloc.get_traced_memory()
        for _ in range(5):
            await refuse()
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    assert retained < 512 * 1024, retained
