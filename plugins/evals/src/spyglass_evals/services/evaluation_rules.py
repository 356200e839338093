"""Evaluation rules: which objects get scored, how often, by which evaluators.

The request structs are Langfuse's v2 shapes (camelCase) plus Spyglass extensions:
``target`` (observations by default, as in Langfuse; or traces, sessions, experiment
items), ``delaySeconds``, and assignments of code evaluators (``codeEvaluator`` with its
``config``) and ``scoreName``. Every check runs against the evaluators' latest versions:
each assigned evaluator must exist in the project (or be installed, for code evaluators),
and the rule's mapping (or, without one, the evaluator's default) must map every template
variable exactly once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec

from spyglass_core.domain.errors import InvalidInput, NotFound
from spyglass_core.domain.ids import new_id
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from spyglass_core.services.evaluator_registry import EvaluatorRegistry
from spyglass_evals.domain.evaluator_shapes import (
    MAX_NAME,
    RuleFilter,
    VariableMapping,
    check_filters,
    check_mapping,
)
from spyglass_evals.domain.evaluators import (
    EvaluationRule,
    RuleAssignment,
    RuleStatus,
    RuleTarget,
)
from spyglass_evals.ports import EvaluationRuleRepository, EvaluatorRepository
from spyglass_evals.services.evaluators import page_cursor, page_offset

__all__ = ("AssignmentInput", "EvaluationRuleService", "RuleChanges", "RuleDraft")

MAX_DELAY_SECONDS = 86_400
MAX_ASSIGNMENTS = 20


class AssignmentInput(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """An evaluator for the rule: ``evaluatorId`` (LLM-as-a-judge) or ``codeEvaluator``
    (an installed code evaluator, with its ``config``). No mapping inherits the
    evaluator's default; ``scoreName`` defaults to the evaluator's name."""

    evaluator_id: str | None = None
    code_evaluator: str | None = None
    config: dict[str, object] | None = None
    variable_mapping: list[VariableMapping] | None = None
    score_name: str | None = None


class RuleDraft(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """``POST /v2/evaluation-rules``."""

    name: str
    enabled: bool
    evaluator_assignments: list[AssignmentInput]
    sampling: float = 1.0
    filter: list[RuleFilter] = []
    delay_seconds: int = 0
    target: RuleTarget = RuleTarget.OBSERVATION


class RuleChanges(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """``PATCH /v2/evaluation-rules/{id}``: the fields given replace the stored ones."""

    name: str | msgspec.UnsetType = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET
    sampling: float | msgspec.UnsetType = msgspec.UNSET
    filter: list[RuleFilter] | msgspec.UnsetType = msgspec.UNSET
    evaluator_assignments: list[AssignmentInput] | msgspec.UnsetType = msgspec.UNSET
    delay_seconds: int | msgspec.UnsetType = msgspec.UNSET
    target: RuleTarget | msgspec.UnsetType = msgspec.UNSET


class EvaluationRuleService:
    """The project's evaluation rules."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, clock: Clock, registry: EvaluatorRegistry
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._registry = registry

    async def create(self, project_id: str, draft: RuleDraft) -> EvaluationRule:
        """A new rule.

        Raises:
            InvalidInput: a field out of bounds, an enabled rule without evaluators, a
                bad filter or an incomplete mapping.
            NotFound: an assigned evaluator is not in the project.
        """
        now = self._clock.now()
        async with self._uow_factory() as uow:
            rule = await _checked(
                uow,
                EvaluationRule(
                    id=new_id(),
                    project_id=project_id,
                    name=draft.name,
                    status=RuleStatus.ACTIVE if draft.enabled else RuleStatus.INACTIVE,
                    sampling=draft.sampling,
                    delay_seconds=draft.delay_seconds,
                    filters=msgspec.to_builtins(draft.filter),
                    assignments=_assignments(draft.evaluator_assignments),
                    target=draft.target,
                    created_at=now,
                    updated_at=now,
                ),
                draft.filter,
                self._registry,
            )
            await uow.repository(EvaluationRuleRepository).add(rule)
            await uow.commit()
        return rule

    async def update(self, project_id: str, rule_id: str, changes: RuleChanges) -> EvaluationRule:
        """Replace the fields given; an empty assignment list disables the rule.

        Raises:
            NotFound: no such rule, or an assigned evaluator is not in the project.
            InvalidInput: nothing to change, or as for ``create``.
        """
        if all(getattr(changes, f) is msgspec.UNSET for f in changes.__struct_fields__):
            raise InvalidInput("Give at least one field to change")
        async with self._uow_factory() as uow:
            repo = uow.repository(EvaluationRuleRepository)
            rule = await repo.get(project_id, rule_id)
            if rule is None:
                raise NotFound("Evaluation rule not found")
            fields: dict[str, object] = {"updated_at": self._clock.now()}
            if not isinstance(changes.name, msgspec.UnsetType):
                fields["name"] = changes.name
            if not isinstance(changes.enabled, msgspec.UnsetType):
                fields["status"] = RuleStatus.ACTIVE if changes.enabled else RuleStatus.INACTIVE
                fields["paused_reason"] = None
            if not isinstance(changes.sampling, msgspec.UnsetType):
                fields["sampling"] = changes.sampling
            if not isinstance(changes.delay_seconds, msgspec.UnsetType):
                fields["delay_seconds"] = changes.delay_seconds
            if not isinstance(changes.target, msgspec.UnsetType):
                fields["target"] = changes.target
            filters: Sequence[RuleFilter] = ()
            if not isinstance(changes.filter, msgspec.UnsetType):
                filters = changes.filter
                fields["filters"] = msgspec.to_builtins(changes.filter)
            if not isinstance(changes.evaluator_assignments, msgspec.UnsetType):
                fields["assignments"] = _assignments(changes.evaluator_assignments)
                if not changes.evaluator_assignments:
                    fields["status"] = RuleStatus.INACTIVE
            updated = await _checked(
                uow, msgspec.structs.replace(rule, **fields), filters, self._registry
            )
            await repo.update(updated)
            await uow.commit()
        return updated

    async def get(self, project_id: str, rule_id: str) -> EvaluationRule:
        """The rule.

        Raises:
            NotFound: no such rule in the project.
        """
        async with self._uow_factory() as uow:
            rule = await uow.repository(EvaluationRuleRepository).get(project_id, rule_id)
        if rule is None:
            raise NotFound("Evaluation rule not found")
        return rule

    async def list_rules(
        self, project_id: str, *, cursor: str | None, limit: int
    ) -> tuple[Sequence[EvaluationRule], str | None]:
        """A page of rules, newest first, and the next cursor."""
        offset = page_offset(cursor)
        async with self._uow_factory() as uow:
            found = await uow.repository(EvaluationRuleRepository).page(
                project_id, offset=offset, limit=limit + 1
            )
        return found[:limit], page_cursor(offset, limit, len(found))

    async def delete(self, project_id: str, rule_id: str) -> None:
        """Remove the rule (scores it produced stay).

        Raises:
            NotFound: no such rule in the project.
        """
        async with self._uow_factory() as uow:
            if not await uow.repository(EvaluationRuleRepository).delete(project_id, rule_id):
                raise NotFound("Evaluation rule not found")
            await uow.commit()


def _assignments(given: Sequence[AssignmentInput]) -> list[RuleAssignment]:
    assignments = []
    for a in given:
        if (a.evaluator_id is None) == (a.code_evaluator is None):
            raise InvalidInput(
                "Each of evaluatorAssignments names exactly one of evaluatorId and codeEvaluator"
            )
        if a.config is not None and a.code_evaluator is None:
            raise InvalidInput("config is for code evaluators (codeEvaluator) only")
        if a.score_name is not None and not 0 < len(a.score_name.strip()) <= MAX_NAME:
            raise InvalidInput(f"scoreName must be 1 to {MAX_NAME} characters, not blank")
        assignments.append(
            RuleAssignment(
                evaluator_id=a.evaluator_id,
                code_evaluator=a.code_evaluator,
                config=msgspec.to_builtins(a.config) if a.config is not None else None,
                variable_mapping=(
                    msgspec.to_builtins(a.variable_mapping)
                    if a.variable_mapping is not None
                    else None
                ),
                score_name=a.score_name.strip() if a.score_name is not None else None,
            )
        )
    return assignments


async def _checked(
    uow: UnitOfWork,
    rule: EvaluationRule,
    filters: Sequence[RuleFilter],
    registry: EvaluatorRegistry,
) -> EvaluationRule:
    name = rule.name.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(f"name must be 1 to {MAX_NAME} characters, not blank")
    if not (math.isfinite(rule.sampling) and 0 <= rule.sampling <= 1):
        raise InvalidInput("sampling must be between 0 and 1")
    if not 0 <= rule.delay_seconds <= MAX_DELAY_SECONDS:
        raise InvalidInput(f"delaySeconds must be between 0 and {MAX_DELAY_SECONDS}")
    check_filters(filters)
    if rule.status is RuleStatus.ACTIVE and not rule.assignments:
        raise InvalidInput("An enabled rule needs at least one evaluator in evaluatorAssignments")
    if len(rule.assignments) > MAX_ASSIGNMENTS:
        raise InvalidInput(f"evaluatorAssignments may have at most {MAX_ASSIGNMENTS} evaluators")
    keys = [a.key for a in rule.assignments]
    if len(set(keys)) != len(keys):
        raise InvalidInput("evaluatorAssignments lists an evaluator more than once")
    evaluators = uow.repository(EvaluatorRepository)
    for assignment in rule.assignments:
        if assignment.code_evaluator is not None:
            _check_code_assignment(assignment, registry)
            continue
        assert assignment.evaluator_id is not None
        evaluator = await evaluators.get(rule.project_id, assignment.evaluator_id)
        if evaluator is None:
            raise NotFound(f"Evaluator '{assignment.evaluator_id}' not found")
        mapping = assignment.variable_mapping
        if mapping is None:
            mapping = evaluator.latest.variable_mapping
        check_mapping(
            evaluator.latest.variables,
            msgspec.convert(mapping, list[VariableMapping]) if mapping is not None else None,
            where=f"variableMapping of evaluator '{evaluator.name}'",
        )
    return msgspec.structs.replace(rule, name=name)


def _check_code_assignment(assignment: RuleAssignment, registry: EvaluatorRegistry) -> None:
    """The code evaluator is installed, takes this config, and every variable it needs
    is mapped (explicitly, or by default from the source of the same name)."""
    assert assignment.code_evaluator is not None
    registry.create(assignment.code_evaluator, assignment.config)  # NotFound / InvalidInput
    spec = registry.spec(assignment.code_evaluator)
    where = f"variableMapping of code evaluator '{spec.name}'"
    if assignment.variable_mapping is not None:
        check_mapping(
            list(spec.variables),
            msgspec.convert(assignment.variable_mapping, list[VariableMapping]),
            where=where,
        )
        return
    unmappable = [v for v in spec.variables if v not in _DEFAULT_SOURCES]
    if unmappable:
        raise InvalidInput(
            f"{where}: give a mapping for variable(s) {', '.join(unmappable)} "
            f"(only {', '.join(sorted(_DEFAULT_SOURCES))} map by default)"
        )


_DEFAULT_SOURCES = frozenset(
    {"input", "output", "metadata", "tool_calls", "expected_output", "experiment_item_metadata"}
)
