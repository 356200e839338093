"""Start-up and shutdown of the evals plugin: the execution runner, and rules whose code
evaluators are gone."""

from __future__ import annotations

import logging

import msgspec
from dishka import AsyncContainer

from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_core.services.evaluator_registry import EvaluatorRegistry
from spyglass_evals.domain.evaluators import RuleStatus
from spyglass_evals.ports import EvaluationRuleRepository, ExecutionRepository
from spyglass_evals.services.backfills import BackfillService
from spyglass_evals.services.runner import ExecutionRunner

__all__ = ("pause_rules_without_evaluators", "start", "stop")

logger = logging.getLogger(__name__)


async def start(container: AsyncContainer) -> None:
    """Pause rules whose code evaluators are not installed, then start the runner (which
    first picks up what was pending or running when the process last stopped)."""
    await pause_rules_without_evaluators(
        await container.get(UnitOfWorkFactory),
        await container.get(EvaluatorRegistry),
        await container.get(Clock),
    )
    (await container.get(ExecutionRunner)).start()
    await (await container.get(BackfillService)).resume()


async def stop(container: AsyncContainer) -> None:
    """Stop the runner."""
    await (await container.get(ExecutionRunner)).stop()


async def pause_rules_without_evaluators(
    uow_factory: UnitOfWorkFactory, registry: EvaluatorRegistry, clock: Clock
) -> int:
    """Pause every active rule that assigns a code evaluator no installed package
    registers (its package was uninstalled), saying which; how many were paused."""
    now = clock.now()
    paused = 0
    async with uow_factory() as uow:
        rules = uow.repository(EvaluationRuleRepository)
        for rule in await rules.active():
            missing = [
                a.code_evaluator
                for a in rule.assignments
                if a.code_evaluator is not None and a.code_evaluator not in registry
            ]
            if not missing:
                continue
            reason = (
                f"The code evaluator(s) {', '.join(missing)} are not installed any more; "
                "install their package or change the rule"
            )
            await rules.update(
                msgspec.structs.replace(
                    rule, status=RuleStatus.INACTIVE, paused_reason=reason, updated_at=now
                )
            )
            await uow.repository(ExecutionRepository).cancel_pending(
                rule.project_id, rule.id, reason=f"The rule was paused: {reason}", now=now
            )
            logger.warning("evaluation rule %s paused: %s", rule.id, reason)
            paused += 1
        await uow.commit()
    return paused
