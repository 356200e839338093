"""In-memory analytics store: the newest version of each row, in dicts.

It behaves like the ClickHouse adapter where tests can tell: datetimes come back as
UTC with millisecond precision (``DateTime64(3)``), a missing ``event_ts`` is set to the
write time, and a delete removes every version so a later write may recreate the row.
Queries follow ClickHouse's rules too: a condition on a NULL value never holds (except
``is null``), a missing metadata key reads as ``""``, NULLs sort last in both
directions, and costs are summed as decimals.

The package: ``store`` (the store itself: writes, deletes, reads by id), ``rows`` (rows
as kept, pages, ranges), ``filters`` (``FilterState`` conditions) and one module per read
(``traces``, ``observations``, ``scores``, ``sessions``, ``metrics``).
"""

from __future__ import annotations

from spyglass_tracing.storage.memory_analytics.store import MemoryAnalyticsStore

__all__ = ("MemoryAnalyticsStore",)
