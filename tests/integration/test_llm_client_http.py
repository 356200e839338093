"""The OpenAI-compatible client over a real socket, against the fake provider."""

from __future__ import annotations

import pytest

from spyglass_adapters.llm import HttpLLMClientFactory, OpenAICompatibleClient
from spyglass_core.domain.errors import PermissionDenied
from spyglass_core.ports.llm import LLMAdapter, LLMEndpoint
from tests.support.fake_llm import fake_llm

SCHEMA = {
    "type": "object",
    "properties": {"score": {"type": "number"}, "reasoning": {"type": "string"}},
    "required": ["score", "reasoning"],
    "additionalProperties": False,
}


def endpoint(base_url: str, key: str = "sk-good") -> LLMEndpoint:
    return LLMEndpoint(adapter=LLMAdapter.OPENAI, base_url=base_url, api_key=key, max_attempts=3)


async def test_a_judge_call_fails_twice_then_answers_structured() -> None:
    with fake_llm(expected_key="sk-good") as fake:
        fake.fail_next(500, 500)
        client = HttpLLMClientFactory().client(endpoint(fake.base_url))
        completion = await client.complete(
            [{"role": "user", "content": "Is Paris the capital of France?"}],
            model="judge",
            params={"temperature": 0},
            response_schema=SCHEMA,
        )
    assert completion.parsed == {
        "score": 1,
        "reasoning": "fake reasoning for Is Paris the capital of France?",
    }
    assert completion.usage is not None and completion.usage.output_tokens == 7
    assert len(fake.requests) == 3


async def test_a_wrong_key_is_permission_denied_without_the_key_in_the_message() -> None:
    with fake_llm(expected_key="sk-good") as fake:
        client = HttpLLMClientFactory().client(endpoint(fake.base_url, key="sk-wrong-123"))
        with pytest.raises(PermissionDenied) as raised:
            await client.complete([{"role": "user", "content": "hi"}], model="m", params={})
    assert "401" in str(raised.value) and "sk-wrong-123" not in str(raised.value)
    assert len(fake.requests) == 1  # a 401 is not retried


async def test_the_factorys_clients_share_kept_alive_connections_keys_per_request() -> None:
    """One pool for every client of the factory: no TLS context and connection built
    per judge call, a call never closes the pool under the others, and no cookie is
    carried from one call (one project's key) to the next."""
    with fake_llm() as fake:
        fake.set_cookie = "session=of-the-first-project; Path=/"
        factory = HttpLLMClientFactory()
        try:
            first = factory.client(endpoint(fake.base_url, key="sk-first-1"))
            second = factory.client(endpoint(fake.base_url, key="sk-second-2"))
            for client in (first, second, first):
                await client.complete([{"role": "user", "content": "hi"}], model="m", params={})
        finally:
            await factory.aclose()
    assert [r["headers"]["authorization"] for r in fake.requests] == [
        "Bearer sk-first-1",
        "Bearer sk-second-2",
        "Bearer sk-first-1",
    ]
    assert len({r["peer"] for r in fake.requests}) == 1  # one connection, kept alive
    # The shared client keeps no cookie: nothing received goes out with another call.
    assert [r["headers"].get("cookie") for r in fake.requests] == [None, None, None]


async def test_a_client_without_a_shared_pool_opens_its_own_per_call() -> None:
    with fake_llm() as fake:
        client = OpenAICompatibleClient(endpoint(fake.base_url))
        for _ in range(2):
            await client.complete([{"role": "user", "content": "hi"}], model="m", params={})
    assert len({r["peer"] for r in fake.requests}) == 2
