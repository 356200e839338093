"""The public surface a plugin's ``storage/memory.py`` builds its fakes on (unit tests only).

A memory repository is constructed with the unit of work's ``MemoryTables`` and keeps
its rows in named dicts: ``tables.table("notes")``. The unit of work copies every dict
on enter and publishes the copies on commit, so a repository only has to store immutable
values (frozen structs, tuples, private copies of JSON) for commit and rollback to hold.
Name tables after the plugin's SQL tables; two plugins must not share a name.
"""

from __future__ import annotations

from typing import Any

__all__ = ("MemoryTables",)


class MemoryTables:
    """Named dicts, created empty on first use."""

    def __init__(self, tables: dict[str, dict[Any, Any]] | None = None) -> None:
        self._tables: dict[str, dict[Any, Any]] = tables if tables is not None else {}

    def table(self, name: str) -> dict[Any, Any]:
        """The dict called ``name``."""
        return self._tables.setdefault(name, {})

    def copy(self) -> MemoryTables:
        """A copy whose dicts can change without touching these (values are shared)."""
        return MemoryTables({name: dict(rows) for name, rows in self._tables.items()})

    def publish(self, work: MemoryTables) -> None:
        """Make ``work``'s dicts the committed state."""
        self._tables.clear()
        self._tables.update({name: dict(rows) for name, rows in work._tables.items()})
