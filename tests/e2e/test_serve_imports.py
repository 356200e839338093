"""What a real ``spyglass serve`` and its OTLP decoding process import: a footprint guard.

The server runs with ``PYTHONPROFILEIMPORTTIME=1``, which makes every Python process it
starts list each module it imports on stderr, all into the server's log. After an OTLP
export has been decoded (in a decoding process), applied and read back, the log says:

- no process imported pandas, numpy, pyarrow or polars (~100 MB together): Spyglass
  sends and reads Python rows, and clickhouse-connect would otherwise import them on the
  first insert (``spyglass_adapters.clickhouse.dataframes``);
- the decoding process did not import the CLI: ``spawn`` re-imports the server's main
  script in each child, and that script imports only ``spyglass.__main__``, which loads
  the CLI (click, dishka, the plugin host) when it runs, not when it is imported;
- the server did not import what only some requests need: the OTLP decoder (protobuf;
  the decoding process's), an LLM client (httpx) or the JSONPath parser of evaluation
  rules;
- a restarted server, with nothing to migrate, did not import Alembic.

See ``benchmarks/README.md`` ("Performance at scale: footprint") for what these cost.
"""

from __future__ import annotations

from collections import Counter

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

pytestmark = pytest.mark.e2e

DATAFRAME_LIBRARIES = {"pandas", "numpy", "pyarrow", "polars"}


def imported_modules(log: str) -> Counter[str]:
    """How many processes imported each module, from ``-X importtime`` lines."""
    return Counter(
        line.rsplit("|", 1)[1].strip()
        for line in log.splitlines()
        if line.startswith("import time:") and "|" in line
    )


def test_serve_and_its_decoder_import_only_what_they_use(spyglass_server: ServerFactory) -> None:
    server = spyglass_server(
        {**SERVER_ENV, "SPYGLASS_LOG_LEVEL": "warning", "PYTHONPROFILEIMPORTTIME": "1"}
    )
    export = make_export(run_id(), 0, 10)
    with httpx.Client(base_url=server.base_url, auth=AUTH, timeout=60) as client:
        answer = client.post(OTLP_PATH, content=export.body, headers=OTLP_HEADERS)
        assert answer.status_code == 200, answer.text
        stored = wait_until_stored(server, [export], timeout=60)
        assert len(stored[export.trace_id]) == len(export.span_ids)
        for path in ("/api/public/traces", "/api/public/sessions"):
            assert client.get(path).status_code == 200

    imported = imported_modules(server.log())
    # The log is the one of a server whose decoding process ran: the server and that
    # process both imported the decoder.
    assert imported["spyglass_tracing.otlp.export"] >= 2, server.log()[-4000:]
    # A package really imported brings its submodules; the bare name alone is an import
    # refused on purpose (chDB's probe for pyarrow, see ``import_chdb``).
    assert not {
        name for name in imported if name.partition(".")[0] in DATAFRAME_LIBRARIES and "." in name
    }
    assert imported["spyglass.__main__"] >= 2  # the server's script and the decoder's
    assert imported["spyglass.cli"] == 1  # the server only
    assert imported["dishka"] == 1
    assert imported["google.protobuf"] == 1  # the decoding process only
    assert imported["httpx"] == 0
    assert imported["jsonpath_ng"] == 0


def test_a_restarted_server_does_not_load_alembic(spyglass_server: ServerFactory) -> None:
    # Migrations run on the first start only: afterwards the version tables hold every
    # chain's head, read without Alembic (spyglass_adapters.sql.revisions).
    server = spyglass_server({**SERVER_ENV, "PYTHONPROFILEIMPORTTIME": "1"})
    assert imported_modules(server.log())["alembic"] == 1
    server.restart()
    restarted = imported_modules(server.log())
    assert restarted["spyglass_adapters.sql.revisions"] >= 1  # the check did run
    assert restarted["alembic"] == 0
