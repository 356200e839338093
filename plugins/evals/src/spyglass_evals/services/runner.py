"""The execution runner: claims due executions and runs them, a bounded number at once.

Executions are rows, not queue messages, so nothing queued is lost when the process dies:
a pending row stays pending, and a row a dead worker was running keeps an expired lease
and is claimed again. Because a score's id is derived from its execution, running an
execution a second time replaces the score it wrote rather than adding one. The runner
polls (cheaply: one indexed query) and is woken at once when new executions are due now.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from datetime import timedelta

import msgspec

from spyglass_core.domain.errors import DomainError
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_evals.domain.executions import Execution
from spyglass_evals.ports import ExecutionRepository
from spyglass_evals.services.executor import EvaluationExecutor

__all__ = ("ExecutionRunner", "RunnerOptions")

logger = logging.getLogger(__name__)


class RunnerOptions(msgspec.Struct, frozen=True, kw_only=True):
    """How many executions run at once, how often the table is polled, and how long a
    claim lasts. A live runner renews its claims every third of ``lease``, so a slow
    evaluation keeps its claim; a dead one's expire within ``lease``."""

    concurrency: int = 4
    poll_seconds: float = 1.0
    lease: timedelta = timedelta(minutes=1)


class ExecutionRunner:
    """Runs due executions in the background until stopped."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        executor: EvaluationExecutor,
        options: RunnerOptions | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._executor = executor
        self._options = options or RunnerOptions()
        self._owner = uuid.uuid4().hex
        self._wake = asyncio.Event()
        self._running: dict[asyncio.Task[None], str] = {}
        self._renewed_at = clock.now()
        self._loop_task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Begin claiming and running executions (idempotent)."""
        if self._loop_task is None:
            self._loop_task = asyncio.create_task(self._loop(), name="evals-execution-runner")

    def wake(self) -> None:
        """Look for due executions now rather than at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop claiming, then let the running executions finish (or cancel them, their
        leases expire and another start runs them again)."""
        if self._loop_task is not None:
            self._loop_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop_task
            self._loop_task = None
        if self._running:
            _, pending = await asyncio.wait(list(self._running), timeout=5)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def run_due(self) -> int:
        """Claim what fits in the free slots and start it; how many were started."""
        free = self._options.concurrency - len(self._running)
        if free <= 0:
            return 0
        now = self._clock.now()
        async with self._uow_factory() as uow:
            claimed = await uow.repository(ExecutionRepository).claim(
                now=now, owner=self._owner, lease_until=now + self._options.lease, limit=free
            )
            await uow.commit()
        for execution in claimed:
            task = asyncio.create_task(self._run(execution), name=f"evals-execution-{execution.id}")
            self._running[task] = execution.id
            task.add_done_callback(self._finished)
        return len(claimed)

    async def renew_leases(self) -> None:
        """Extend the claims of what is running, if a third of the lease has passed."""
        now = self._clock.now()
        if not self._running or now - self._renewed_at < self._options.lease / 3:
            return
        async with self._uow_factory() as uow:
            await uow.repository(ExecutionRepository).renew(
                self._owner, list(self._running.values()), now + self._options.lease
            )
            await uow.commit()
        self._renewed_at = now

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running.pop(task, None)
        self._wake.set()  # a slot is free

    async def _run(self, execution: Execution) -> None:
        try:
            await self._executor.run(execution)
        except DomainError as error:  # storage failed while recording: the lease expires
            logger.warning("execution %s not recorded: %s", execution.id, error.message)
        except Exception:
            logger.exception("execution %s crashed", execution.id)

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.renew_leases()
                await self.run_due()
            except DomainError as error:
                logger.warning("could not claim executions: %s", error.message)
            except Exception:
                logger.exception("the execution runner failed; retrying")
            poll = min(self._options.poll_seconds, self._options.lease.total_seconds() / 3)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), poll)
