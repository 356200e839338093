"""The OpenAI-compatible LLM client against scripted HTTP answers (httpx.MockTransport)."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from spyglass_adapters.llm import HttpLLMClientFactory, OpenAICompatibleClient
from spyglass_core.domain.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    StorageUnavailable,
)
from spyglass_core.ports.llm import LLMAdapter, LLMEndpoint

KEY = "sk-very-secret-key-123"
ENDPOINT = LLMEndpoint(
    adapter=LLMAdapter.OPENAI,
    base_url="http://127.0.0.1:9/v1/",
    api_key=KEY,
    headers={"x-tenant": "header-secret"},
    max_attempts=3,
)
SCHEMA = {
    "type": "object",
    "properties": {"score": {"type": "number"}, "reasoning": {"type": "string"}},
    "required": ["score", "reasoning"],
    "additionalProperties": False,
}


def answer(content: str, **extra: Any) -> httpx.Response:
    body = {
        "model": "judge-1",
        "choices": [{"message": {"role": "assistant", "content": content}}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 5},
        **extra,
    }
    return httpx.Response(200, json=body)


def client_with(
    *responses: httpx.Response | Exception,
) -> tuple[OpenAICompatibleClient, list[httpx.Request], list[float]]:
    seen: list[httpx.Request] = []
    waits: list[float] = []
    queue = list(responses)

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    client = OpenAICompatibleClient(ENDPOINT, transport=httpx.MockTransport(handle), sleep=sleep)
    return client, seen, waits


async def ask(client: OpenAICompatibleClient, schema: Any = None) -> Any:
    return await client.complete(
        [{"role": "user", "content": "Is 2+2=4?"}],
        model="judge-1",
        params={"temperature": 0},
        response_schema=schema,
    )


async def test_structured_output_is_requested_parsed_and_usage_returned() -> None:
    client, seen, _ = client_with(answer('{"score": 1, "reasoning": "correct"}'))
    completion = await ask(client, SCHEMA)
    assert completion.parsed == {"score": 1, "reasoning": "correct"}
    assert (completion.usage.input_tokens, completion.usage.output_tokens) == (12, 5)
    [request] = seen
    assert str(request.url) == "http://127.0.0.1:9/v1/chat/completions"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["x-tenant"] == "header-secret"
    body = json.loads(request.content)
    assert body["model"] == "judge-1" and body["temperature"] == 0
    assert body["response_format"]["json_schema"]["schema"] == SCHEMA


async def test_5xx_twice_then_200_completes_after_backing_off() -> None:
    client, seen, waits = client_with(
        httpx.Response(500, json={"error": {"message": "boom"}}),
        httpx.Response(503),
        answer("fine"),
    )
    assert (await ask(client)).text == "fine"
    assert len(seen) == 3 and len(waits) == 2 and all(w > 0 for w in waits)


async def test_429_honours_retry_after_and_gives_up_as_rate_limited() -> None:
    throttled = httpx.Response(429, headers={"retry-after": "2"})
    client, seen, waits = client_with(throttled, throttled, throttled)
    with pytest.raises(RateLimited):
        await ask(client)
    assert len(seen) == 3 and waits == [2.0, 2.0]


async def test_timeouts_and_dropped_connections_are_retried_then_unavailable() -> None:
    client, seen, _ = client_with(
        httpx.ReadTimeout("slow"), httpx.ConnectError("refused"), httpx.ConnectError("refused")
    )
    with pytest.raises(StorageUnavailable, match="unreachable"):
        await ask(client)
    assert len(seen) == 3


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, PermissionDenied), (403, PermissionDenied), (404, NotFound), (400, InvalidInput)],
)
async def test_client_errors_are_not_retried_and_are_translated(
    status: int, error: type[Exception]
) -> None:
    client, seen, _ = client_with(httpx.Response(status, json={"error": {"message": "nope"}}))
    with pytest.raises(error, match=str(status)):
        await ask(client)
    assert len(seen) == 1


async def test_the_key_and_header_values_never_reach_errors_or_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Some providers quote the refused key back in their message.
    refused = httpx.Response(401, json={"error": {"message": f"Incorrect API key {KEY}"}})
    failing = httpx.Response(500, json={"error": {"message": "bad header-secret"}})
    caplog.set_level(logging.DEBUG)
    client, _, _ = client_with(failing, refused)
    with pytest.raises(PermissionDenied) as raised:
        await ask(client)
    assert KEY not in str(raised.value) and "[redacted]" in str(raised.value)
    assert KEY not in caplog.text and "header-secret" not in caplog.text
    assert KEY not in repr(ENDPOINT)


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, content=b"not json"),
        httpx.Response(200, json={"choices": []}),
        answer("not the schema's JSON"),
    ],
)
async def test_answers_that_are_not_what_was_asked_are_invalid(response: httpx.Response) -> None:
    client, _, _ = client_with(response)
    with pytest.raises(InvalidInput):
        await ask(client, SCHEMA)


def test_the_factory_builds_openai_clients() -> None:
    factory = HttpLLMClientFactory()
    assert isinstance(factory.client(ENDPOINT), OpenAICompatibleClient)
