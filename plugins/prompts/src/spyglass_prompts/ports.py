"""The prompts plugin's repository port; its adapters live in ``spyglass_prompts.storage``.

It follows the repository contract of ``spyglass_core.ports.repositories`` and is reached
inside a unit of work with ``uow.repository(PromptRepository)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from spyglass_prompts.domain.prompts import Prompt, PromptReference, PromptSummary

__all__ = ("PromptRepository",)


class PromptRepository(Protocol):
    """Prompt versions, their labels, their name's tags and their dependencies.

    Every method is scoped to one project. Labels are unique per (project, name): giving
    a label to one version takes it off every other version, atomically. Prompts come
    back with ``labels`` sorted and ``tags`` (the name's) sorted.
    """

    async def add(self, prompt: Prompt, dependencies: Sequence[PromptReference]) -> None:
        """Store a new version with its labels (moved off other versions) and dependencies.

        Raises: Conflict when the (project, name, version) exists.
        """

    async def latest_version(self, project_id: str, name: str) -> int | None:
        """The highest version of ``name``, or None when it has none."""

    async def get(
        self, project_id: str, name: str, *, version: int | None = None, label: str | None = None
    ) -> Prompt | None:
        """The version with this number, or the version carrying this label, or None."""

    async def list_versions(self, project_id: str, name: str) -> Sequence[Prompt]:
        """Every version of ``name``, ascending."""

    async def add_labels(
        self, project_id: str, name: str, version: int, labels: Sequence[str]
    ) -> None:
        """Put ``labels`` on this version (keeping its others), moving them off other versions."""

    async def set_tags(self, project_id: str, name: str, tags: Sequence[str]) -> None:
        """Replace the tags of ``name`` (shared by all its versions)."""

    async def delete(
        self, project_id: str, name: str, versions: Sequence[int] | None = None
    ) -> int:
        """Delete these versions (all when None) with their labels and dependencies.

        Deleting the last version also drops the name's tags. Returns how many were deleted.
        """

    async def dependencies(self, prompt_id: str) -> Sequence[PromptReference]:
        """What one version embeds."""

    async def dependents(
        self, project_id: str, child_name: str
    ) -> Sequence[tuple[Prompt, PromptReference]]:
        """Every version that embeds ``child_name`` (any version or label), with the reference."""

    async def list_summaries(
        self,
        project_id: str,
        *,
        name: str | None = None,
        label: str | None = None,
        tag: str | None = None,
        updated_from: datetime | None = None,
        updated_to: datetime | None = None,
        name_contains: str | None = None,
        after_name: str | None = None,
        offset: int = 0,
        limit: int = 10,
    ) -> tuple[Sequence[PromptSummary], int]:
        """One summary per name (ordered by name) matching every given filter, and the total.

        ``label``/``tag``: some version carries the label / the name has the tag;
        ``updated_from`` (inclusive) / ``updated_to`` (exclusive): some version was updated then;
        ``name_contains``: the name contains this text, ignoring the case of ASCII letters
        (``%`` and ``_`` are plain characters; other letters fold as the backend's
        ``lower`` does); ``after_name``: the name sorts after this one (keyset pages).
        """
