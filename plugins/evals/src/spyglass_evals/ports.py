"""The evals plugin's repository ports; their adapters live in ``spyglass_evals.storage``.

They follow the repository contract of ``spyglass_core.ports.repositories`` and are
reached inside a unit of work with ``uow.repository(LlmConnectionRepository)``. Every
method is scoped to one project.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from spyglass_evals.domain.llm_connections import LlmConnection

__all__ = ("LlmConnectionRepository",)


class LlmConnectionRepository(Protocol):
    """LLM connections, unique by (project, provider)."""

    async def add(self, connection: LlmConnection) -> None:
        """Store a new connection.

        Raises: Conflict when the project has a connection with this id or provider.
        """

    async def update(self, connection: LlmConnection) -> None:
        """Replace the stored connection with this id (its provider and creation time stay)."""

    async def get(self, project_id: str, connection_id: str) -> LlmConnection | None:
        """The connection with this id, or None."""

    async def get_by_provider(self, project_id: str, provider: str) -> LlmConnection | None:
        """The connection of this provider, or None."""

    async def page(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[LlmConnection], int]:
        """A page of the project's connections, newest first (ties by id), and their total."""

    async def delete(self, project_id: str, connection_id: str) -> bool:
        """Remove the connection; False when there was none."""
