"""``spyglass serve`` stops on SIGTERM by cleaning up, not by dying of the signal."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.e2e.conftest import ServerFactory

pytestmark = pytest.mark.e2e


def test_serve_drains_and_exits_zero_on_sigterm(spyglass_server: ServerFactory) -> None:
    server = spyglass_server()
    keys = server.printed_keys or {}
    auth = (keys["LANGFUSE_PUBLIC_KEY"], keys["LANGFUSE_SECRET_KEY"])
    batch = {
        "batch": [
            {
                "id": f"e{i}",
                "type": "trace-create",
                "timestamp": "2026-12-01T12:00:00Z",
                "body": {"id": f"t{i}", "name": "drained"},
            }
            for i in range(50)
        ]
    }
    assert httpx.post(f"{server.base_url}/api/public/ingestion", json=batch, auth=auth).is_success
    started = time.monotonic()
    code = server.stop()  # SIGTERM
    assert code == 0, server.log()
    assert time.monotonic() - started < 10
    assert "Spyglass stopped" in server.log()  # the cleanup after serving ran
