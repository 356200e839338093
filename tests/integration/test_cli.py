"""The CLI against real embedded storage (SQLite file, the test process's chDB)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from importlib import metadata
from pathlib import Path
from typing import Any

import clickhouse_connect
import msgspec
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from spyglass.cli import cli
from spyglass.settings import Settings

SPYGLASS = str(Path(sys.executable).parent / "spyglass")


@pytest.fixture
def settings(tmp_path: Path, chdb_dsn: str) -> Settings:
    return Settings(
        data_dir=str(tmp_path),
        analytics_url=chdb_dsn,
        analytics_database=f"cli_{uuid.uuid4().hex}",
    )


def invoke(settings: Settings, *args: str) -> str:
    result = CliRunner().invoke(cli, list(args), obj=settings, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_migrate_creates_both_schemas(settings: Settings) -> None:
    assert "Migrations applied." in invoke(settings, "migrate")
    engine = sa.create_engine(f"sqlite:///{settings.resolved_data_dir / 'spyglass.db'}")
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert {"organizations", "projects", "api_keys", "users", "prompts"} <= tables
    client = clickhouse_connect.get_client(dsn=settings.clickhouse_dsn)
    try:
        names = client.query(
            "SELECT name FROM system.tables WHERE database = {db:String}",
            parameters={"db": settings.analytics_database},
        ).result_columns[0]
    finally:
        client.close()
    assert {"traces", "observations", "scores", "schema_migrations"} <= set(names)
    assert "Migrations applied." in invoke(settings, "migrate")  # idempotent


def test_a_disabled_plugin_creates_no_tables(settings: Settings) -> None:
    disabled = msgspec.structs.replace(settings, disable_plugins=("prompts",))
    assert "Migrations applied." in invoke(disabled, "migrate")
    engine = sa.create_engine(f"sqlite:///{settings.resolved_data_dir / 'spyglass.db'}")
    with engine.connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    engine.dispose()
    assert {"organizations", "projects", "models", "alembic_version_tracing"} <= tables
    assert not {t for t in tables if "prompt" in t}, tables


def test_projects_and_keys_lifecycle(settings: Settings) -> None:
    project_id, name = invoke(settings, "projects", "create", "Support Bot").strip().split("\t")
    assert name == "Support Bot"
    assert f"{project_id}\tSupport Bot\tDefault Organization" in invoke(
        settings, "projects", "list"
    )

    created = dict(
        line.split("=", 1) for line in invoke(settings, "keys", "create", project_id).split()
    )
    assert created["public_key"].startswith("pk-lf-")
    assert created["secret_key"].startswith("sk-lf-")
    listed = invoke(settings, "keys", "list", project_id)
    assert created["public_key"] in listed
    assert created["secret_key"] not in listed  # only ever shown masked
    assert f"sk-lf-...{created['secret_key'][-4:]}" in listed

    assert "Revoked" in invoke(settings, "keys", "revoke", created["public_key"])
    assert created["public_key"] not in invoke(settings, "keys", "list", project_id)


def test_cli_errors_are_messages_not_tracebacks(settings: Settings) -> None:
    invoke(settings, "projects", "create", "Twice")
    result = CliRunner().invoke(cli, ["projects", "create", "Twice"], obj=settings)
    assert result.exit_code == 1
    assert "already exists" in result.output
    missing = CliRunner().invoke(cli, ["keys", "create", "no-such-project"], obj=settings)
    assert missing.exit_code == 1
    assert "not found" in missing.output


def test_a_bad_setting_stops_the_process_naming_the_variable(tmp_path: Path) -> None:
    result = subprocess.run(
        [SPYGLASS, "projects", "list"],
        env={
            "SPYGLASS_DATA_DIR": str(tmp_path),
            "SPYGLASS_PORT": "eighty",
            "PATH": "/usr/bin:/bin",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SPYGLASS_PORT='eighty' is invalid" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_console_script_module_loads_the_cli_only_when_run(tmp_path: Path) -> None:
    # serve's decoding processes import the main script again (spawn); it must stay light.
    (entry_point,) = metadata.entry_points(group="console_scripts", name="spyglass")
    assert entry_point.value == "spyglass.__main__:main"
    imported = subprocess.run(
        [sys.executable, "-c", "import sys, spyglass.__main__; print(sorted(sys.modules))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "'spyglass.cli'" not in imported
    assert "'click'" not in imported
    run = subprocess.run(
        [sys.executable, "-m", "spyglass", "--version"],
        env={"SPYGLASS_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert run.stdout.startswith("spyglass, version ")


def test_worker_without_a_shared_queue_explains_itself(tmp_path: Path) -> None:
    result = subprocess.run(
        [SPYGLASS, "worker"],
        env={"SPYGLASS_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SPYGLASS_QUEUE_URL=redis://" in result.stderr


def test_a_project_created_from_the_cli_reaches_event_handlers(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import spyglass.cli
    from spyglass.plugins import plugin_manager_for
    from spyglass_core.domain.events import DomainEvent, ProjectCreated
    from spyglass_core.hookspecs import hookimpl

    seen: list[str] = []

    async def remember(event: ProjectCreated, container: object) -> None:
        seen.append(event.project_id)

    class Listener:
        @hookimpl
        def register_event_handlers(self) -> dict[type[DomainEvent], list[object]]:
            return {ProjectCreated: [remember]}

    def with_listener(settings: Settings) -> object:
        pm = plugin_manager_for(settings)
        pm.register(Listener())
        return pm

    monkeypatch.setattr(spyglass.cli, "plugin_manager_for", with_listener)
    project_id, _ = invoke(settings, "projects", "create", "Evented").strip().split("\t")
    assert seen == [project_id]


def test_dead_lettered_batches_are_listed_shown_and_replayed(settings: Settings) -> None:
    import asyncio
    from datetime import UTC, datetime

    from spyglass.plugins import plugin_manager_for
    from spyglass.storage import collect_storage, sql_repositories
    from spyglass_adapters.blobs import ObstoreBlobStore
    from spyglass_adapters.sql import SqlUnitOfWorkFactory, create_engine
    from spyglass_tracing.domain.ingestion import (
        BatchRecord,
        EntityEvent,
        IngestionBatch,
        TraceBody,
    )
    from spyglass_tracing.ports.repositories import IngestionBatchRepository

    invoke(settings, "migrate")
    project_id = invoke(settings, "projects", "create", "Ops").split("\t")[0]
    received = datetime(2026, 12, 1, tzinfo=UTC)
    event = EntityEvent(
        id="e1", type="trace-create", timestamp=received, trace=TraceBody(id="t-replayed")
    )
    batch = IngestionBatch(
        id="b-dead", project_id=project_id, source="ingestion", received_at=received, events=[event]
    )
    key = f"ingestion/{project_id}/b-dead.json"
    pm = plugin_manager_for(settings)
    repositories = sql_repositories(collect_storage(pm, settings.plugin_config))

    async def seed() -> None:
        await ObstoreBlobStore.from_url(settings.blob_store_url).put(
            key, msgspec.json.encode(batch)
        )
        engine = create_engine(settings.sql_url)
        async with SqlUnitOfWorkFactory(engine, repositories)() as uow:
            batches = uow.repository(IngestionBatchRepository)
            record = BatchRecord(
                id="b-dead",
                project_id=project_id,
                blob_key=key,
                source="ingestion",
                received_at=received,
                event_count=1,
            )
            await batches.add(record, [])
            await batches.record_failure(
                "b-dead", "RuntimeError: store down", next_attempt_at=None, dead_at=received
            )
            await uow.commit()
        await engine.dispose()

    async def state() -> BatchRecord | None:
        engine = create_engine(settings.sql_url)
        async with SqlUnitOfWorkFactory(engine, repositories)() as uow:
            record = await uow.repository(IngestionBatchRepository).get("b-dead")
        await engine.dispose()
        return record

    asyncio.run(seed())
    pm.hook.register_commands(cli=cli)  # as main() does
    try:
        _inspect_and_replay(settings, project_id, state)
    finally:
        cli.commands.pop("batches", None)


def _inspect_and_replay(settings: Settings, project_id: str, state: Any) -> None:
    import asyncio

    listed = invoke(settings, "batches", "list")
    assert f"b-dead\t{project_id}\t" in listed and "RuntimeError: store down" in listed
    shown = invoke(settings, "batches", "show", "b-dead")
    assert "attempts: 1" in shown and "t-replayed" in shown
    assert "replayed 1 batch(es)" in invoke(settings, "batches", "replay", "b-dead")
    replayed = asyncio.run(state())
    assert replayed is not None and replayed.dead_at is None and replayed.processed_at is not None
    assert "b-dead" not in invoke(settings, "batches", "list")
    unknown = CliRunner().invoke(cli, ["batches", "replay", "nope"], obj=settings)
    assert unknown.exit_code != 0 and "No dead-lettered batch 'nope'" in unknown.output
