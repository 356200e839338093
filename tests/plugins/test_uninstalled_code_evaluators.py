"""An evaluator package uninstalled, then installed again: what happens to its rules.

In one process, on memory storage: the evals plugin's start-up step
(``pause_rules_without_evaluators``) and the rule service, with the registry a host
builds from the packages installed at each start. The real round trip with a server
process and a real installer is ``tests/e2e/test_example_evaluator_package.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from spyglass.storage import memory_repositories
from spyglass_adapters.memory.clock import FixedClock
from spyglass_adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from spyglass_core.domain.errors import NotFound
from spyglass_core.hookspecs import EvaluatorSpec
from spyglass_core.services.evaluator_registry import EvaluatorRegistry
from spyglass_evals.domain.evaluators import EvaluationRule, RuleStatus
from spyglass_evals.domain.executions import Execution, ExecutionStatus, ObjectKind
from spyglass_evals.lifecycle import pause_rules_without_evaluators
from spyglass_evals.ports import ExecutionRepository
from spyglass_evals.services.evaluation_rules import (
    AssignmentInput,
    EvaluationRuleService,
    RuleChanges,
    RuleDraft,
)
from spyglass_evals.storage.spec import storage_spec as evals_storage

T0 = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
PROJECT = "prj-a"


class Length:
    """The output's length in characters."""

    async def evaluate(self, variables: Mapping[str, Any]) -> float:
        return float(len(str(variables["output"])))


class Shouts:
    """True when the output is all capitals."""

    async def evaluate(self, variables: Mapping[str, Any]) -> bool:
        return str(variables["output"]).isupper()


LENGTH = EvaluatorSpec(name="length", factory=Length, variables=("output",))
SHOUTS = EvaluatorSpec(name="shouts", factory=Shouts, variables=("output",), output="boolean")
BOTH = EvaluatorRegistry([LENGTH, SHOUTS])
WITHOUT_SHOUTS = EvaluatorRegistry([LENGTH])  # the package of "shouts" was uninstalled


class Deployment:
    """The stored state, kept across "restarts" that change the installed evaluators."""

    def __init__(self) -> None:
        self.uow = MemoryUnitOfWorkFactory(repositories=memory_repositories([evals_storage()]))
        self.clock = FixedClock(T0)

    def rules(self, registry: EvaluatorRegistry) -> EvaluationRuleService:
        return EvaluationRuleService(self.uow, self.clock, registry)

    async def rule(self, rule_id: str) -> EvaluationRule:
        return await self.rules(BOTH).get(PROJECT, rule_id)

    async def execution(self, execution_id: str) -> Execution:
        async with self.uow() as uow:
            found = await uow.repository(ExecutionRepository).get(PROJECT, execution_id)
        assert found is not None
        return found

    async def add_execution(self, rule_id: str, execution_id: str, status: ExecutionStatus) -> None:
        async with self.uow() as uow:
            await uow.repository(ExecutionRepository).add_new(
                [
                    Execution(
                        id=execution_id,
                        project_id=PROJECT,
                        rule_id=rule_id,
                        evaluator="code:shouts",
                        score_name="shouts",
                        object_kind=ObjectKind.TRACE,
                        object_id=f"t-{execution_id}",
                        trace_id=f"t-{execution_id}",
                        status=status,
                        due_at=T0 + timedelta(minutes=5),
                        created_at=T0,
                        updated_at=T0,
                    )
                ]
            )
            await uow.commit()


def draft(name: str, *evaluators: str, enabled: bool = True) -> RuleDraft:
    return RuleDraft(
        name=name,
        enabled=enabled,
        evaluator_assignments=[AssignmentInput(code_evaluator=e) for e in evaluators],
    )


async def test_rules_of_an_uninstalled_evaluator_are_paused_then_reenabled() -> None:
    deployment = Deployment()
    service = deployment.rules(BOTH)
    uses_both = await service.create(PROJECT, draft("both", "length", "shouts"))
    uses_length = await service.create(PROJECT, draft("length only", "length"))
    already_off = await service.create(PROJECT, draft("off", "shouts", enabled=False))
    await deployment.add_execution(uses_both.id, "pending", ExecutionStatus.PENDING)
    await deployment.add_execution(uses_both.id, "done", ExecutionStatus.COMPLETED)

    # Restart without the package of "shouts".
    deployment.clock.advance(60)
    paused = await pause_rules_without_evaluators(deployment.uow, WITHOUT_SHOUTS, deployment.clock)
    assert paused == 1
    rule = await deployment.rule(uses_both.id)
    assert rule.status is RuleStatus.INACTIVE
    assert rule.paused_reason is not None
    assert "shouts" in rule.paused_reason and "length" not in rule.paused_reason
    assert rule.updated_at == T0 + timedelta(minutes=1)
    assert (await deployment.rule(uses_length.id)).status is RuleStatus.ACTIVE
    off = await deployment.rule(already_off.id)
    assert (off.status, off.paused_reason) == (RuleStatus.INACTIVE, None)
    cancelled = await deployment.execution("pending")
    assert cancelled.status is ExecutionStatus.CANCELLED
    assert cancelled.error == f"The rule was paused: {rule.paused_reason}"
    assert (await deployment.execution("done")).status is ExecutionStatus.COMPLETED

    # The next start finds nothing more to pause.
    assert (
        await pause_rules_without_evaluators(deployment.uow, WITHOUT_SHOUTS, deployment.clock) == 0
    )

    # While it is missing, no rule may use it.
    missing = deployment.rules(WITHOUT_SHOUTS)
    with pytest.raises(NotFound, match="'shouts' is not installed"):
        await missing.update(PROJECT, uses_both.id, RuleChanges(enabled=True))
    with pytest.raises(NotFound, match="'shouts' is not installed"):
        await missing.create(PROJECT, draft("new", "shouts"))
    assert (await deployment.rule(uses_both.id)).status is RuleStatus.INACTIVE

    # Installed again: enabling the rule clears the reason.
    enabled = await deployment.rules(BOTH).update(PROJECT, uses_both.id, RuleChanges(enabled=True))
    assert (enabled.status, enabled.paused_reason) == (RuleStatus.ACTIVE, None)
    assert await pause_rules_without_evaluators(deployment.uow, BOTH, deployment.clock) == 0
