"""Backfills: run a rule over past data on demand, with progress and a final count.

A backfill selects either a filtered set of past traces (for rules on traces,
observations or sessions) or the items of one dataset run (for rules on experiment
items), then plans executions exactly as online evaluation does, except that every match
is evaluated (no sampling). Objects the rule already evaluated keep their execution, so a
backfill never scores anything twice. Planning runs in the background; a process that
stopped midway picks it up again at start-up (planning is idempotent). Progress is
counted from the backfill's executions; it is COMPLETED once none of them is left to run.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated

import msgspec

from spyglass_core.domain.errors import DomainError, InvalidInput, NotFound
from spyglass_core.domain.ids import new_id
from spyglass_core.domain.trace_selection import TraceSelection
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_evals.domain.evaluators import EvaluationRule, RuleTarget
from spyglass_evals.domain.executions import Backfill, BackfillStatus, ExecutionStatus
from spyglass_evals.ports import BackfillRepository, EvaluationRuleRepository, ExecutionRepository
from spyglass_evals.services.cross_feature import CrossFeaturePorts
from spyglass_evals.services.planning import ExecutionPlanner, experiment_targets
from spyglass_evals.services.runner import ExecutionRunner

__all__ = ("BackfillRequest", "BackfillService", "TraceWindow")

logger = logging.getLogger(__name__)

MAX_OBJECTS = 10_000
_CHUNK = 100


class TraceWindow(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Which past traces: the read API's trace filters (all optional)."""

    from_timestamp: datetime | None = None
    to_timestamp: datetime | None = None
    name: str | None = None
    user_id: str | None = None
    session_id: str | None = None
    tags: list[str] = []
    environment: list[str] = []


class BackfillRequest(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """``POST .../evaluation-rules/{id}/backfills``: exactly one of ``traces`` and
    ``datasetRunId``; at most ``limit`` objects (newest traces first)."""

    traces: TraceWindow | None = None
    dataset_run_id: str | None = None
    limit: Annotated[int, msgspec.Meta(ge=1, le=MAX_OBJECTS)] = 1000


class BackfillService:
    """Starts, resumes and reports backfills."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        planner: ExecutionPlanner,
        ports: CrossFeaturePorts,
        runner: ExecutionRunner,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._planner = planner
        self._ports = ports
        self._runner = runner
        self._planning: set[asyncio.Task[None]] = set()

    async def start(self, project_id: str, rule_id: str, request: BackfillRequest) -> Backfill:
        """A new backfill, planning in the background.

        Raises:
            NotFound: no such rule.
            InvalidInput: not exactly one selection, or one the rule's target cannot use.
        """
        if (request.traces is None) == (request.dataset_run_id is None):
            raise InvalidInput("Give exactly one of traces and datasetRunId")
        async with self._uow_factory() as uow:
            rule = await uow.repository(EvaluationRuleRepository).get(project_id, rule_id)
            if rule is None:
                raise NotFound("Evaluation rule not found")
            if not rule.assignments:
                raise InvalidInput("The rule has no evaluators to run")
            experiment = rule.target is RuleTarget.EXPERIMENT_ITEM
            if experiment != (request.dataset_run_id is not None):
                raise InvalidInput(
                    "A rule on experiment items backfills a datasetRunId; other rules "
                    "backfill traces"
                )
            now = self._clock.now()
            backfill = Backfill(
                id=new_id(),
                project_id=project_id,
                rule_id=rule_id,
                selection=msgspec.to_builtins(request),
                created_at=now,
                updated_at=now,
            )
            await uow.repository(BackfillRepository).add(backfill)
            await uow.commit()
        self._spawn(backfill, rule)
        return backfill

    async def resume(self) -> int:
        """Plan again the backfills a stopped process left planning; how many."""
        async with self._uow_factory() as uow:
            waiting = await uow.repository(BackfillRepository).planning()
            rules = uow.repository(EvaluationRuleRepository)
            pairs = [(b, await rules.get(b.project_id, b.rule_id)) for b in waiting]
        for backfill, rule in pairs:
            if rule is not None:
                self._spawn(backfill, rule)
        return len(pairs)

    async def get(self, project_id: str, backfill_id: str) -> tuple[Backfill, Mapping[str, int]]:
        """The backfill and its executions counted by status.

        Raises:
            NotFound: no such backfill in the project.
        """
        async with self._uow_factory() as uow:
            backfill = await uow.repository(BackfillRepository).get(project_id, backfill_id)
            if backfill is None:
                raise NotFound("Backfill not found")
            counts = await uow.repository(ExecutionRepository).status_counts(
                project_id, backfill_id
            )
            left = counts.get(ExecutionStatus.PENDING, 0) + counts.get(ExecutionStatus.RUNNING, 0)
            if backfill.status is BackfillStatus.RUNNING and not left:
                backfill = msgspec.structs.replace(
                    backfill, status=BackfillStatus.COMPLETED, updated_at=self._clock.now()
                )
                await uow.repository(BackfillRepository).update(backfill)
                await uow.commit()
        return backfill, {status.value: n for status, n in counts.items()}

    async def of_rule(self, project_id: str, rule_id: str) -> list[Backfill]:
        """The rule's 50 newest backfills."""
        async with self._uow_factory() as uow:
            return list(
                await uow.repository(BackfillRepository).of_rule(project_id, rule_id, limit=50)
            )

    def _spawn(self, backfill: Backfill, rule: EvaluationRule) -> None:
        task = asyncio.create_task(self._plan(backfill, rule), name=f"evals-backfill-{backfill.id}")
        self._planning.add(task)
        task.add_done_callback(self._planning.discard)

    async def _plan(self, backfill: Backfill, rule: EvaluationRule) -> None:
        request = msgspec.convert(backfill.selection, BackfillRequest)
        try:
            if request.dataset_run_id is not None:
                selected, planned = await self._plan_run(
                    backfill, rule, request.dataset_run_id, request.limit
                )
            else:
                assert request.traces is not None
                selected, planned = await self._plan_traces(
                    backfill, rule, request.traces, request.limit
                )
            done = msgspec.structs.replace(
                backfill, status=BackfillStatus.RUNNING, selected=selected, planned=planned
            )
        except DomainError as error:
            done = msgspec.structs.replace(
                backfill, status=BackfillStatus.ERROR, error=error.message
            )
        except Exception as error:  # recorded, so the backfill does not look stuck
            logger.exception("backfill %s failed", backfill.id)
            done = msgspec.structs.replace(
                backfill, status=BackfillStatus.ERROR, error=type(error).__name__
            )
        try:
            async with self._uow_factory() as uow:
                await uow.repository(BackfillRepository).update(
                    msgspec.structs.replace(done, updated_at=self._clock.now())
                )
                await uow.commit()
        except DomainError as error:  # still PLANNING: the next start plans it again
            logger.warning("backfill %s not recorded: %s", backfill.id, error.message)
        self._runner.wake()

    async def _plan_run(
        self, backfill: Backfill, rule: EvaluationRule, run_id: str, limit: int
    ) -> tuple[int, int]:
        items = await (await self._ports.runs()).run_items(backfill.project_id, run_id, limit=limit)
        if items is None:
            raise NotFound(f"Dataset run '{run_id}' not found")
        targets = experiment_targets(items)
        planned = await self._planner.plan(
            backfill.project_id, [(rule, targets)], sample=False, backfill_id=backfill.id
        )
        return len(targets), planned

    async def _plan_traces(
        self, backfill: Backfill, rule: EvaluationRule, window: TraceWindow, limit: int
    ) -> tuple[int, int]:
        reader = await self._ports.reader()
        selection = TraceSelection(
            name=window.name,
            user_id=window.user_id,
            session_id=window.session_id,
            tags=window.tags,
            environments=window.environment,
            from_timestamp=window.from_timestamp,
            to_timestamp=window.to_timestamp,
        )
        ids = await reader.find_trace_ids(backfill.project_id, selection, limit=limit)
        selected = planned = 0
        for start in range(0, len(ids), _CHUNK):
            traces = await reader.get_traces(backfill.project_id, ids[start : start + _CHUNK])
            targets = await self._planner.trace_targets(backfill.project_id, rule, traces, reader)
            selected += len(targets)
            planned += await self._planner.plan(
                backfill.project_id, [(rule, targets)], sample=False, backfill_id=backfill.id
            )
            self._runner.wake()
        return selected, planned
