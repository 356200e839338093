"""``LLMJudge`` with a scripted client and with the fake provider over HTTP."""

from __future__ import annotations

import pytest

from spyglass_adapters.llm import HttpLLMClientFactory
from spyglass_adapters.memory.llm import ScriptedLLMClient
from spyglass_core.domain.errors import InvalidInput
from spyglass_core.ports.llm import LLMAdapter, LLMEndpoint
from spyglass_evals.domain.judge import JudgeOutput, OutputKind
from spyglass_evals.services.judge import LLMJudge
from tests.support.fake_llm import fake_llm

CORRECTNESS = JudgeOutput(kind=OutputKind.NUMERIC, minimum=0, maximum=1)
TEMPLATE = "Is {{output}} the right answer to {{input}}?"


async def test_the_prompt_is_rendered_and_the_answer_checked() -> None:
    client = ScriptedLLMClient(['{"reasoning": "2+2 is 4", "score": 1}'])
    judge = LLMJudge(client, model="judge", template=TEMPLATE, output=CORRECTNESS)
    call = await judge.judge({"input": "2+2", "output": "4"})
    assert call.prompt == "Is 4 the right answer to 2+2?"
    assert (call.verdict.value, call.verdict.reasoning) == (1.0, "2+2 is 4")
    assert client.requests[0][0] == [{"role": "user", "content": call.prompt}]


async def test_an_answer_that_is_not_json_or_misses_variables_is_invalid() -> None:
    judge = LLMJudge(
        ScriptedLLMClient(["sure"]), model="judge", template=TEMPLATE, output=CORRECTNESS
    )
    with pytest.raises(InvalidInput, match="input"):
        await judge.judge({"output": "4"})
    with pytest.raises(InvalidInput, match="JSON"):
        await judge.judge({"input": "2+2", "output": "4"})


async def test_a_judgement_through_the_fake_provider_carries_usage() -> None:
    with fake_llm() as fake:
        endpoint = LLMEndpoint(adapter=LLMAdapter.OPENAI, base_url=fake.base_url, api_key="k")
        judge = LLMJudge(
            HttpLLMClientFactory().client(endpoint),
            model="judge",
            template=TEMPLATE,
            output=JudgeOutput(kind=OutputKind.BOOLEAN),
            params={"temperature": 0},
        )
        call = await judge.judge({"input": "2+2", "output": "4"})
    assert call.verdict.value is True
    assert call.verdict.reasoning.startswith("fake reasoning for Is 4 the right answer")
    assert call.completion.usage is not None and call.completion.usage.output_tokens == 7
    sent = fake.requests[0]["body"]
    assert sent["temperature"] == 0 and sent["response_format"]["type"] == "json_schema"
