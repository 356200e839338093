"""What the server writes in its data directory is private to its user."""

from __future__ import annotations

import stat

import httpx
import pytest

from tests.e2e.conftest import ServerFactory

pytestmark = pytest.mark.e2e


def test_files_and_directories_are_private(spyglass_server: ServerFactory) -> None:
    server = spyglass_server()
    keys = server.printed_keys or {}
    auth = (keys["LANGFUSE_PUBLIC_KEY"], keys["LANGFUSE_SECRET_KEY"])
    batch = {
        "batch": [
            {
                "id": "e1",
                "type": "trace-create",
                "timestamp": "2026-12-01T12:00:00Z",
                "body": {"id": "t1", "name": "private"},
            }
        ]
    }
    sent = httpx.post(f"{server.base_url}/api/public/ingestion", json=batch, auth=auth)
    assert sent.status_code == 207
    server.stop()

    paths = list(server.data_dir.rglob("*"))  # what the server created inside it
    assert any(path.suffix == ".json" for path in paths)  # the stored batch is among them
    exposed = [
        (str(path), oct(path.stat().st_mode & 0o777))
        for path in paths
        if not path.is_symlink() and path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO)
    ]
    assert exposed == []
