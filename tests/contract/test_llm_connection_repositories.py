"""Contract of the evals plugin's repositories, for memory, SQLite and PostgreSQL.

This module migrates only the evals plugin's storage (on PostgreSQL a database of its
own), so the other contract suites keep seeing exactly their tables.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from spyglass_adapters.sql import SqlUnitOfWorkFactory
from spyglass_adapters.testing.schema import schema_differences
from spyglass_core.domain.errors import Conflict
from spyglass_core.domain.projects import Organization, Project
from spyglass_core.hookspecs import StorageSpec
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_evals.domain.llm_connections import LlmAdapter, LlmConnection
from spyglass_evals.ports import LlmConnectionRepository
from spyglass_evals.storage.spec import storage_spec as evals_storage
from spyglass_evals.storage.tables import metadata as evals_tables

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


def make(provider: str = "openai", project_id: str = "prj-a", **fields: Any) -> LlmConnection:
    values: dict[str, Any] = {
        "id": f"conn-{provider}",
        "project_id": project_id,
        "provider": provider,
        "adapter": LlmAdapter.OPENAI,
        "base_url": None,
        "secret_ciphertext": "v1:AAAA",
        "display_secret_key": "...abcd",
        "created_at": T0,
        "updated_at": T0,
    }
    return LlmConnection(**(values | fields))


async def test_add_get_update_and_delete(factory: UnitOfWorkFactory) -> None:
    full = make(
        adapter=LlmAdapter.ANTHROPIC,
        base_url="https://gw.example/v1",
        custom_models=("m-1", "m-2"),
        with_default_models=False,
        extra_headers_ciphertext="v1:BBBB",
        extra_header_keys=("X-Org",),
        config={"useResponsesApi": True},
    )
    async with factory() as uow:
        await uow.repository(LlmConnectionRepository).add(full)
        await uow.repository(LlmConnectionRepository).add(make("bare"))
        await uow.commit()
    async with factory() as uow:
        repo = uow.repository(LlmConnectionRepository)
        assert await repo.get("prj-a", full.id) == full
        assert await repo.get_by_provider("prj-a", "openai") == full
        assert await repo.get_by_provider("prj-b", "openai") is None
        assert await repo.get("prj-b", full.id) is None
        bare = await repo.get_by_provider("prj-a", "bare")
        assert bare is not None and bare.config is None and bare.extra_header_keys == ()

    later = T0 + timedelta(hours=1)
    changed = make(
        "renamed", id=full.id, created_at=later, updated_at=later, secret_ciphertext="v1:CCCC"
    )
    async with factory() as uow:
        await uow.repository(LlmConnectionRepository).update(changed)
        await uow.commit()
    async with factory() as uow:
        repo = uow.repository(LlmConnectionRepository)
        stored = await repo.get("prj-a", full.id)
        assert stored is not None
        # Provider and creation time stay; the rest is replaced.
        assert (stored.provider, stored.created_at) == ("openai", T0)
        assert (stored.secret_ciphertext, stored.updated_at, stored.config) == (
            "v1:CCCC",
            later,
            None,
        )
        assert await repo.delete("prj-b", full.id) is False
        assert await repo.delete("prj-a", full.id) is True
        assert await repo.delete("prj-a", full.id) is False
        await uow.commit()
    async with factory() as uow:
        assert await uow.repository(LlmConnectionRepository).get("prj-a", full.id) is None


async def test_provider_is_unique_per_project(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        await uow.repository(LlmConnectionRepository).add(make())
        await uow.repository(LlmConnectionRepository).add(make(project_id="prj-b"))
        await uow.commit()
    with pytest.raises(Conflict):
        async with factory() as uow:
            await uow.repository(LlmConnectionRepository).add(make(id="other-id"))
            await uow.commit()


async def test_pages_newest_first_with_totals(factory: UnitOfWorkFactory) -> None:
    async with factory() as uow:
        repo = uow.repository(LlmConnectionRepository)
        for n, provider in enumerate(["a", "b", "c"]):
            at = T0 + timedelta(minutes=n)
            await repo.add(make(provider, created_at=at, updated_at=at))
        await repo.add(make("tie", id="conn-0", created_at=T0, updated_at=T0))
        await repo.add(make("elsewhere", project_id="prj-b"))
        await uow.commit()
    async with factory() as uow:
        repo = uow.repository(LlmConnectionRepository)
        first, total = await repo.page("prj-a", offset=0, limit=3)
        rest, _ = await repo.page("prj-a", offset=3, limit=3)
    assert total == 4
    assert [c.provider for c in [*first, *rest]] == ["c", "b", "tie", "a"]


async def test_sql_migrations_create_the_declared_tables(
    sql_uow_factory: SqlUnitOfWorkFactory,
) -> None:
    def diff(connection: Any) -> list[Any]:
        return schema_differences(connection, evals_tables)

    async with sql_uow_factory.engine.connect() as conn:
        assert await conn.run_sync(diff) == []
