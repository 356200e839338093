"""LLM-as-a-judge: one template, one model call, one checked verdict.

The judge renders its template with the variables, asks the model for the structured
answer of ``judge_schema`` and reads the verdict from it. The completion (text, usage,
model) is returned with the verdict so the caller can trace the call and show its cost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import msgspec

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.ports.llm import LLMClient, LLMCompletion
from spyglass_evals.domain.judge import (
    JudgeOutput,
    Verdict,
    judge_schema,
    read_verdict,
    render_template,
)

__all__ = ("JudgeCall", "LLMJudge")


class JudgeCall(msgspec.Struct, frozen=True, kw_only=True):
    """What one judgement asked (``prompt``: the messages' text; ``messages``: as sent)
    and got."""

    prompt: str
    messages: list[dict[str, str]]
    verdict: Verdict
    completion: LLMCompletion


class LLMJudge:
    """Judges with one template and output definition on one model.

    Args:
        client: the provider's client (from ``LLMClientFactory``).
        model: the model name sent to the provider.
        template: the prompt with ``{{variables}}``: one user message, or chat messages
            (``[{"role", "content"}]``) whose contents are templates.
        output: what the score is.
        params: extra completion parameters (temperature, max_tokens, ...).
    """

    def __init__(
        self,
        client: LLMClient,
        *,
        model: str,
        template: str | Sequence[Mapping[str, str]],
        output: JudgeOutput,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self._client = client
        self._model = model
        self._messages = (
            [{"role": "user", "content": template}]
            if isinstance(template, str)
            else [{"role": m["role"], "content": m["content"]} for m in template]
        )
        self._output = output
        self._params = dict(params or {})
        self._schema = judge_schema(output)

    async def judge(self, variables: Mapping[str, Any]) -> JudgeCall:
        """The verdict on these variables.

        Raises:
            InvalidInput: a variable is missing, or the answer does not fit the output.
            PermissionDenied, NotFound, RateLimited, StorageUnavailable: from the client.
        """
        messages = [
            {"role": m["role"], "content": render_template(m["content"], variables)}
            for m in self._messages
        ]
        completion = await self._client.complete(
            messages,
            model=self._model,
            params=self._params,
            response_schema=self._schema,
        )
        answer = completion.parsed
        if answer is None:  # a client without structured output: the text must be the JSON
            try:
                answer = msgspec.json.decode(completion.text)
            except msgspec.DecodeError:
                raise InvalidInput("The judge did not answer with JSON") from None
        return JudgeCall(
            prompt="\n\n".join(m["content"] for m in messages),
            messages=messages,
            verdict=read_verdict(answer, self._output),
            completion=completion,
        )
