"""The Anthropic LLM client against scripted HTTP answers (httpx.MockTransport)."""

from __future__ import annotations

import json
import logging
from typing import Any

import httpx
import pytest

from spyglass_adapters.llm import AnthropicClient, HttpLLMClientFactory, OpenAICompatibleClient
from spyglass_adapters.llm.anthropic import DEFAULT_MAX_TOKENS
from spyglass_core.domain.errors import (
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    StorageUnavailable,
)
from spyglass_core.ports.llm import LLMAdapter, LLMEndpoint

KEY = "sk-ant-very-secret-key-123"
ENDPOINT = LLMEndpoint(
    adapter=LLMAdapter.ANTHROPIC,
    base_url="http://127.0.0.1:9/",
    api_key=KEY,
    headers={"X-Tenant": "header-secret"},
    max_attempts=3,
)
SCHEMA = {
    "type": "object",
    "properties": {"score": {"type": "number"}, "reasoning": {"type": "string"}},
    "required": ["score", "reasoning"],
    "additionalProperties": False,
}


def message(*content: dict[str, Any], **extra: Any) -> httpx.Response:
    body = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-judge",
        "content": list(content),
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 12, "output_tokens": 5},
        **extra,
    }
    return httpx.Response(200, json=body)


def tool_use(answer: Any, name: str = "answer") -> dict[str, Any]:
    return {"type": "tool_use", "id": "toolu_1", "name": name, "input": answer}


def error(status: int, kind: str, text: str = "nope", **headers: str) -> httpx.Response:
    body = {"type": "error", "error": {"type": kind, "message": text}}
    return httpx.Response(status, json=body, headers=headers)


def client_with(
    *responses: httpx.Response | Exception, endpoint: LLMEndpoint = ENDPOINT
) -> tuple[AnthropicClient, list[httpx.Request], list[float]]:
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

    client = AnthropicClient(endpoint, transport=httpx.MockTransport(handle), sleep=sleep)
    return client, seen, waits


async def ask(
    client: AnthropicClient, schema: Any = None, params: dict[str, Any] | None = None
) -> Any:
    return await client.complete(
        [
            {"role": "system", "content": "You are a strict grader."},
            {"role": "user", "content": "Is 2+2=4?"},
        ],
        model="claude-judge",
        params={"temperature": 0} if params is None else params,
        response_schema=schema,
    )


async def test_structured_output_is_a_forced_tool_call_whose_input_is_the_answer() -> None:
    client, seen, _ = client_with(
        message(
            {"type": "text", "text": "Let me grade."},
            tool_use({"score": 1, "reasoning": "correct"}),
            stop_reason="tool_use",
        )
    )
    completion = await ask(client, SCHEMA)
    assert completion.parsed == {"score": 1, "reasoning": "correct"}
    assert json.loads(completion.text) == {"score": 1, "reasoning": "correct"}
    assert (completion.usage.input_tokens, completion.usage.output_tokens) == (12, 5)
    assert completion.model == "claude-judge"
    [request] = seen
    assert str(request.url) == "http://127.0.0.1:9/v1/messages"
    assert request.headers["x-api-key"] == KEY
    assert request.headers["anthropic-version"] == "2023-06-01"
    assert request.headers["x-tenant"] == "header-secret"
    assert "authorization" not in request.headers
    body = json.loads(request.content)
    assert body["model"] == "claude-judge" and body["temperature"] == 0
    assert body["max_tokens"] == DEFAULT_MAX_TOKENS  # required by the API
    [tool] = body["tools"]
    assert tool["input_schema"] == SCHEMA
    assert body["tool_choice"] == {"type": "tool", "name": tool["name"]}


async def test_system_messages_go_to_the_top_level_system_field() -> None:
    client, seen, _ = client_with(message({"type": "text", "text": "yes"}))
    completion = await client.complete(
        [
            {"role": "system", "content": "You are a strict grader."},
            {"role": "developer", "content": [{"type": "text", "text": "Answer briefly."}]},
            {"role": "user", "content": "Is 2+2=4?"},
            {"role": "assistant", "content": "Thinking."},
            {"role": "user", "content": "Well?"},
        ],
        model="claude-judge",
        params={"max_tokens": 50, "top_p": 0.5},
    )
    assert completion.text == "yes" and completion.parsed is None
    body = json.loads(seen[0].content)
    assert body["system"] == "You are a strict grader.\n\nAnswer briefly."
    assert body["messages"] == [
        {"role": "user", "content": "Is 2+2=4?"},
        {"role": "assistant", "content": "Thinking."},
        {"role": "user", "content": "Well?"},
    ]
    assert (body["max_tokens"], body["top_p"]) == (50, 0.5)  # the parameters win
    assert "tools" not in body and "tool_choice" not in body


async def test_a_prompt_that_is_only_a_system_message_is_asked_as_the_users() -> None:
    client, seen, _ = client_with(message({"type": "text", "text": "ok"}))
    await client.complete([{"role": "system", "content": "Grade: 2+2=4"}], model="m", params={})
    body = json.loads(seen[0].content)
    assert body["messages"] == [{"role": "user", "content": "Grade: 2+2=4"}]
    assert "system" not in body


async def test_roles_the_api_has_no_place_for_are_refused_before_any_call() -> None:
    client, seen, _ = client_with()
    with pytest.raises(InvalidInput, match="'tool'"):
        await client.complete([{"role": "tool", "content": "42"}], model="m", params={})
    assert seen == []


@pytest.mark.parametrize(
    "base_url",
    ["https://proxy.example/anthropic", "https://proxy.example/anthropic/v1/"],
)
async def test_the_base_url_may_end_with_v1_or_not(base_url: str) -> None:
    endpoint = LLMEndpoint(adapter=LLMAdapter.ANTHROPIC, base_url=base_url, api_key=KEY)
    client, seen, _ = client_with(message({"type": "text", "text": "ok"}), endpoint=endpoint)
    await ask(client)
    assert str(seen[0].url) == "https://proxy.example/anthropic/v1/messages"


async def test_429_529_and_500_are_retried_then_the_answer_completes() -> None:
    endpoint = LLMEndpoint(
        adapter=LLMAdapter.ANTHROPIC, base_url="http://127.0.0.1:9", api_key=KEY, max_attempts=4
    )
    client, seen, waits = client_with(
        error(429, "rate_limit_error", **{"retry-after": "3"}),
        error(529, "overloaded_error", "Overloaded"),
        error(500, "api_error"),
        message(tool_use({"score": 0.5, "reasoning": "partly"})),
        endpoint=endpoint,
    )
    assert (await ask(client, SCHEMA)).parsed == {"score": 0.5, "reasoning": "partly"}
    assert len(seen) == 4 and len(waits) == 3
    assert waits[0] == 3.0  # retry-after honoured
    assert all(w > 0 for w in waits)


async def test_overload_that_outlasts_the_attempts_is_unavailable_and_named() -> None:
    overloaded = error(529, "overloaded_error", "Overloaded")
    client, seen, _ = client_with(overloaded, overloaded, overloaded)
    with pytest.raises(StorageUnavailable, match=r"529.*overloaded_error: Overloaded"):
        await ask(client)
    assert len(seen) == 3


async def test_throttling_that_outlasts_the_attempts_is_rate_limited() -> None:
    throttled = error(429, "rate_limit_error", **{"retry-after": "2"})
    client, seen, waits = client_with(throttled, throttled, throttled)
    with pytest.raises(RateLimited):
        await ask(client)
    assert len(seen) == 3 and waits == [2.0, 2.0]


async def test_timeouts_and_dropped_connections_are_retried_then_unavailable() -> None:
    client, seen, _ = client_with(
        httpx.ReadTimeout("slow"), httpx.ReadTimeout("slow"), httpx.ReadTimeout("slow")
    )
    with pytest.raises(StorageUnavailable, match="timed out"):
        await ask(client)
    assert len(seen) == 3
    client, seen, _ = client_with(
        httpx.ConnectError("refused"), message({"type": "text", "text": "back"})
    )
    assert (await ask(client)).text == "back"


@pytest.mark.parametrize(
    ("status", "kind", "error_type"),
    [
        (401, "authentication_error", PermissionDenied),
        (403, "permission_error", PermissionDenied),
        (404, "not_found_error", NotFound),
        (400, "invalid_request_error", InvalidInput),
    ],
)
async def test_client_errors_are_not_retried_and_are_translated(
    status: int, kind: str, error_type: type[Exception]
) -> None:
    client, seen, _ = client_with(error(status, kind, "model: claude-nope"))
    with pytest.raises(error_type, match=f"{status}.*{kind}: model: claude-nope"):
        await ask(client)
    assert len(seen) == 1


async def test_an_unknown_model_is_not_found_naming_the_model() -> None:
    client, _, _ = client_with(error(404, "not_found_error", "model: claude-9"))
    with pytest.raises(NotFound) as raised:
        await ask(client, SCHEMA)
    assert "does not know this model" in str(raised.value) and "claude-9" in str(raised.value)


async def test_the_key_and_header_values_never_reach_errors_or_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    refused = error(401, "authentication_error", f"invalid x-api-key {KEY}")
    failing = error(529, "overloaded_error", "bad header-secret")
    caplog.set_level(logging.DEBUG)
    client, _, _ = client_with(failing, refused)
    with pytest.raises(PermissionDenied) as raised:
        await ask(client)
    assert KEY not in str(raised.value) and "[redacted]" in str(raised.value)
    assert KEY not in caplog.text and "header-secret" not in caplog.text
    assert "overloaded_error" in caplog.text  # the retry is logged, redacted
    assert KEY not in repr(ENDPOINT)


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (httpx.Response(200, content=b"not json"), "other than JSON"),
        (httpx.Response(200, json={"type": "message"}), "no content"),
        (message({"type": "text", "text": '{"score": 1}'}), "not the requested JSON$"),
        (message(tool_use("not an object")), "not the requested JSON$"),
        (message(tool_use({"score": 1}, name="other")), "not the requested JSON$"),
        (message(stop_reason="max_tokens"), "max_tokens"),
    ],
)
async def test_answers_that_are_not_what_was_asked_are_invalid(
    response: httpx.Response, reason: str
) -> None:
    client, _, _ = client_with(response)
    with pytest.raises(InvalidInput, match=reason):
        await ask(client, SCHEMA)


async def test_the_factory_builds_an_anthropic_client_for_anthropic_endpoints() -> None:
    factory = HttpLLMClientFactory()
    try:
        openai = LLMEndpoint(adapter=LLMAdapter.OPENAI, base_url="http://x/v1", api_key="k")
        assert isinstance(factory.client(openai), OpenAICompatibleClient)
        assert isinstance(factory.client(ENDPOINT), AnthropicClient)
    finally:
        await factory.aclose()
