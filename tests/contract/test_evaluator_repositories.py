"""Contract of the evaluator and evaluation-rule repositories, for memory, SQLite and
PostgreSQL (the evals plugin's storage only, on PostgreSQL in a database of its own)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from spyglass_core.domain.errors import Conflict
from spyglass_core.domain.projects import Organization, Project
from spyglass_core.hookspecs import StorageSpec
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_evals.domain.evaluators import (
    EvaluationRule,
    Evaluator,
    EvaluatorVersion,
    RuleAssignment,
    RuleStatus,
)
from spyglass_evals.ports import EvaluationRuleRepository, EvaluatorRepository
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


def version(evaluator_id: str, number: int, project_id: str = "prj-a") -> EvaluatorVersion:
    return EvaluatorVersion(
        id=f"{evaluator_id}-v{number}",
        project_id=project_id,
        evaluator_id=evaluator_id,
        version=number,
        messages=[{"role": "user", "content": f"Judge {{{{output}}}} v{number}"}],
        variables=["output"],
        variable_mapping=[{"variable": "output", "source": "output", "jsonPath": None}],
        model_config={"provider": "openai", "model": "m"} if number > 1 else None,
        output_definition={"dataType": "NUMERIC", "minValue": 0.0, "maxValue": 1.0},
        created_at=T0 + timedelta(minutes=number),
    )


def evaluator(evaluator_id: str, project_id: str = "prj-a", **fields: Any) -> Evaluator:
    values: dict[str, Any] = {
        "id": evaluator_id,
        "project_id": project_id,
        "name": "judge",
        "description": None,
        "created_at": T0,
        "updated_at": T0,
        "latest": version(evaluator_id, 1, project_id),
    }
    return Evaluator(**(values | fields))


def rule(rule_id: str, *evaluator_ids: str, project_id: str = "prj-a", **fields: Any) -> Any:
    values: dict[str, Any] = {
        "id": rule_id,
        "project_id": project_id,
        "name": "rule",
        "status": RuleStatus.ACTIVE,
        "sampling": 0.5,
        "delay_seconds": 30,
        "filters": [{"type": "stringOptions", "column": "name", "operator": "any of", "value": []}],
        "assignments": [RuleAssignment(evaluator_id=e) for e in evaluator_ids],
        "created_at": T0,
        "updated_at": T0,
    }
    return EvaluationRule(**(values | fields))


async def test_evaluators_keep_every_version_and_read_the_latest(
    factory: UnitOfWorkFactory,
) -> None:
    async with factory() as uow:
        repo = uow.repository(EvaluatorRepository)
        await repo.add(evaluator("ev-1"))
        await repo.add(evaluator("ev-2", created_at=T0 + timedelta(seconds=1)))
        await repo.add(evaluator("ev-1", project_id="prj-b"))
        await uow.commit()
    async with factory() as uow:
        with pytest.raises(Conflict):
            await uow.repository(EvaluatorRepository).add(evaluator("ev-1"))
    later = T0 + timedelta(hours=1)
    async with factory() as uow:
        repo = uow.repository(EvaluatorRepository)
        await repo.update(
            evaluator(
                "ev-1", name="renamed", description="d", updated_at=later, latest=version("ev-1", 2)
            )
        )
        # A metadata-only change keeps the latest version.
        await repo.update(evaluator("ev-2", name="other", updated_at=later, created_at=later))
        await uow.commit()
    async with factory() as uow:
        repo = uow.repository(EvaluatorRepository)
        one = await repo.get("prj-a", "ev-1")
        assert one is not None
        assert (one.name, one.description, one.updated_at, one.created_at) == (
            "renamed",
            "d",
            later,
            T0,
        )
        assert one.latest == version("ev-1", 2)
        two = await repo.get("prj-a", "ev-2")
        assert two is not None and two.latest == version("ev-2", 1)
        assert two.created_at == T0 + timedelta(seconds=1)
        assert [v.version for v in await repo.versions("prj-a", "ev-1")] == [2, 1]
        assert [v.version for v in await repo.versions("prj-a", "ev-1", offset=1)] == [1]
        assert [e.id for e in await repo.page("prj-a")] == ["ev-2", "ev-1"]
        assert [e.id for e in await repo.page("prj-a", offset=1, limit=5)] == ["ev-1"]
        assert await repo.get("prj-b", "ev-2") is None
        assert await repo.delete("prj-a", "ev-1")
        assert not await repo.delete("prj-a", "ev-1")
        await uow.commit()
    async with factory() as uow:
        repo = uow.repository(EvaluatorRepository)
        assert await repo.get("prj-a", "ev-1") is None
        assert await repo.versions("prj-a", "ev-1") == []
        assert await repo.get("prj-b", "ev-1") is not None


async def test_rules_round_trip_and_find_their_evaluators(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        repo = uow.repository(EvaluationRuleRepository)
        await repo.add(rule("r-1", "ev-1", "ev-2"))
        await repo.add(rule("r-2", "ev-2", created_at=T0 + timedelta(seconds=1)))
        await repo.add(rule("r-1", "ev-1", project_id="prj-b"))
        await uow.commit()
    async with factory() as uow:
        with pytest.raises(Conflict):
            await uow.repository(EvaluationRuleRepository).add(rule("r-1"))
    async with factory() as uow:
        repo = uow.repository(EvaluationRuleRepository)
        stored = await repo.get("prj-a", "r-1")
        assert stored == rule("r-1", "ev-1", "ev-2")
        changed = msgspec.structs.replace(
            stored,
            status=RuleStatus.INACTIVE,
            paused_reason="connection deleted",
            sampling=1.0,
            filters=[],
            assignments=[
                RuleAssignment(
                    evaluator_id="ev-1",
                    variable_mapping=[{"variable": "x", "source": "input", "jsonPath": "$.a"}],
                )
            ],
            created_at=T0 + timedelta(days=1),
            updated_at=T0 + timedelta(hours=2),
        )
        await repo.update(changed)
        await uow.commit()
    async with factory() as uow:
        repo = uow.repository(EvaluationRuleRepository)
        assert await repo.get("prj-a", "r-1") == msgspec.structs.replace(changed, created_at=T0)
        assert [r.id for r in await repo.page("prj-a")] == ["r-2", "r-1"]
        assert [r.id for r in await repo.page("prj-a", offset=1)] == ["r-1"]
        assert [r.id for r in await repo.using("prj-a", {"ev-2"})] == ["r-2"]
        assert [r.id for r in await repo.using("prj-a", {"ev-1"})] == ["r-1"]
        assert [r.id for r in await repo.using("prj-a", {"ev-1", "ev-2"})] == ["r-2", "r-1"]
        assert await repo.using("prj-a", {"nope"}) == []
        assert await repo.delete("prj-a", "r-1")
        assert not await repo.delete("prj-a", "r-1")
        await uow.commit()
    async with factory() as uow:
        repo = uow.repository(EvaluationRuleRepository)
        assert await repo.get("prj-a", "r-1") is None
        assert await repo.get("prj-b", "r-1") is not None
