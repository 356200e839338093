"""The Anthropic client over a real socket, against the fake provider's Messages API."""

from __future__ import annotations

import pytest

from spyglass_adapters.llm import HttpLLMClientFactory
from spyglass_core.domain.errors import NotFound, PermissionDenied, StorageUnavailable
from spyglass_core.ports.llm import LLMAdapter, LLMEndpoint
from tests.support.fake_llm import fake_llm

SCHEMA = {
    "type": "object",
    "properties": {"score": {"type": "number"}, "reasoning": {"type": "string"}},
    "required": ["score", "reasoning"],
    "additionalProperties": False,
}


def endpoint(base_url: str, key: str = "sk-ant-good", **limits: float) -> LLMEndpoint:
    return LLMEndpoint(
        adapter=LLMAdapter.ANTHROPIC,
        base_url=base_url,
        api_key=key,
        max_attempts=int(limits.get("attempts", 4)),
        timeout_seconds=limits.get("timeout", 60.0),
    )


async def test_a_judge_call_overloaded_then_failing_then_answers_through_a_tool() -> None:
    with fake_llm(expected_key="sk-ant-good") as fake:
        fake.fail_next(529, 500)
        factory = HttpLLMClientFactory()
        try:
            completion = await factory.client(endpoint(fake.base_url)).complete(
                [
                    {"role": "system", "content": "Grade strictly."},
                    {"role": "user", "content": "Is Paris the capital of France?"},
                ],
                model="claude-judge",
                params={"temperature": 0},
                response_schema=SCHEMA,
            )
        finally:
            await factory.aclose()
    assert completion.parsed == {
        "score": 1,
        "reasoning": "fake reasoning for Is Paris the capital of France?",
    }
    assert completion.usage is not None and completion.usage.output_tokens == 7
    assert [r["path"] for r in fake.requests] == ["/v1/messages"] * 3
    assert fake.requests[-1]["body"]["system"] == "Grade strictly."


async def test_a_wrong_key_is_permission_denied_without_the_key_in_the_message() -> None:
    with fake_llm(expected_key="sk-ant-good") as fake:
        client = HttpLLMClientFactory().client(endpoint(fake.base_url, key="sk-ant-wrong-123"))
        with pytest.raises(PermissionDenied) as raised:
            await client.complete([{"role": "user", "content": "hi"}], model="m", params={})
    assert "401" in str(raised.value) and "authentication_error" in str(raised.value)
    assert "sk-ant-wrong-123" not in str(raised.value)
    assert len(fake.requests) == 1  # a 401 is not retried


async def test_an_unknown_model_is_not_found() -> None:
    with fake_llm() as fake:
        fake.known_models = {"claude-judge"}
        client = HttpLLMClientFactory().client(endpoint(fake.base_url))
        with pytest.raises(NotFound, match="not_found_error: model: claude-nope"):
            await client.complete(
                [{"role": "user", "content": "hi"}], model="claude-nope", params={}
            )
    assert len(fake.requests) == 1


async def test_a_slow_provider_times_out_after_the_attempts() -> None:
    with fake_llm() as fake:
        fake.delay_seconds = 0.5
        client = HttpLLMClientFactory().client(endpoint(fake.base_url, attempts=2, timeout=0.1))
        with pytest.raises(StorageUnavailable, match="timed out"):
            await client.complete([{"role": "user", "content": "hi"}], model="m", params={})


async def test_both_adapters_share_the_factorys_kept_alive_connections() -> None:
    with fake_llm() as fake:
        factory = HttpLLMClientFactory()
        try:
            anthropic = factory.client(endpoint(fake.base_url))
            openai = factory.client(
                LLMEndpoint(adapter=LLMAdapter.OPENAI, base_url=fake.base_url, api_key="sk-o")
            )
            for client in (anthropic, openai, anthropic):
                await client.complete([{"role": "user", "content": "hi"}], model="m", params={})
        finally:
            await factory.aclose()
    assert [r["path"] for r in fake.requests] == [
        "/v1/messages",
        "/v1/chat/completions",
        "/v1/messages",
    ]
    assert len({r["peer"] for r in fake.requests}) == 1  # one connection, kept alive
    # The key goes in x-api-key to Anthropic, never as a bearer token.
    assert "authorization" not in fake.requests[0]["headers"]
