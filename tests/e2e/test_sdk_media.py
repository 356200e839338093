"""Media end to end: the real v5 SDK uploads an image found in span input, and reads it back.

The SDK replaces the image with a ``@@@langfuseMedia:…@@@`` reference before export,
asks ``POST /api/public/media`` for an upload URL, PUTs the bytes there without
credentials and reports the result with ``PATCH /api/public/media/{id}``. Reading back,
``resolve_media_references`` follows ``GET /api/public/media/{id}`` to the signed
download URL and returns the original bytes as a data URI.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from pathlib import Path
from struct import pack

import httpx
import pytest

from .conftest import ServerFactory, run_sdk

pytestmark = pytest.mark.e2e

PUBLIC_KEY = "pk-lf-e2e-media"
SECRET_KEY = "sk-lf-e2e-media"


def _png() -> bytes:
    """A valid 2x1 RGB PNG, built by hand so the test needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return pack(">I", len(data)) + kind + data + pack(">I", zlib.crc32(kind + data))

    header = pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00\x00\x00\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


SDK_SCRIPT = r"""
import base64, json, time
from langfuse import Langfuse
from langfuse.media import LangfuseMedia

png = base64.b64decode(PNG_B64)
client = Langfuse()
with client.start_as_current_observation(
    name="with-image", input={"image": LangfuseMedia(content_bytes=png, content_type="image/png")}
) as span:
    trace_id, span_id = span.trace_id, span.id
client.flush()
stored = None
for _ in range(100):
    page = client.api.observations.get_many(trace_id=trace_id, fields="core,io")
    if page.data:
        stored = page.data[0].input
        break
    time.sleep(0.2)
resolved = client.resolve_media_references(obj=stored, resolve_with="base64_data_uri")
print(json.dumps({"stored": stored, "resolved": resolved}))
"""


def test_sdk_uploads_media_and_resolves_it_back(
    spyglass_server: ServerFactory, langfuse_python: Path
) -> None:
    server = spyglass_server(
        env={
            "SPYGLASS_INIT_PROJECT_PUBLIC_KEY": PUBLIC_KEY,
            "SPYGLASS_INIT_PROJECT_SECRET_KEY": SECRET_KEY,
        }
    )
    png = _png()
    script = SDK_SCRIPT.replace("PNG_B64", repr(base64.b64encode(png).decode()))
    done = run_sdk(langfuse_python, script, server.sdk_env(PUBLIC_KEY, SECRET_KEY))
    assert done.returncode == 0, done.stderr
    assert "ERROR" not in done.stderr, done.stderr  # the SDK logs a failed upload, never raises
    result = json.loads(done.stdout.strip().splitlines()[-1])

    stored = json.loads(result["stored"])
    reference = stored["image"]
    assert reference.startswith("@@@langfuseMedia:type=image/png|id=")
    media_id = reference.split("|id=")[1].split("|")[0]
    digest = base64.urlsafe_b64encode(hashlib.sha256(png).digest()).decode()
    assert media_id == digest[:22]

    resolved = json.loads(result["resolved"])
    assert resolved["image"] == "data:image/png;base64," + base64.b64encode(png).decode()

    media = httpx.get(
        f"{server.base_url}/api/public/media/{media_id}", auth=(PUBLIC_KEY, SECRET_KEY)
    ).json()
    assert media["contentType"] == "image/png" and media["contentLength"] == len(png)
    assert httpx.get(media["url"]).content == png
    assert httpx.get(media["url"].replace("signature=", "signature=0")).status_code == 403
