"""Versioned ClickHouse migrations: each plugin's ``.sql`` files, under its own namespace.

A plugin names a package of ``.sql`` files (``StorageSpec.clickhouse_migrations``). Each
file is applied once per database, in filename order, and recorded in
``{database}.schema_migrations`` as ``<namespace>:<file stem>``, so two plugins may use
the same file names. Files may hold several statements separated by ``;``;
``{database}`` in a file is replaced by the (validated) database name.

Rows recorded before namespaces existed hold the bare file stem; they count as applied
for the namespace whose files they all are (there was one such set of files), so those
databases are not migrated twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any

__all__ = (
    "ClickHouseMigrator",
    "Migration",
    "apply_migrations",
    "load_migrations",
    "split_statements",
    "validate_database",
)

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PLACEHOLDER = "{database}"


def validate_database(database: str) -> str:
    """Return ``database`` when it is a plain identifier.

    Raises:
        ValueError: The name could smuggle SQL into a statement.
    """
    if not _IDENTIFIER.fullmatch(database):
        raise ValueError(f"invalid ClickHouse database name: {database!r}")
    return database


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration file: its version (the file stem) and its SQL text."""

    version: str
    sql: str

    def statements(self, database: str) -> list[str]:
        """The file's statements, with ``{database}`` substituted."""
        return split_statements(self.sql.replace(_PLACEHOLDER, validate_database(database)))


def split_statements(sql: str) -> list[str]:
    """Split SQL on ``;`` outside quotes and comments; drop empty statements."""
    statements: list[str] = []
    current: list[str] = []
    has_code = False
    i, n = 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch == "-" and sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
            current.append(sql[i:end])
            i = end
            continue
        if ch == "/" and sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end == -1 else end + 2
            current.append(sql[i:end])
            i = end
            continue
        if ch in "'\"`":
            j = i + 1
            while j < n and sql[j] != ch:
                j += 2 if sql[j] == "\\" else 1
            current.append(sql[i : j + 1])
            has_code = True
            i = j + 1
            continue
        if ch == ";":
            if has_code:
                statements.append("".join(current).strip())
            current, has_code = [], False
        else:
            current.append(ch)
            has_code = has_code or not ch.isspace()
        i += 1
    if has_code:
        statements.append("".join(current).strip())
    return statements


def load_migrations(package: str) -> list[Migration]:
    """The ``.sql`` files of ``package`` (a dotted name), sorted by version."""
    folder = resources.files(package)
    found = [
        Migration(version=entry.name.removesuffix(".sql"), sql=entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.is_file() and entry.name.endswith(".sql")
    ]
    return sorted(found, key=lambda migration: migration.version)


class ClickHouseMigrator:
    """Applies one namespace's migrations to one database through a sync clickhouse-connect client.

    Args:
        client: A clickhouse-connect client (``Client``); only ``command``, ``query`` and
            ``insert`` are used.
        database: The database to create and migrate.
        namespace: Whose migrations these are; a plain identifier.
        migrations: The files to apply; sorted by version.
    """

    def __init__(
        self, client: Any, database: str, namespace: str, migrations: list[Migration]
    ) -> None:
        self._client = client
        self._database = validate_database(database)
        self._namespace = validate_database(namespace)
        self._migrations = sorted(migrations, key=lambda migration: migration.version)

    def applied(self) -> set[str]:
        """Versions of this namespace already recorded in ``schema_migrations``."""
        result = self._client.query(f"SELECT version FROM {self._database}.schema_migrations")
        prefix = f"{self._namespace}:"
        recorded = {row[0] for row in result.result_rows}
        mine = {v.removeprefix(prefix) for v in recorded if v.startswith(prefix)}
        unprefixed = {v for v in recorded if ":" not in v}
        # Rows from before namespaces belong to the one namespace whose files they all are.
        if unprefixed and unprefixed <= {m.version for m in self._migrations}:
            adopted = sorted(unprefixed - mine)
            if adopted:
                # Recorded under the namespace too, so renaming a file later cannot undo it.
                self._record(adopted)
            mine |= unprefixed
        return mine

    def _record(self, versions: list[str]) -> None:
        self._client.insert(
            f"{self._database}.schema_migrations",
            [[f"{self._namespace}:{version}", datetime.now(UTC)] for version in versions],
            column_names=["version", "applied_at"],
        )

    def apply(self) -> list[str]:
        """Create the database if needed and apply pending migrations, returning their versions."""
        db = self._database
        self._client.command(f"CREATE DATABASE IF NOT EXISTS {db}")
        self._client.command(
            f"CREATE TABLE IF NOT EXISTS {db}.schema_migrations "
            "(version String, applied_at DateTime64(3)) ENGINE = MergeTree ORDER BY version"
        )
        done = self.applied()
        applied_now: list[str] = []
        with _without_read_timeout(self._client):
            for migration in self._migrations:
                if migration.version in done:
                    continue
                for statement in migration.statements(db):
                    self._client.command(statement)
                # Recorded only after every statement succeeded, so a failed file is retried.
                self._record([migration.version])
                applied_now.append(migration.version)
        return applied_now


@contextmanager
def _without_read_timeout(client: Any) -> Iterator[None]:
    """Lift an HTTP client's read timeout while migrating.

    A migration may copy a whole table (``INSERT … SELECT``): on a server holding millions
    of rows that takes minutes, far past the 30 s a request may otherwise wait, and a
    timed-out copy would start over at every attempt. chDB's client has no timeout.
    """
    timeout = getattr(client, "timeout", None)
    if timeout is None or not hasattr(timeout, "connect_timeout"):
        yield
        return
    client.timeout = type(timeout)(connect=timeout.connect_timeout, read=None)
    try:
        yield
    finally:
        client.timeout = timeout


def apply_migrations(client: Any, database: str, namespace: str, package: str) -> list[str]:
    """Apply ``package``'s files to ``database`` under ``namespace``; return those applied now."""
    return ClickHouseMigrator(client, database, namespace, load_migrations(package)).apply()
