"""The CLI against real embedded storage (SQLite file, the test process's chDB)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

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
