"""The evaluator preview: run a judge, saved or still a draft, on one trace, now.

The person editing an evaluator picks a trace (and optionally one of its observations)
and sees what a rule would do with it: the variables the mapping fills, the prompt as
the model receives it, and the verdict with its reasoning and token usage. Nothing is
stored and no score is written. The trace is read through core's ``TraceReader``; the
model is called through the project's LLM connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from spyglass_core.domain.errors import InvalidInput, NotFound
from spyglass_core.domain.tracing import Observation, Trace, decode_json_text
from spyglass_core.ports.llm import LLMUsage
from spyglass_core.ports.traces import TraceReader
from spyglass_evals.domain import variables as fill
from spyglass_evals.domain.evaluator_shapes import (
    ChatMessage,
    EvaluatorModelConfig,
    OutputDefinition,
    VariableMapping,
    check_mapping,
    judge_output,
    prompt_messages,
    prompt_variables,
)
from spyglass_evals.domain.judge import Verdict
from spyglass_evals.services.evaluators import EvaluatorService
from spyglass_evals.services.judge import LLMJudge
from spyglass_evals.services.model_access import ModelAccess, provider_errors

__all__ = ("EvaluatedObject", "EvaluatorPreview", "PreviewRequest", "PreviewResult")

MAX_ID = 255


class PreviewRequest(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """What to preview on which trace.

    ``evaluatorId`` starts from a saved evaluator's latest version; every definition
    field given (``prompt``, ``outputDefinition``, ``modelConfig``, ``variableMapping``)
    replaces the saved one, so an edit can be previewed before it is saved. Without
    ``evaluatorId``, ``prompt`` and ``outputDefinition`` are required.
    """

    trace_id: str
    observation_id: str | None = None
    evaluator_id: str | None = None
    prompt: str | list[ChatMessage] | None = None
    output_definition: OutputDefinition | None = None
    model_config: EvaluatorModelConfig | None = None
    variable_mapping: list[VariableMapping] | None = None


class EvaluatedObject(msgspec.Struct, frozen=True, kw_only=True):
    """Which object the variables were read from."""

    kind: str  # "TRACE" or "OBSERVATION"
    id: str
    name: str | None


class PreviewResult(msgspec.Struct, frozen=True, kw_only=True):
    """The filled variables, the messages sent, the verdict and what the call used."""

    evaluated: EvaluatedObject
    variables: Mapping[str, Any]
    messages: list[dict[str, str]]
    verdict: Verdict
    provider: str
    model: str
    usage: LLMUsage | None


class _Definition(msgspec.Struct, frozen=True, kw_only=True):
    messages: list[ChatMessage]
    output: OutputDefinition
    model: EvaluatorModelConfig | None
    mapping: list[VariableMapping] | None


class EvaluatorPreview:
    """Runs a judge once on a trace or observation, storing nothing."""

    def __init__(self, evaluators: EvaluatorService, models: ModelAccess) -> None:
        self._evaluators = evaluators
        self._models = models

    async def preview(
        self, project_id: str, request: PreviewRequest, traces: TraceReader
    ) -> PreviewResult:
        """The judge's verdict on the requested trace (or observation).

        Raises:
            InvalidInput: an incomplete or invalid definition, no model chosen, a
                variable the object has no value for (all are named), or the provider
                refused the call (its message, never the key).
            NotFound: the evaluator, trace, observation or LLM connection is absent.
        """
        definition = await self._definition(project_id, request)
        names = prompt_variables(definition.messages)
        check_mapping(names, definition.mapping, where="variableMapping")
        output = judge_output(definition.output)
        if definition.model is None:
            raise InvalidInput(
                "Choose the judge model: modelConfig needs an LLM connection's provider "
                "and a model name"
            )
        evaluated, data = await _read(project_id, request, traces)
        try:
            filled = fill.fill_variables(
                [
                    fill.VariableMapping(
                        variable=m.variable,
                        source=fill.VariableSource(m.source),
                        json_path=m.json_path,
                    )
                    for m in definition.mapping or ()
                ],
                data,
            )
        except fill.MissingVariables as missing:
            kind = evaluated.kind.lower()
            raise InvalidInput(
                f"The {kind} '{evaluated.id}' has no value for variable(s) "
                f"{', '.join(missing.names)}: map them to a source it has (input, output, "
                f"metadata), or adjust the JSONPath; expected_output and "
                "experiment_item_metadata exist only on experiment items",
                details={"missing": missing.names},
            ) from None
        model = definition.model
        client = await self._models.client(project_id, model.provider, model.model)
        judge = LLMJudge(
            client,
            model=model.model,
            template=[msgspec.to_builtins(m) for m in definition.messages],
            output=output,
            params=model.params,
        )
        async with provider_errors(model.provider):
            call = await judge.judge(filled)
        return PreviewResult(
            evaluated=evaluated,
            variables=filled,
            messages=call.messages,
            verdict=call.verdict,
            provider=model.provider,
            model=model.model,
            usage=call.completion.usage,
        )

    async def _definition(self, project_id: str, request: PreviewRequest) -> _Definition:
        if request.evaluator_id is None:
            if request.prompt is None or request.output_definition is None:
                raise InvalidInput(
                    "Give an evaluatorId, or a draft's prompt and outputDefinition to preview"
                )
            return _Definition(
                messages=prompt_messages(request.prompt),
                output=request.output_definition,
                model=request.model_config,
                mapping=request.variable_mapping,
            )
        evaluator, _ = await self._evaluators.get(project_id, request.evaluator_id)
        saved = evaluator.latest
        return _Definition(
            messages=prompt_messages(
                request.prompt
                if request.prompt is not None
                else msgspec.convert(saved.messages, list[ChatMessage])
            ),
            output=request.output_definition
            or msgspec.convert(saved.output_definition, OutputDefinition),
            model=request.model_config
            or (
                msgspec.convert(saved.model_config, EvaluatorModelConfig)
                if saved.model_config is not None
                else None
            ),
            mapping=request.variable_mapping
            if request.variable_mapping is not None
            else (
                msgspec.convert(saved.variable_mapping, list[VariableMapping])
                if saved.variable_mapping is not None
                else None
            ),
        )


async def _read(
    project_id: str, request: PreviewRequest, traces: TraceReader
) -> tuple[EvaluatedObject, fill.EvaluatedObject]:
    for value, field in ((request.trace_id, "traceId"), (request.observation_id, "observationId")):
        if value is not None and not 1 <= len(value) <= MAX_ID:
            raise InvalidInput(f"{field} must be 1 to {MAX_ID} characters")
    if request.observation_id:
        observation = await traces.get_observation(project_id, request.observation_id)
        if observation is None or observation.trace_id != request.trace_id:
            raise NotFound(
                f"Observation '{request.observation_id}' not found in trace '{request.trace_id}'"
            )
        return (
            EvaluatedObject(kind="OBSERVATION", id=observation.id, name=observation.name),
            _data(observation),
        )
    trace = await traces.get_trace(project_id, request.trace_id)
    if trace is None:
        raise NotFound(
            f"Trace '{request.trace_id}' not found (a trace just sent is readable a moment later)"
        )
    return EvaluatedObject(kind="TRACE", id=trace.id, name=trace.name), _data(trace)


def _data(source: Trace | Observation) -> fill.EvaluatedObject:
    """What a mapping can read of a trace or observation, as the executor reads it
    (``services.executor``): decoded input and output, metadata as stored."""
    return fill.EvaluatedObject(
        input=decode_json_text(source.input),
        output=decode_json_text(source.output),
        metadata=dict(source.metadata) or None,
    )
