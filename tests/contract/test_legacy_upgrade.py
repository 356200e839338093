"""A database built by the releases before the split upgrades in place, its data intact.

Those releases kept one linear Alembic chain (0001 foundation, 0002 prompts, 0003 tracing)
in ``alembic_version``; ``legacy_migrations`` holds their revision files verbatim. Each test
builds a database with them, writes rows, runs today's runner, and reads the rows back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from spyglass.storage import migration_chains, sql_repositories
from spyglass_adapters.sql import SqlUnitOfWorkFactory, create_engine, upgrade
from spyglass_adapters.sql.migrate import (
    CORE_CHAIN,
    MigrationChain,
    alembic_config,
    version_table,
)
from spyglass_core.hookspecs import StorageSpec
from spyglass_prompts.ports import PromptRepository
from spyglass_tracing.ports.repositories import (
    IngestionBatchRepository,
    MediaRepository,
    ModelRepository,
    ScoreConfigRepository,
)
from tests.contract.test_prompt_repository import make_prompt
from tests.contract.test_tracing_repositories import (
    make_batch,
    make_config,
    make_media,
    make_model,
)
from tests.contract.test_unit_of_work import make_key, make_org, make_project, make_user

LEGACY_VERSIONS = Path(__file__).parent / "legacy_migrations"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_engine(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    postgres_database: Callable[[], Awaitable[str]],
) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'legacy.db'}"
    else:
        url = await postgres_database()
    engine = create_engine(url)
    yield engine
    await engine.dispose()


async def build_legacy_database(engine: AsyncEngine, revision: str) -> None:
    """Migrate ``engine`` as the old releases did, up to ``revision`` of the linear chain."""
    config = alembic_config()
    config.set_main_option("version_locations", str(LEGACY_VERSIONS))
    config.attributes["version_table"] = "alembic_version"

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(run)


def head(chain: MigrationChain) -> str:
    """The newest revision of ``chain``."""
    return str(ScriptDirectory.from_config(alembic_config(chain)).get_current_head())


def tracing_chain(specs: Sequence[StorageSpec]) -> MigrationChain:
    return next(c for c in migration_chains(specs) if c.namespace == "tracing")


async def versions(engine: AsyncEngine) -> dict[str, list[str]]:
    """Every version table and what it records."""

    def read(connection: Connection) -> dict[str, list[str]]:
        tables = sorted(
            t for t in sa.inspect(connection).get_table_names() if t.startswith("alembic_version")
        )
        return {
            t: sorted(v for (v,) in connection.execute(sa.text(f"SELECT version_num FROM {t}")))
            for t in tables
        }

    async with engine.connect() as connection:
        return await connection.run_sync(read)


async def test_a_database_of_the_linear_chain_upgrades_in_place(
    empty_engine: AsyncEngine, storage_specs: Sequence[StorageSpec]
) -> None:
    await build_legacy_database(empty_engine, "0003")
    factory = SqlUnitOfWorkFactory(empty_engine, sql_repositories(storage_specs))
    org, project, key, user = make_org(), make_project(), make_key(), make_user()
    prompt = make_prompt(labels=["production"], tags=["t"])
    model, config = make_model(), make_config()
    batch, media = make_batch(), make_media()
    async with factory() as uow:
        await uow.organizations.add(org)
        await uow.projects.add(project)
        await uow.api_keys.add(key)
        await uow.repository(PromptRepository).add(prompt, [])
        await uow.repository(PromptRepository).set_tags(project.id, prompt.name, ["t"])
        await uow.repository(ModelRepository).add(model)
        await uow.repository(ScoreConfigRepository).add(config)
        await uow.repository(MediaRepository).add(media)
        await uow.commit()
    # The batch and user tables grew after these releases: their rows are written as those
    # releases wrote them.
    async with empty_engine.begin() as conn:
        await conn.execute(
            sa.text(
                "INSERT INTO users (id, email, email_normalized, name, created_at)"
                " VALUES (:id, :email, :normalized, :name, :at)"
            ),
            {
                "id": user.id,
                "email": user.email,
                "normalized": user.email.casefold(),
                "name": user.name,
                "at": user.created_at,
            },
        )
        await conn.execute(
            sa.text(
                "INSERT INTO ingestion_batches (id, project_id, blob_key, source, received_at,"
                " event_count) VALUES (:id, :project, :key, :source, :at, :count)"
            ),
            {
                "id": batch.id,
                "project": batch.project_id,
                "key": batch.blob_key,
                "source": batch.source,
                "at": batch.received_at,
                "count": batch.event_count,
            },
        )
        await conn.execute(
            sa.text(
                "INSERT INTO ingestion_event_ids (project_id, event_id, received_at)"
                " VALUES (:project, 'event-1', :at)"
            ),
            {"project": batch.project_id, "at": batch.received_at},
        )

    await upgrade(empty_engine, migration_chains(storage_specs))
    await upgrade(empty_engine, migration_chains(storage_specs))  # and again: nothing to do

    assert await versions(empty_engine) == {
        "alembic_version": ["0003"],  # kept, read only
        **{
            version_table(chain): [head(chain)]
            for chain in [CORE_CHAIN, *migration_chains(storage_specs)]
        },
    }
    async with factory() as uow:
        assert await uow.organizations.get(org.id) == org
        assert await uow.projects.get(project.id) == project
        assert await uow.api_keys.get(key.id) == key
        assert await uow.users.get(user.id) == user
        assert (
            await uow.repository(PromptRepository).get(project.id, prompt.name, version=1) == prompt
        )
        assert await uow.repository(ModelRepository).get(project.id, model.id) == model
        assert await uow.repository(ScoreConfigRepository).get(project.id, config.id) == config
        assert await uow.repository(IngestionBatchRepository).get(batch.id) == batch
        assert await uow.repository(MediaRepository).get(project.id, media.id) == media
        seen = await uow.repository(IngestionBatchRepository).seen_event_ids(
            project.id, ["event-1", "event-2"]
        )
        assert seen == {"event-1"}


async def test_a_database_before_tracing_gets_only_the_tracing_tables(
    empty_engine: AsyncEngine, storage_specs: Sequence[StorageSpec]
) -> None:
    await build_legacy_database(empty_engine, "0002")
    factory = SqlUnitOfWorkFactory(empty_engine, sql_repositories(storage_specs))
    prompt = make_prompt()
    async with factory() as uow:
        await uow.organizations.add(make_org())
        await uow.projects.add(make_project())
        await uow.repository(PromptRepository).add(prompt, [])
        await uow.commit()

    await upgrade(empty_engine, migration_chains(storage_specs))

    recorded = await versions(empty_engine)
    assert recorded["alembic_version_prompts"] == ["0002"]
    assert recorded["alembic_version_tracing"] == [head(tracing_chain(storage_specs))]
    async with factory() as uow:
        assert (
            await uow.repository(PromptRepository).get(prompt.project_id, prompt.name, version=1)
            == prompt
        )
        model = make_model()
        await uow.repository(ModelRepository).add(model)  # the tracing tables exist now
        assert await uow.repository(ModelRepository).get(model.project_id or "", model.id) == model


async def test_a_plugin_adopted_later_keeps_its_legacy_tables(
    empty_engine: AsyncEngine, storage_specs: Sequence[StorageSpec]
) -> None:
    # Upgraded first with the prompts plugin disabled: its tables are left as they were,
    # and enabling it later adopts them instead of creating them again.
    await build_legacy_database(empty_engine, "0003")
    without_prompts = [spec for spec in storage_specs if spec.namespace != "prompts"]
    await upgrade(empty_engine, migration_chains(without_prompts))
    assert "alembic_version_prompts" not in await versions(empty_engine)

    await upgrade(empty_engine, migration_chains(storage_specs))
    assert (await versions(empty_engine))["alembic_version_prompts"] == ["0002"]


async def test_a_new_plugin_whose_revision_ids_match_the_legacy_ones_is_not_adopted(
    empty_engine: AsyncEngine, storage_specs: Sequence[StorageSpec]
) -> None:
    # The notes test plugin's chain starts at its own revision; even named like a legacy
    # one, only revisions a chain declares as legacy are adopted.
    notes = MigrationChain("test_notes", "tests.plugins.notes_storage.migrations", ())
    clashing = MigrationChain("clash", "tests.contract.clashing_migrations", ())
    await build_legacy_database(empty_engine, "0003")
    await upgrade(empty_engine, [*migration_chains(storage_specs), notes, clashing])

    recorded = await versions(empty_engine)
    assert recorded["alembic_version_test_notes"] == ["n001"]
    assert recorded["alembic_version_clash"] == ["0001"]
    async with empty_engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(sa.inspect(c).get_table_names()))
    assert {"test_notes", "clash_items"} <= tables


async def test_rebuilding_a_referenced_table_on_sqlite_deletes_no_referencing_row(
    tmp_path: Path,
) -> None:
    # With foreign keys enforced, SQLite's DROP of the old parent table during a batch
    # rebuild would delete every child row through ON DELETE CASCADE.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'cascade.db'}")
    try:
        await upgrade(engine, [MigrationChain("cascade", "tests.contract.cascade_migrations.v1")])
        async with engine.begin() as connection:
            await connection.execute(sa.text("INSERT INTO cascade_parents (id) VALUES ('p')"))
            await connection.execute(
                sa.text("INSERT INTO cascade_children (id, parent_id) VALUES ('c', 'p')")
            )
        await upgrade(engine, [MigrationChain("cascade", "tests.contract.cascade_migrations.v2")])
        async with engine.connect() as connection:
            children = (await connection.execute(sa.text("SELECT id FROM cascade_children"))).all()
            enforced = (await connection.execute(sa.text("PRAGMA foreign_keys"))).scalar()
        assert children == [("c",)]
        assert enforced == 1  # the application's own connections still enforce them
    finally:
        await engine.dispose()
