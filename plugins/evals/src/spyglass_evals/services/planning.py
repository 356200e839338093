"""Turning domain events into executions: which active rules match which new objects.

Ingestion raises ``TracesIngested`` (for traces, their observations and sessions) and
``ExperimentItemsRan`` (for SDK experiment items); linking a run item through the public
API raises ``DatasetRunItemsLinked`` (experiment items too). For each active rule of the
project whose target fits, every object that matches the rule's filters and falls in its
sample gets one execution per assigned evaluator, due after the rule's delay. Execution
ids are derived from (rule, evaluator, object), so an event delivered twice, a trace
ingested in several batches, or the same run item linked twice, adds nothing the first
delivery made. An object that did not match yet (its name arrived in a later batch) is
looked at again on its next event. Objects in
internal environments (``spyglass-*``, where judges trace their calls, and Langfuse's
``langfuse-*``) are never evaluated.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import timedelta
from typing import Any

from spyglass_core.domain.events import (
    DatasetRunItemsLinked,
    ExperimentItemRan,
    ExperimentItemsRan,
    TracesIngested,
)
from spyglass_core.domain.tracing import Trace
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.traces import TraceReader
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_evals.domain.evaluators import EvaluationRule, RuleTarget
from spyglass_evals.domain.executions import Execution, ObjectKind, execution_id
from spyglass_evals.domain.matching import (
    experiment_item_row,
    matches,
    observation_row,
    trace_row,
)
from spyglass_evals.domain.sampling import in_sample
from spyglass_evals.ports import (
    EvaluationRuleRepository,
    EvaluatorRepository,
    ExecutionRepository,
)

__all__ = ("EvaluatedTarget", "ExecutionPlanner", "experiment_targets")

logger = logging.getLogger(__name__)

_INTERNAL_ENVIRONMENT_PREFIXES = ("spyglass-", "langfuse-")
_TRACE_TARGETS = frozenset({RuleTarget.TRACE, RuleTarget.OBSERVATION, RuleTarget.SESSION})


class EvaluatedTarget:
    """One object a rule may evaluate: where its score goes and its filter columns."""

    __slots__ = ("context", "kind", "object_id", "observation_id", "row", "session_id", "trace_id")

    def __init__(
        self,
        kind: ObjectKind,
        object_id: str,
        row: dict[str, Any],
        *,
        trace_id: str | None = None,
        observation_id: str | None = None,
        session_id: str | None = None,
        context: dict[str, Any] | None = None,
    ) -> None:
        self.kind = kind
        self.object_id = object_id
        self.row = row
        self.trace_id = trace_id
        self.observation_id = observation_id
        self.session_id = session_id
        self.context = context


class ExecutionPlanner:
    """Creates the executions that new data calls for; ``plan`` is what a backfill uses."""

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow_factory = uow_factory
        self._clock = clock

    async def on_traces_ingested(self, event: TracesIngested, reader: TraceReader) -> int:
        """Executions for the event's traces (and their observations and sessions)."""
        async with self._uow_factory() as uow:
            rules = await uow.repository(EvaluationRuleRepository).active(event.project_id)
        rules = [r for r in rules if r.target in _TRACE_TARGETS and r.assignments]
        if not rules:
            return 0
        traces = await reader.get_traces(event.project_id, event.trace_ids)
        targets: dict[RuleTarget, list[EvaluatedTarget]] = {
            RuleTarget.TRACE: [_trace_target(t) for t in traces],
            RuleTarget.SESSION: _session_targets(traces),
        }
        if any(r.target is RuleTarget.OBSERVATION for r in rules):
            targets[RuleTarget.OBSERVATION] = [
                target
                for trace in traces
                for target in _observation_targets(
                    trace, await reader.observations_of_trace(event.project_id, trace.id)
                )
            ]
        return await self.plan(
            event.project_id, [(rule, targets.get(rule.target, ())) for rule in rules]
        )

    async def on_experiment_items(self, event: ExperimentItemsRan | DatasetRunItemsLinked) -> int:
        """Executions for the event's experiment items: an SDK experiment's, or run items
        linked through the API (one object per trace or observation either way)."""
        async with self._uow_factory() as uow:
            rules = await uow.repository(EvaluationRuleRepository).active(event.project_id)
        rules = [r for r in rules if r.target is RuleTarget.EXPERIMENT_ITEM and r.assignments]
        if not rules:
            return 0
        targets = experiment_targets(event.items)
        return await self.plan(event.project_id, [(rule, targets) for rule in rules])

    async def trace_targets(
        self, project_id: str, rule: EvaluationRule, traces: Sequence[Trace], reader: TraceReader
    ) -> list[EvaluatedTarget]:
        """What ``rule`` may evaluate among these traces (a backfill's selection)."""
        if rule.target is RuleTarget.TRACE:
            return [_trace_target(t) for t in traces]
        if rule.target is RuleTarget.SESSION:
            return _session_targets(traces)
        if rule.target is RuleTarget.OBSERVATION:
            return [
                target
                for trace in traces
                for target in _observation_targets(
                    trace, await reader.observations_of_trace(project_id, trace.id)
                )
            ]
        return []

    async def plan(
        self,
        project_id: str,
        candidates: Iterable[tuple[EvaluationRule, Sequence[EvaluatedTarget]]],
        *,
        sample: bool = True,
        backfill_id: str | None = None,
    ) -> int:
        """Store one execution per (rule, evaluator, object) that matches and is sampled;
        how many were new. A backfill passes ``sample=False`` to evaluate every match,
        and its id, which its executions carry."""
        now = self._clock.now()
        candidates = list(candidates)
        names = await self._score_names(project_id, [rule for rule, _ in candidates])
        planned: list[Execution] = []
        for rule, targets in candidates:
            due = now + timedelta(seconds=rule.delay_seconds)
            for target in targets:
                if _internal(target) or not matches(rule.filters, target.row):
                    continue
                if sample and not in_sample(rule.id, target.object_id, rule.sampling):
                    continue
                for assignment in rule.assignments:
                    planned.append(
                        Execution(
                            id=execution_id(rule.id, assignment.key, target.kind, target.object_id),
                            project_id=project_id,
                            rule_id=rule.id,
                            evaluator=assignment.key,
                            score_name=names[(rule.id, assignment.key)],
                            object_kind=target.kind,
                            object_id=target.object_id,
                            trace_id=target.trace_id,
                            observation_id=target.observation_id,
                            session_id=target.session_id,
                            backfill_id=backfill_id,
                            context=target.context,
                            due_at=due,
                            created_at=now,
                            updated_at=now,
                        )
                    )
        if not planned:
            return 0
        async with self._uow_factory() as uow:
            added = await uow.repository(ExecutionRepository).add_new(planned)
            await uow.commit()
        return added

    async def _score_names(
        self, project_id: str, rules: Sequence[EvaluationRule]
    ) -> dict[tuple[str, str], str]:
        """Each assignment's score name: its own, else its evaluator's name."""
        judges = {a.evaluator_id for r in rules for a in r.assignments if a.evaluator_id}
        evaluator_names: dict[str, str] = {}
        if judges:
            async with self._uow_factory() as uow:
                repo = uow.repository(EvaluatorRepository)
                for evaluator_id in judges:
                    found = await repo.get(project_id, evaluator_id)
                    if found is not None:
                        evaluator_names[evaluator_id] = found.name
        return {
            (rule.id, a.key): a.score_name
            or (evaluator_names.get(a.evaluator_id, a.evaluator_id) if a.evaluator_id else None)
            or a.code_evaluator
            or a.key
            for rule in rules
            for a in rule.assignments
        }


def experiment_targets(items: Iterable[ExperimentItemRan]) -> list[EvaluatedTarget]:
    """Experiment items as targets: scored on their trace, read from their task span (or
    from the trace, for a run item that links only a trace)."""
    return [
        EvaluatedTarget(
            ObjectKind.EXPERIMENT_ITEM,
            item.observation_id or item.trace_id,
            experiment_item_row(item),
            trace_id=item.trace_id,
            observation_id=item.observation_id or None,
            context={
                "expected_output": item.item_expected_output,
                "experiment_item_metadata": item.item_metadata,
                "experiment_id": item.experiment_id,
                "dataset_item_id": item.item_id,
            },
        )
        for item in items
    ]


def _internal(target: EvaluatedTarget) -> bool:
    """Judges' own traces (and Langfuse's internal environments) are never evaluated, or
    a rule matching everything would evaluate its own judge calls forever."""
    environment = str(target.row.get("environment") or "")
    return environment.startswith(_INTERNAL_ENVIRONMENT_PREFIXES)


def _trace_target(trace: Trace) -> EvaluatedTarget:
    return EvaluatedTarget(ObjectKind.TRACE, trace.id, trace_row(trace), trace_id=trace.id)


def _session_targets(traces: Sequence[Trace]) -> list[EvaluatedTarget]:
    # A session is seen through its first trace in the event: its id and the columns
    # (environment, user) its traces share.
    seen: dict[str, EvaluatedTarget] = {}
    for trace in traces:
        if trace.session_id and trace.session_id not in seen:
            row = trace_row(trace) | {"name": trace.session_id}
            seen[trace.session_id] = EvaluatedTarget(
                ObjectKind.SESSION, trace.session_id, row, session_id=trace.session_id
            )
    return list(seen.values())


def _observation_targets(trace: Trace, observations: Sequence[Any]) -> list[EvaluatedTarget]:
    return [
        EvaluatedTarget(
            ObjectKind.OBSERVATION,
            observation.id,
            observation_row(observation, trace),
            trace_id=trace.id,
            observation_id=observation.id,
        )
        for observation in observations
    ]
