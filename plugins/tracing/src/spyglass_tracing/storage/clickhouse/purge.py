"""Making ClickHouse deletes physical: no byte of a deleted row left on disk.

A lightweight ``DELETE`` only masks rows: their bytes stay in the table's parts until a
merge happens to rewrite them, which may be never. ``APPLY DELETED MASK`` rewrites
exactly the parts that hold masked rows (a mutation; its cost is the size of those
parts, not of the table). The parts it replaces become *outdated* and are removed
``old_parts_lifetime`` seconds later (0 in chDB, 480 by default on a server, which
keeps them to survive a crash), by a cleanup that chDB runs only every half minute or
so; any partition operation runs that cleanup at once, so a ``DROP PARTITION`` of a
partition id no table has ends the purge.

The mutation is started asynchronously and polled: the connection's single thread is
shared with every read and write of the process, and a synchronous mutation would hold
it for as long as the rewrite takes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spyglass_core.domain.errors import StorageUnavailable

__all__ = ("NO_PARTITION", "apply_deleted_masks", "drop_outdated_parts", "unfinished_mutations")

NO_PARTITION = "spyglass-no-partition"
"""A partition id no table has: dropping it changes nothing but runs the part cleanup."""


def apply_deleted_masks(client: Any, tables: Sequence[str]) -> None:
    """Start rewriting the parts of ``tables`` (qualified names) that hold masked rows."""
    for table in tables:
        client.command(f"ALTER TABLE {table} APPLY DELETED MASK SETTINGS mutations_sync = 0")


def unfinished_mutations(client: Any, database: str, tables: Sequence[str]) -> int:
    """How many mutations of these tables (plain names) are not done yet.

    Raises:
        StorageUnavailable: one of them failed (ClickHouse retries it; so will we).
    """
    rows = client.query(
        "SELECT count(), anyIf(latest_fail_reason, latest_fail_reason != '') "
        "FROM system.mutations "
        "WHERE database = {database:String} AND table IN {tables:Array(String)} AND NOT is_done",
        parameters={"database": database, "tables": list(tables)},
    ).result_rows
    count, failure = rows[0]
    if failure:
        raise StorageUnavailable("Purging deleted rows failed", details=str(failure))
    return int(count)


def drop_outdated_parts(client: Any, tables: Sequence[str]) -> None:
    """Remove the parts the mutations replaced now, instead of at the next cleanup."""
    for table in tables:
        client.command(f"ALTER TABLE {table} DROP PARTITION ID '{NO_PARTITION}'")
