"""A fake LLM provider on 127.0.0.1, for tests of LLM-as-a-judge: OpenAI-compatible
and Anthropic, on the same port.

``POST /v1/chat/completions`` (OpenAI's shape) answers deterministically: with a
``response_format`` JSON Schema it returns an object with every required property filled
(numbers 1, booleans true, strings "fake reasoning for <first 40 characters of the last
message>"), else the text "ok". ``POST /v1/messages`` (Anthropic's Messages API) answers
the same in Anthropic's shape: with a forced tool (``tool_choice: {"type": "tool"}``) a
``tool_use`` block whose ``input`` is that object, else a text block "ok"; it checks
``x-api-key``, ``anthropic-version`` and ``max_tokens`` as the real API does, and its
errors are ``{"type": "error", "error": {"type", "message"}}``.

``FakeLLM.fail_next(status, ...)`` queues failures (for both APIs), ``delay_seconds``
slows every answer, ``set_cookie`` adds a cookie to every answer, ``requests`` records
what was asked (with headers, ``path``, and ``peer``: the caller's address and port, one
per connection, as connections are kept alive), ``expected_key`` makes any other key a
401, and ``known_models`` (when set) makes any other model a 404 "model not found".
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
        self.known_models: set[str] | None = None
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
        self, body: dict[str, Any], headers: dict[str, str], peer: Any = None, path: str = ""
    ) -> tuple[int, dict[str, Any]]:
        """An OpenAI chat completion's status and body."""
        with self._lock:
            self.requests.append({"body": body, "headers": headers, "peer": peer, "path": path})
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        key = headers.get("authorization", "").removeprefix("Bearer ")
        if self.expected_key is not None and key != self.expected_key:
            return 401, {"error": {"message": "Incorrect API key provided"}}
        failure = self._next_failure()
        if failure is not None:
            return failure, {"error": {"message": f"scripted failure {failure}"}}
        model = body.get("model")
        if self.known_models is not None and model not in self.known_models:
            return 404, {
                "error": {
                    "message": f"The model `{model}` does not exist",
                    "code": "model_not_found",
                }
            }
        messages = body.get("messages") or [{}]
        last = str(messages[-1].get("content", ""))
        schema = ((body.get("response_format") or {}).get("json_schema") or {}).get("schema")
        content = json.dumps(_filled(schema, last)) if schema else "ok"
        return 200, {
            "id": "chatcmpl-fake",
            "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": len(last.split()), "completion_tokens": 7},
        }

    def answer_messages(
        self, body: dict[str, Any], headers: dict[str, str], peer: Any = None, path: str = ""
    ) -> tuple[int, dict[str, Any]]:
        """An Anthropic message's status and body."""
        with self._lock:
            self.requests.append({"body": body, "headers": headers, "peer": peer, "path": path})
        if self.delay_seconds:
            time.sleep(self.delay_seconds)
        key = headers.get("x-api-key", "")
        if self.expected_key is not None and key != self.expected_key:
            return 401, _anthropic_error("authentication_error", "invalid x-api-key")
        if headers.get("anthropic-version") != "2023-06-01":
            return 400, _anthropic_error("invalid_request_error", "anthropic-version missing")
        if not isinstance(body.get("max_tokens"), int):
            return 400, _anthropic_error("invalid_request_error", "max_tokens: Field required")
        failure = self._next_failure()
        if failure is not None:
            kind = _ANTHROPIC_ERRORS.get(failure, "api_error")
            return failure, _anthropic_error(kind, f"scripted failure {failure}")
        model = body.get("model")
        if self.known_models is not None and model not in self.known_models:
            return 404, _anthropic_error("not_found_error", f"model: {model}")
        messages = body.get("messages") or [{}]
        last = str(messages[-1].get("content", ""))
        choice = body.get("tool_choice") or {}
        tools = {tool.get("name"): tool for tool in body.get("tools") or []}
        if choice.get("type") == "tool" and choice.get("name") in tools:
            schema = tools[choice["name"]].get("input_schema") or {}
            block = {
                "type": "tool_use",
                "id": "toolu_fake",
                "name": choice["name"],
                "input": _filled(schema, last),
            }
            stop = "tool_use"
        else:
            block, stop = {"type": "text", "text": "ok"}, "end_turn"
        return 200, {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [block],
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": len(last.split()), "output_tokens": 7},
        }


_ANTHROPIC_ERRORS = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}


def _anthropic_error(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


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
            path = self.path.rstrip("/")
            route = {"/v1/chat/completions": fake.answer, "/v1/messages": fake.answer_messages}
            if path not in route:
                status, payload = 404, {"error": {"message": f"no route {self.path}"}}
            else:
                try:
                    body = json.loads(raw)
                except ValueError:
                    status, payload = 400, {"error": {"message": "body is not JSON"}}
                else:
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    status, payload = route[path](body, headers, self.client_address, path)
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
    """Serve a ``FakeLLM`` on a free 127.0.0.1 port; ``base_url`` ends with ``/v1``
    (both adapters accept it; an Anthropic base URL may also be given without)."""
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
