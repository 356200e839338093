"""Contract of the evaluation-execution repository, for memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from spyglass_core.domain.projects import Organization, Project
from spyglass_core.hookspecs import StorageSpec
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_evals.domain.executions import Execution, ExecutionStatus, ObjectKind
from spyglass_evals.ports import ExecutionRepository
from spyglass_evals.storage.spec import storage_spec as evals_storage

T0 = datetime(2026, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)


@pytest.fixture(scope="module")
def storage_specs() -> Sequence[StorageSpec]:
    return [evals_storage()]


@pytest.fixture(scope="module")
async def postgres_url(postgres_database: Callable[[], Awaitable[str]]) -> str:
    """A database of this module's own: the shared one lacks the evals tables."""
    return await postgres_database()


@pytest.fixture
async def factory(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    async with uow_factory() as uow:
        await uow.organizations.add(Organization(id="org-a", name="Org", created_at=T0))
        for project_id in ("prj-a", "prj-b"):
            await uow.projects.add(
                Project(id=project_id, organization_id="org-a", name=project_id, created_at=T0)
            )
        await uow.commit()
    return uow_factory


def execution(number: int, **fields: object) -> Execution:
    values: dict[str, object] = {
        "id": f"x-{number:03d}",
        "project_id": "prj-a",
        "rule_id": "rule-1",
        "evaluator": "code:exact_match",
        "score_name": "exact",
        "object_kind": ObjectKind.TRACE,
        "object_id": f"t-{number}",
        "trace_id": f"t-{number}",
        "context": {"expected_output": {"answer": [1, 2]}},
        "due_at": T0 + timedelta(seconds=number),
        "created_at": T0 + timedelta(seconds=number),
        "updated_at": T0,
    }
    return Execution(**(values | fields))  # type: ignore[arg-type]


async def add(factory: UnitOfWorkFactory, *executions: Execution) -> int:
    async with factory() as uow:
        added = await uow.repository(ExecutionRepository).add_new(executions)
        await uow.commit()
    return added


async def claim(
    factory: UnitOfWorkFactory, owner: str, now: datetime, limit: int = 10
) -> list[Execution]:
    async with factory() as uow:
        claimed = await uow.repository(ExecutionRepository).claim(
            now=now, owner=owner, lease_until=now + timedelta(seconds=30), limit=limit
        )
        await uow.commit()
    return list(claimed)


async def test_an_execution_is_stored_once_and_read_back_whole(factory: UnitOfWorkFactory) -> None:
    first = execution(1)
    assert await add(factory, first, execution(2)) == 2
    assert await add(factory, first, execution(2, score_name="changed"), execution(3)) == 1
    async with factory() as uow:
        repo = uow.repository(ExecutionRepository)
        assert await repo.get("prj-a", first.id) == first
        assert await repo.get("prj-b", first.id) is None
        page = await repo.page("prj-a", rule_id="rule-1")
    assert [e.id for e in page] == ["x-003", "x-002", "x-001"]  # newest first


async def test_due_executions_are_claimed_by_one_owner_only(factory: UnitOfWorkFactory) -> None:
    await add(factory, execution(1), execution(2), execution(100))
    now = T0 + timedelta(seconds=10)
    mine = await claim(factory, "worker-a", now)
    assert [e.id for e in mine] == ["x-001", "x-002"]  # x-100 is not due yet
    assert all(e.status is ExecutionStatus.RUNNING and e.lease_owner == "worker-a" for e in mine)
    assert await claim(factory, "worker-b", now) == []

    # Worker A died: once its leases expire, B gets them; renewing keeps them A's.
    async with factory() as uow:
        await uow.repository(ExecutionRepository).renew(
            "worker-a", ["x-001"], now + timedelta(minutes=5)
        )
        await uow.commit()
    later = now + timedelta(seconds=31)
    assert [e.id for e in await claim(factory, "worker-b", later, limit=1)] == ["x-002"]
    assert await claim(factory, "worker-c", later) == []


async def test_finished_executions_are_not_claimed_and_pending_ones_can_be_cancelled(
    factory: UnitOfWorkFactory,
) -> None:
    await add(factory, execution(1), execution(2), execution(3, rule_id="rule-2"))
    async with factory() as uow:
        repo = uow.repository(ExecutionRepository)
        done = msgspec.structs.replace(
            execution(1), status=ExecutionStatus.COMPLETED, score_value=0.5, finished_at=T0
        )
        await repo.update(done)
        cancelled = await repo.cancel_pending("prj-a", "rule-1", reason="paused", now=T0)
        await uow.commit()
    assert cancelled == 1
    async with factory() as uow:
        repo = uow.repository(ExecutionRepository)
        assert (await repo.get("prj-a", "x-001")) == done
        second = await repo.get("prj-a", "x-002")
        assert second is not None and second.status is ExecutionStatus.CANCELLED
        assert second.error == "paused"
        errors = await repo.page("prj-a", status=ExecutionStatus.CANCELLED)
    assert [e.id for e in errors] == ["x-002"]
    claimed = await claim(factory, "w", T0 + timedelta(minutes=1))
    assert [e.id for e in claimed] == ["x-003"]
