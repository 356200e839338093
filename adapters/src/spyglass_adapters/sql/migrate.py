"""Apply the Alembic migrations shipped in this package, programmatically."""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from spyglass_adapters.sql.errors import translate_errors

__all__ = ("alembic_config", "upgrade")


def alembic_config() -> Config:
    """An Alembic config pointing at this package's migrations."""
    config = Config()
    config.set_main_option("script_location", str(files("spyglass_adapters.sql") / "migrations"))
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; a schema already there is left untouched.

    Raises:
        StorageUnavailable: the database cannot be reached.
    """
    config = alembic_config()

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with translate_errors(), engine.begin() as connection:
        await connection.run_sync(run)
