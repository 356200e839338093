"""A fake OpenAI-compatible provider on 127.0.0.1, for tests of LLM-as-a-judge.

``POST /v1/chat/completions`` answers deterministically: with a ``response_format`` JSON
Schema it returns an object with every required property filled (numbers 1, booleans
true, strings "fake reasoning for <first 40 characters of the last message>"), else the
text "ok". ``FakeLLM.fail_next(status, ...)`` queues failures, ``delay_seconds`` slows
every answer, ``set_cookie`` adds a cookie to every answer, ``requests`` records what
was asked (with headers, and ``peer``: the caller's address and port, one per connection,
as connections are kept alive), and ``expected_key`` makes any other key a 401.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ("FakeLLM", "fake_llm")


class FakeLLM:
    """State shared by the handler threads; read it after the calls finished."""

    def __init__(self, expected_key: str | None = None) -> None:
        self.expected_key = expected_key
        self.delay_seconds = 0.0
        self.set_cookie: str | None = None  # a Set-Cookie header on every answer
        self.requests: list[dict[str, Any]] = []
        self._failures: list[int] = []
        self._lock = threading.Lock()
        self.base_url = ""

    def fail_next(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, in order."""
        with self._lock:
            self._failures.extend(statuses)

    def _next_failure(self) -> int | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def answer(
        self, body: dict[str, Any], headers: dict[str, str], peer: Any = None
    ) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.requests.append({"body": body, "headers": headers, "peer": peer})
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        key = headers.get("authorization", "").removeprefix("Bearer ")
        if self.expected_key is not None and key != self.expected_key:
            return 401, {"error": {"message": "Incorrect API key provided"}}
        failure = self._next_failure()
        if failure is not None:
            return failure, {"error": {"message": f"scripted failure {failure}"}}
        messages = body.get("messages") or [{}]
        last = str(messages[-1].get("content", ""))
        schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("schema")
        content = json.dumps(_filled(schema, last)) if schema else "ok"
        return 200, {
            "id": "chatcmpl-fake",
            "model": body.get("model"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": len(last.split()), "completion_tokens": 7},
        }


def _filled(schema: dict[str, Any], prompt: str) -> dict[str, Any]:
    filled: dict[str, Any] = {}
    for name, spec in (schema.get("properties") or {}).items():
        kind = spec.get("type")
        if "enum" in spec:
            filled[name] = spec["enum"][0]
        elif kind in ("number", "integer"):
            filled[name] = 1
        elif kind == "boolean":
            filled[name] = True
        else:
            filled[name] = f"fake reasoning for {prompt[:40]}"
    return filled


def _handler(fake: FakeLLM) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real providers do

        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length)
            if self.path.rstrip("/") != "/v1/chat/completions":
                status, payload = 404, {"error": {"message": f"no route {self.path}"}}
            else:
                try:
                    body = json.loads(raw)
                except ValueError:
                    status, payload = 400, {"error": {"message": "body is not JSON"}}
                else:
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    status, payload = fake.answer(body, headers, self.client_address)
            encoded = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(encoded)))
                if fake.set_cookie:
                    self.send_header("set-cookie", fake.set_cookie)
                self.end_headers()
                self.wfile.write(encoded)
            except (BrokenPipeError, ConnectionResetError):
                return  # the caller hung up (a server killed or stopped mid-call)

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            return

    return Handler


@contextmanager
def fake_llm(expected_key: str | None = None) -> Iterator[FakeLLM]:
    """Serve a ``FakeLLM`` on a free 127.0.0.1 port; ``base_url`` ends with ``/v1``."""
    fake = FakeLLM(expected_key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, name="fake-llm", daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
