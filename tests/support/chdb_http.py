"""A test-only ClickHouse HTTP front over chDB, for tests that need one analytics store
shared by several processes.

No ClickHouse server runs on the test machines, and a chDB data path belongs to one
process. This serves one chDB session over the subset of ClickHouse's HTTP interface
that clickhouse-connect's HTTP client uses: the statement in the POST body (or in the
``query`` parameter followed by the body), ``param_<name>`` query parameters, and
``INSERT … FORMAT <fmt>`` with the data after the statement, lz4-framed or plain, sent
with a length or chunked. Results go back in whatever format the statement names;
statements without one (``command``) get TabSeparated, as the server's default. Errors
are 500s carrying ``X-ClickHouse-Exception-Code``, which the client turns into its
``DatabaseError``. Statements run one at a time, in arrival order.

Run: ``python tests/support/chdb_http.py <data path> <port>``; it prints ``ready`` once
listening. It is a fixture, not a product: Spyglass's HTTP transport to ClickHouse is
exercised only through it.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import chdb.session
import lz4.frame

_INSERT = re.compile(rb"(?is)\s*(INSERT\s+INTO\s+[^\n]+?)\s+FORMAT\s+(\w+)[ \t]*\r?\n?")


class ChdbFront(ThreadingHTTPServer):
    """An HTTP server whose handler runs statements on one chDB session."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], data_path: str) -> None:
        super().__init__(address, _Handler)
        self.session = chdb.session.Session(data_path)
        self.lock = threading.Lock()

    def run(self, statement: bytes, parameters: dict[str, str]) -> bytes:
        """Execute ``statement`` (an insert carries its data) and return the result bytes."""
        with self.lock:
            insert = _INSERT.match(statement)
            if insert is None:
                result = self.session.query(
                    statement.decode(), "TabSeparated", params=parameters or None
                )
                return bytes(result.bytes())
            # chDB reads insert data from a file, not from the client as a server does.
            with tempfile.NamedTemporaryFile(delete=False) as data:
                data.write(statement[insert.end() :])
            try:
                target, data_format = insert.group(1).decode(), insert.group(2).decode()
                self.session.query(f"{target} FROM INFILE '{data.name}' FORMAT {data_format}")
            finally:
                os.unlink(data.name)
            return b""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ChdbFront

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int(self.rfile.readline().split(b";")[0], 16):
                parts.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            body = b"".join(parts)
        else:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.headers.get("content-encoding") == "lz4":
            body = lz4.frame.decompress(body)
        return body

    def _answer(self) -> None:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        body = self._body()
        statement = (query["query"].encode() + b"\n" if query.get("query") else b"") + body
        parameters = {k[len("param_") :]: v for k, v in query.items() if k.startswith("param_")}
        try:
            result = self.server.run(statement, parameters)
        except Exception as error:  # the client expects ClickHouse's error shape, any error
            self._send(500, f"Code: 1. DB::Exception: {error}".encode(), error=True)
            return
        self._send(200, result)

    def _send(self, status: int, payload: bytes, *, error: bool = False) -> None:
        self.send_response(status)
        if error:
            self.send_header("X-ClickHouse-Exception-Code", "1")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer


def main() -> None:
    data_path, port = sys.argv[1], int(sys.argv[2])
    server = ChdbFront(("127.0.0.1", port), data_path)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
