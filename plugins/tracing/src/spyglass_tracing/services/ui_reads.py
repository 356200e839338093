"""Read use cases of the web UI's lists: the traces table, its filter options, users.

Keyset pages over the analytics store: each page costs a bounded number of queries and
comes back with an opaque cursor for the next one (None on the last page).
"""

from __future__ import annotations

from datetime import datetime

from spyglass_core.domain.errors import NotFound
from spyglass_tracing.domain.ui_lists import (
    TraceFilterOptions,
    TraceListQuery,
    TraceRow,
    UserQuery,
    UserRow,
    encode_cursor_struct,
)
from spyglass_tracing.ports.analytics import AnalyticsStore

__all__ = ("UiReads",)


class UiReads:
    """The traces table and the users pages of one project."""

    def __init__(self, store: AnalyticsStore) -> None:
        self._store = store

    async def trace_rows(
        self, project_id: str, query: TraceListQuery
    ) -> tuple[list[TraceRow], str | None]:
        """One page of table rows and the cursor of the next page, if any."""
        page = await self._store.find_trace_rows(project_id, query)
        cursor = None if page.next_after is None else encode_cursor_struct(page.next_after)
        return page.items, cursor

    async def filter_options(
        self, project_id: str, from_timestamp: datetime | None, to_timestamp: datetime | None
    ) -> TraceFilterOptions:
        """The values the table's filter dropdowns offer, most frequent first."""
        return await self._store.trace_filter_options(project_id, from_timestamp, to_timestamp)

    async def users(self, project_id: str, query: UserQuery) -> tuple[list[UserRow], str | None]:
        """One page of users, last seen first, and the cursor of the next page, if any."""
        page = await self._store.find_users(project_id, query)
        cursor = None if page.next_after is None else encode_cursor_struct(page.next_after)
        return page.items, cursor

    async def user(self, project_id: str, user_id: str) -> UserRow:
        """One user's summary. Raises: NotFound when no live trace carries ``user_id``."""
        found = await self._store.get_user(project_id, user_id)
        if found is None:
            raise NotFound(f"User {user_id} not found within the project's traces")
        return found
