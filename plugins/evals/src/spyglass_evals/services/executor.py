"""Running one execution: read the object, fill the variables, evaluate, write the score.

Outcomes, as the execution records them:

- **completed**: the score is written (``source=EVAL``, id derived from the execution,
  the judge's reasoning as its comment) and, for a judge, its model call is traced into
  the project under the environment ``spyglass-llm-as-a-judge``. A retried execution
  writes the same ids again, so it never adds a second score or trace.
- **pending again**: the object's data has not arrived (missing variables, or the object
  itself), or storage or the provider is unavailable for now: retried with a growing
  delay, a bounded number of times, then an error that says why.
- **error**: the evaluator refused the input or the judge's answer did not fit.
- **paused rule**: the provider refused the credentials, does not know the model, the
  connection is gone, or a code evaluator is no longer installed. Failing again would
  not help, so the rule is paused with the reason and its pending executions cancelled.
- **cancelled**: the rule was deleted, paused or no longer assigns this evaluator.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import msgspec

from spyglass_core.domain.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RateLimited,
    StorageUnavailable,
)
from spyglass_core.domain.trace_selection import TraceSelection
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.llm import LLMClient, LLMClientFactory
from spyglass_core.ports.traces import LLMCall, TraceReader
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_core.services.evaluator_registry import EvaluatorRegistry
from spyglass_evals.domain.evaluator_shapes import OutputDefinition, judge_output
from spyglass_evals.domain.evaluators import EvaluationRule, RuleAssignment, RuleStatus
from spyglass_evals.domain.executions import (
    JUDGE_ENVIRONMENT,
    Execution,
    ExecutionStatus,
    MissingDataRetry,
    ObjectKind,
    eval_score,
    judge_call_ids,
    score_id,
)
from spyglass_evals.domain.variables import (
    EvaluatedObject,
    MissingVariables,
    VariableMapping,
    VariableSource,
    fill_variables,
)
from spyglass_evals.ports import EvaluationRuleRepository, EvaluatorRepository, ExecutionRepository
from spyglass_evals.services.cross_feature import CrossFeaturePorts
from spyglass_evals.services.judge import JudgeCall, LLMJudge
from spyglass_evals.services.llm_connections import LlmConnectionService
from spyglass_evals.services.model_access import connection_endpoint

__all__ = ("EvaluationExecutor", "TransientRetry")

logger = logging.getLogger(__name__)


class TransientRetry(msgspec.Struct, frozen=True, kw_only=True):
    """How often and how soon an execution is retried when storage or the provider is
    unavailable (after the LLM client's own retries gave up)."""

    attempts: int = 5
    first_delay: timedelta = timedelta(seconds=5)
    max_delay: timedelta = timedelta(minutes=5)

    def next_attempt(self, attempts_so_far: int, now: datetime) -> datetime | None:
        """When to try again, or None to give up."""
        if attempts_so_far >= self.attempts:
            return None
        delay: timedelta = min(self.first_delay * 2**attempts_so_far, self.max_delay)
        return now + delay


class _PauseRule(Exception):
    """Stop the rule: retrying cannot help until a person changes something."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Result(msgspec.Struct, frozen=True, kw_only=True):
    value: float | bool | str
    comment: str | None = None
    judge_trace_id: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None


class EvaluationExecutor:
    """Runs claimed executions to one of their outcomes (see the module docstring)."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        registry: EvaluatorRegistry,
        connections: LlmConnectionService,
        llm: LLMClientFactory,
        ports: CrossFeaturePorts,
        *,
        missing_data: MissingDataRetry | None = None,
        transient: TransientRetry | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._registry = registry
        self._connections = connections
        self._llm = llm
        self._ports = ports
        self._missing_data = missing_data or MissingDataRetry()
        self._transient = transient or TransientRetry()

    async def run(self, execution: Execution) -> Execution:
        """Run one claimed (RUNNING) execution and store its outcome; the stored state."""
        async with self._uow_factory() as uow:
            rule = await uow.repository(EvaluationRuleRepository).get(
                execution.project_id, execution.rule_id
            )
        assignment = _assignment(rule, execution.evaluator)
        if rule is None:
            return await self._finish(execution, ExecutionStatus.CANCELLED, "The rule was deleted")
        if rule.status is not RuleStatus.ACTIVE:
            reason = f": {rule.paused_reason}" if rule.paused_reason else ""
            return await self._finish(
                execution, ExecutionStatus.CANCELLED, f"The rule is paused{reason}"
            )
        if assignment is None:
            return await self._finish(
                execution, ExecutionStatus.CANCELLED, "The rule no longer runs this evaluator"
            )
        try:
            result = await self._evaluate(execution, assignment)
            await self._write_score(execution, result)
        except MissingVariables as missing:
            return await self._retry_later(
                execution, self._missing_data.next_attempt(execution.attempts, self._now()), missing
            )
        except (StorageUnavailable, RateLimited) as unavailable:
            return await self._retry_later(
                execution,
                self._transient.next_attempt(execution.attempts, self._now()),
                unavailable,
            )
        except _PauseRule as pause:
            await self._pause(rule, pause.reason)
            return await self._finish(execution, ExecutionStatus.ERROR, pause.reason)
        except DomainError as refused:
            return await self._finish(execution, ExecutionStatus.ERROR, refused.message)
        except Exception as error:  # an evaluator's bug must not stop the others
            logger.exception("execution %s failed", execution.id)
            return await self._finish(
                execution, ExecutionStatus.ERROR, f"The evaluator failed: {type(error).__name__}"
            )
        return await self._store(
            msgspec.structs.replace(
                execution,
                status=ExecutionStatus.COMPLETED,
                error=None,
                score_id=score_id(execution.id),
                score_value=result.value,
                score_comment=result.comment,
                judge_trace_id=result.judge_trace_id,
                input_tokens=result.input_tokens,
                output_tokens=result.output_tokens,
                finished_at=self._now(),
            )
        )

    # -- evaluating -------------------------------------------------------------------

    async def _evaluate(self, execution: Execution, assignment: RuleAssignment) -> _Result:
        evaluated = await self._read_object(execution)
        if assignment.code_evaluator is not None:
            return await self._run_code(assignment, evaluated)
        return await self._run_judge(execution, assignment, evaluated)

    async def _run_code(self, assignment: RuleAssignment, evaluated: EvaluatedObject) -> _Result:
        name = assignment.code_evaluator
        assert name is not None
        if name not in self._registry:
            raise _PauseRule(
                f"The code evaluator '{name}' is not installed any more; install its "
                "package or change the rule"
            )
        spec = self._registry.spec(name)
        evaluator = self._registry.create(name, assignment.config)
        mappings = (
            _mappings(assignment.variable_mapping)
            if assignment.variable_mapping is not None
            else [VariableMapping(variable=v, source=VariableSource(v)) for v in spec.variables]
        )
        variables = fill_variables(mappings, evaluated)
        return _Result(value=await evaluator.evaluate(variables))

    async def _run_judge(
        self, execution: Execution, assignment: RuleAssignment, evaluated: EvaluatedObject
    ) -> _Result:
        assert assignment.evaluator_id is not None
        async with self._uow_factory() as uow:
            evaluator = await uow.repository(EvaluatorRepository).get(
                execution.project_id, assignment.evaluator_id
            )
        if evaluator is None:
            raise _PauseRule(f"The evaluator '{assignment.evaluator_id}' was deleted")
        version = evaluator.latest
        mapping = assignment.variable_mapping or version.variable_mapping or []
        variables = fill_variables(_mappings(mapping), evaluated)
        model = version.model_config or {}
        if not model.get("provider") or not model.get("model"):
            raise _PauseRule(
                f"The evaluator '{evaluator.name}' names no model (modelConfig provider and model)"
            )
        client = self._llm.for_model(str(model["model"])) or await self._client(
            execution.project_id, str(model["provider"])
        )
        judge = LLMJudge(
            client,
            model=str(model["model"]),
            template=version.messages,
            output=judge_output(msgspec.convert(version.output_definition, OutputDefinition)),
            params=model.get("params"),
        )
        started = self._now()
        try:
            call = await judge.judge(variables)
        except (PermissionDenied, NotFound) as refused:
            raise _PauseRule(
                f"The LLM provider refused the judge call: {refused.message}"
            ) from None
        trace_id = await self._trace_judge(
            execution, evaluator.name, str(model["model"]), call, started
        )
        usage = call.completion.usage
        return _Result(
            value=call.verdict.value,
            comment=call.verdict.reasoning,
            judge_trace_id=trace_id,
            input_tokens=usage.input_tokens if usage else None,
            output_tokens=usage.output_tokens if usage else None,
        )

    async def _client(self, project_id: str, provider: str) -> LLMClient:
        try:
            connection, secret, headers = await self._connections.decrypted(project_id, provider)
        except NotFound:
            raise _PauseRule(
                f"The project has no LLM connection for provider '{provider}'"
            ) from None
        endpoint = connection_endpoint(connection, secret, headers)
        try:
            return self._llm.client(endpoint)
        except InvalidInput as unsupported:
            raise _PauseRule(unsupported.message) from None

    async def _trace_judge(
        self,
        execution: Execution,
        evaluator_name: str,
        model: str,
        call: JudgeCall,
        started: datetime,
    ) -> str:
        trace_id, generation_id = judge_call_ids(execution.id)
        usage = call.completion.usage
        await (await self._ports.tracer()).record_llm_call(
            execution.project_id,
            LLMCall(
                trace_id=trace_id,
                observation_id=generation_id,
                trace_name=f"Execute evaluator: {evaluator_name}",
                generation_name=evaluator_name,
                environment=JUDGE_ENVIRONMENT,
                model=call.completion.model or model,
                messages=call.messages,
                output=call.completion.parsed
                if call.completion.parsed is not None
                else call.completion.text,
                input_tokens=usage.input_tokens if usage else None,
                output_tokens=usage.output_tokens if usage else None,
                start_time=started,
                end_time=self._now(),
                metadata={
                    "execution_id": execution.id,
                    "rule_id": execution.rule_id,
                    "evaluated_trace_id": execution.trace_id,
                },
            ),
        )
        return trace_id

    async def _read_object(self, execution: Execution) -> EvaluatedObject:
        """What the rule's variables can read; raises MissingVariables while absent."""
        reader = await self._ports.reader()
        context = execution.context or {}
        kind = execution.object_kind
        if kind is ObjectKind.SESSION:
            return await self._read_session(execution, reader)
        linked_trace_only = kind is ObjectKind.EXPERIMENT_ITEM and not execution.observation_id
        if kind in (ObjectKind.OBSERVATION, ObjectKind.EXPERIMENT_ITEM) and not linked_trace_only:
            observation_id = execution.observation_id or execution.object_id
            observation = await reader.get_observation(execution.project_id, observation_id)
            if observation is None:
                raise MissingVariables([f"observation {observation_id}"])
            return EvaluatedObject(
                input=_decoded(observation.input),
                output=_decoded(observation.output),
                metadata=dict(observation.metadata) or None,
                expected_output=context.get("expected_output"),
                experiment_item_metadata=context.get("experiment_item_metadata"),
            )
        trace_id = execution.trace_id or execution.object_id
        trace = await reader.get_trace(execution.project_id, trace_id)
        if trace is None:
            raise MissingVariables([f"trace {trace_id}"])
        return EvaluatedObject(
            input=_decoded(trace.input),
            output=_decoded(trace.output),
            metadata=dict(trace.metadata) or None,
            expected_output=context.get("expected_output"),
            experiment_item_metadata=context.get("experiment_item_metadata"),
        )

    async def _read_session(self, execution: Execution, reader: TraceReader) -> EvaluatedObject:
        ids = await reader.find_trace_ids(
            execution.project_id, TraceSelection(session_id=execution.object_id), limit=100
        )
        traces = sorted(
            await reader.get_traces(execution.project_id, ids), key=lambda t: t.timestamp
        )
        if not traces:
            raise MissingVariables([f"session {execution.object_id}"])
        # A session reads as the conversation: every trace's input and output, in order.
        return EvaluatedObject(
            input=[_decoded(t.input) for t in traces],
            output=[_decoded(t.output) for t in traces],
        )

    # -- recording --------------------------------------------------------------------

    async def _write_score(self, execution: Execution, result: _Result) -> None:
        score = eval_score(
            project_id=execution.project_id,
            execution=execution.id,
            name=execution.score_name,
            value=result.value,
            comment=result.comment,
            at=self._now(),
            trace_id=execution.trace_id,
            observation_id=execution.observation_id
            if execution.object_kind is ObjectKind.OBSERVATION
            else None,
            session_id=execution.session_id,
            dataset_run_id=execution.dataset_run_id,
            judge_trace_id=result.judge_trace_id,
        )
        await (await self._ports.scores()).write_scores(execution.project_id, [score])

    async def _retry_later(
        self, execution: Execution, when: datetime | None, why: DomainError
    ) -> Execution:
        if when is None:
            hint = (
                " (a longer delay on the rule gives the data time to arrive)"
                if isinstance(why, MissingVariables) and "delay" not in why.message
                else ""
            )
            return await self._finish(
                execution,
                ExecutionStatus.ERROR,
                f"Gave up after {execution.attempts + 1} attempts: {why.message}{hint}",
            )
        return await self._store(
            msgspec.structs.replace(
                execution,
                status=ExecutionStatus.PENDING,
                attempts=execution.attempts + 1,
                due_at=when,
                error=why.message,
                lease_owner=None,
                lease_until=None,
            )
        )

    async def _pause(self, rule: EvaluationRule, reason: str) -> None:
        now = self._now()
        async with self._uow_factory() as uow:
            rules = uow.repository(EvaluationRuleRepository)
            current = await rules.get(rule.project_id, rule.id)
            if current is not None and current.status is RuleStatus.ACTIVE:
                await rules.update(
                    msgspec.structs.replace(
                        current, status=RuleStatus.INACTIVE, paused_reason=reason, updated_at=now
                    )
                )
            await uow.repository(ExecutionRepository).cancel_pending(
                rule.project_id, rule.id, reason=f"The rule was paused: {reason}", now=now
            )
            await uow.commit()
        logger.warning("evaluation rule %s paused: %s", rule.id, reason)

    async def _finish(self, execution: Execution, status: ExecutionStatus, error: str) -> Execution:
        return await self._store(
            msgspec.structs.replace(execution, status=status, error=error, finished_at=self._now())
        )

    async def _store(self, execution: Execution) -> Execution:
        stored = msgspec.structs.replace(
            execution, updated_at=self._now(), lease_owner=None, lease_until=None
        )
        async with self._uow_factory() as uow:
            await uow.repository(ExecutionRepository).update(stored)
            await uow.commit()
        return stored

    def _now(self) -> datetime:
        return self._clock.now()


def _assignment(rule: EvaluationRule | None, key: str) -> RuleAssignment | None:
    if rule is None:
        return None
    return next((a for a in rule.assignments if a.key == key), None)


def _mappings(mapping: list[dict[str, Any]]) -> list[VariableMapping]:
    # Stored in the wire shape (camelCase ``jsonPath``).
    return [
        VariableMapping(
            variable=str(m["variable"]),
            source=VariableSource(m["source"]),
            json_path=m.get("jsonPath") or m.get("json_path"),
        )
        for m in mapping
    ]


def _decoded(text: str | None) -> Any:
    """Stored inputs and outputs are JSON text; plain strings stay strings."""
    if text is None:
        return None
    try:
        return msgspec.json.decode(text)
    except msgspec.DecodeError:
        return text
