"""A real ``spyglass serve`` gives memory back once it goes quiet after work.

Reads and an OTLP export run code of the embedded engine's library that start-up did
not; those pages stay resident until the server has been quiet for
``SPYGLASS_RELEASE_ENGINE_CODE_QUIET_SECONDS``, then they are released and the server
still answers (the code maps back from the page cache). The scheduling itself is
``tests/unit/test_quiet.py``'s, the C heap's trim ``tests/unit/test_malloc.py``'s.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import httpx
import pytest

from .conftest import ServerFactory
from .test_ingestion_durability import (
    AUTH,
    OTLP_HEADERS,
    OTLP_PATH,
    SERVER_ENV,
    make_export,
    run_id,
    wait_until_stored,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/<pid>/status"),
]

MIB = 1024 * 1024


def file_backed_rss(pid: int) -> int:
    """The file-backed part of a process's resident memory, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("RssFile:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no RssFile line")


def read_everything(client: httpx.Client) -> None:
    for path in ("/api/public/traces", "/api/public/v2/observations", "/api/public/sessions"):
        assert client.get(path).status_code == 200


def test_the_engines_code_pages_are_released_after_a_quiet_spell(
    spyglass_server: ServerFactory,
) -> None:
    server = spyglass_server(
        {
            **SERVER_ENV,
            "SPYGLASS_LOG_LEVEL": "warning",
            # Long enough that the polls for the export (each far under a tenth of a
            # core) cannot make a spell before the baseline is taken.
            "SPYGLASS_RELEASE_ENGINE_CODE_QUIET_SECONDS": "5",
        }
    )
    assert server.process is not None
    pid = server.process.pid
    export = make_export(run_id(), 0, 10)
    with httpx.Client(base_url=server.base_url, auth=AUTH, timeout=60) as client:
        assert client.post(OTLP_PATH, content=export.body, headers=OTLP_HEADERS).status_code == 200
        wait_until_stored(server, [export], timeout=60)
        read_everything(client)
        busy = file_backed_rss(pid)

        deadline = time.monotonic() + 60
        while file_backed_rss(pid) > busy - 40 * MIB and time.monotonic() < deadline:
            time.sleep(0.5)
        quiet = file_backed_rss(pid)
        assert quiet <= busy - 40 * MIB, (busy // MIB, quiet // MIB)

        # The released code comes back when it runs again: ingestion's and the reads'.
        second = make_export(run_id(), 1, 10)
        assert client.post(OTLP_PATH, content=second.body, headers=OTLP_HEADERS).status_code == 200
        stored = wait_until_stored(server, [export, second], timeout=60)
        assert {len(stored[e.trace_id]) for e in (export, second)} == {10}
        read_everything(client)
