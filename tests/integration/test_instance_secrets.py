"""The deployment's secrets live in the transactional store, not in a data directory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from spyglass.plugins import make_plugin_manager
from spyglass.runtime import migrate_sql, open_runtime, resolve_salt
from spyglass.settings import Settings
from spyglass_core.services.authentication import ApiKeyAuthenticator
from spyglass_core.services.projects import ProjectAdmin


async def test_the_salt_is_created_once_and_shared_by_every_data_directory(
    tmp_path: Path,
) -> None:
    database = f"sqlite+aiosqlite:///{tmp_path / 'shared.db'}"
    one = Settings(data_dir=str(tmp_path / "one"), database_url=database)
    two = Settings(data_dir=str(tmp_path / "two"), database_url=database)
    await migrate_sql(one, make_plugin_manager(load_entrypoints=False))

    first = (await resolve_salt(one)).salt
    assert len(first) == 64
    assert (await resolve_salt(two)).salt == first
    assert not (tmp_path / "one" / "salt").exists()
    given = Settings(data_dir=str(tmp_path / "one"), database_url=database, salt="given")
    assert (await resolve_salt(given)).salt == "given"


async def test_a_salt_file_of_an_earlier_release_is_adopted(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "salt").write_text("a" * 64 + "\n")
    settings = Settings(data_dir=str(data_dir))
    await migrate_sql(settings, make_plugin_manager(load_entrypoints=False))
    assert (await resolve_salt(settings)).salt == "a" * 64
    (data_dir / "salt").unlink()  # kept in the database from now on
    assert (await resolve_salt(settings)).salt == "a" * 64


@pytest.mark.postgres
async def test_keys_survive_a_lost_data_directory_on_postgres(
    tmp_path: Path, postgres_database: Callable[[], Awaitable[str]], chdb_dsn: str
) -> None:
    database = await postgres_database()

    def settings(name: str) -> Settings:
        return Settings(
            data_dir=str(tmp_path / name),
            database_url=database,
            analytics_url=chdb_dsn,
            analytics_database=f"secrets_{name}",
        )

    async with open_runtime(settings("first"), migrate=True) as runtime:
        admin = await runtime.container.get(ProjectAdmin)
        project = await admin.create_project("Survivor")
        _, keys = await admin.create_api_key(project.id)

    # A fresh container: a new, empty data directory, the same database.
    async with open_runtime(settings("replacement"), migrate=True) as runtime:
        authenticator = await runtime.container.get(ApiKeyAuthenticator)
        principal = await authenticator.authenticate_basic(keys.public_key, keys.secret_key)
    assert principal.project_id == project.id
