"""In-memory prompts: the SQL adapter's rules over the memory database's dicts.

Every stored value is immutable (frozen structs holding private copies of their JSON,
tuples, strings) and reads hand out fresh copies, so the unit of work's shallow copies of
the dicts are enough for commit and rollback.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from datetime import datetime

import msgspec

from spyglass_adapters.memory.spi import MemoryTables
from spyglass_core.domain.errors import Conflict
from spyglass_prompts.domain.prompts import Prompt, PromptReference, PromptSummary
from spyglass_prompts.ports import PromptRepository

__all__ = ("MemoryPrompts",)


class MemoryPrompts(PromptRepository):
    """Prompts over ``MemoryTables``: versions by id, labels by (project, name, label)."""

    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def add(self, prompt: Prompt, dependencies: Sequence[PromptReference]) -> None:
        if prompt.id in self._db.table("prompts") or self._find(
            prompt.project_id, prompt.name, prompt.version
        ):
            raise Conflict(f"Prompt '{prompt.name}' version {prompt.version} already exists")
        self._db.table("prompts")[prompt.id] = msgspec.structs.replace(
            prompt,
            prompt=copy.deepcopy(prompt.prompt),
            config=copy.deepcopy(prompt.config),
            labels=[],
            tags=[],
        )
        self._put_labels(prompt.project_id, prompt.name, prompt.id, prompt.labels)
        self._db.table("prompt_dependencies")[prompt.id] = tuple(dependencies)

    async def latest_version(self, project_id: str, name: str) -> int | None:
        versions = self._versions(project_id, name)
        return versions[-1].version if versions else None

    async def get(
        self, project_id: str, name: str, *, version: int | None = None, label: str | None = None
    ) -> Prompt | None:
        if version is None and label is None:
            return None
        labelled = self._db.table("prompt_labels").get((project_id, name, label)) if label else None
        for stored in self._versions(project_id, name):
            if (version is None or stored.version == version) and (
                label is None or stored.id == labelled
            ):
                return self._out(stored)
        return None

    async def list_versions(self, project_id: str, name: str) -> Sequence[Prompt]:
        return [self._out(p) for p in self._versions(project_id, name)]

    async def add_labels(
        self, project_id: str, name: str, version: int, labels: Sequence[str]
    ) -> None:
        if stored := self._find(project_id, name, version):
            self._put_labels(project_id, name, stored.id, labels)

    async def set_tags(self, project_id: str, name: str, tags: Sequence[str]) -> None:
        if tags:
            self._db.table("prompt_tags")[(project_id, name)] = tuple(sorted(set(tags)))
        else:
            self._db.table("prompt_tags").pop((project_id, name), None)

    async def delete(
        self, project_id: str, name: str, versions: Sequence[int] | None = None
    ) -> int:
        doomed = {
            p.id
            for p in self._versions(project_id, name)
            if versions is None or p.version in versions
        }
        for prompt_id in doomed:
            del self._db.table("prompts")[prompt_id]
            self._db.table("prompt_dependencies").pop(prompt_id, None)
        for key in [k for k, v in self._db.table("prompt_labels").items() if v in doomed]:
            del self._db.table("prompt_labels")[key]
        if not self._versions(project_id, name):
            self._db.table("prompt_tags").pop((project_id, name), None)
        return len(doomed)

    async def dependencies(self, prompt_id: str) -> Sequence[PromptReference]:
        return list(self._db.table("prompt_dependencies").get(prompt_id, ()))

    async def dependents(
        self, project_id: str, child_name: str
    ) -> Sequence[tuple[Prompt, PromptReference]]:
        parents = sorted(
            (p for p in self._db.table("prompts").values() if p.project_id == project_id),
            key=lambda p: (p.name, p.version),
        )
        return [
            (self._out(parent), reference)
            for parent in parents
            for reference in self._db.table("prompt_dependencies").get(parent.id, ())
            if reference.name == child_name
        ]

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
        # A name matches when one of its versions passes every version filter.
        def passes(p: Prompt) -> bool:
            return (
                (name is None or p.name == name)
                and (name_contains is None or name_contains.lower() in p.name.lower())
                and (after_name is None or p.name > after_name)
                and (updated_from is None or p.updated_at >= updated_from)
                and (updated_to is None or p.updated_at < updated_to)
                and (
                    label is None
                    or self._db.table("prompt_labels").get((project_id, p.name, label)) == p.id
                )
                and (
                    tag is None
                    or tag in self._db.table("prompt_tags").get((project_id, p.name), ())
                )
            )

        matching = sorted(
            {
                p.name
                for p in self._db.table("prompts").values()
                if p.project_id == project_id and passes(p)
            }
        )
        page = matching[offset : offset + limit]
        return [self._summary(project_id, n) for n in page], len(matching)

    # --- helpers ----------------------------------------------------------------------

    def _versions(self, project_id: str, name: str) -> list[Prompt]:
        return sorted(
            (
                p
                for p in self._db.table("prompts").values()
                if p.project_id == project_id and p.name == name
            ),
            key=lambda p: p.version,
        )

    def _find(self, project_id: str, name: str, version: int) -> Prompt | None:
        return next((p for p in self._versions(project_id, name) if p.version == version), None)

    def _put_labels(
        self, project_id: str, name: str, prompt_id: str, labels: Iterable[str]
    ) -> None:
        for label in labels:
            self._db.table("prompt_labels")[(project_id, name, label)] = prompt_id

    def _labels_of(self, prompt: Prompt) -> list[str]:
        return sorted(
            label
            for (project_id, name, label), prompt_id in self._db.table("prompt_labels").items()
            if (project_id, name, prompt_id) == (prompt.project_id, prompt.name, prompt.id)
        )

    def _out(self, stored: Prompt) -> Prompt:
        """A caller's copy of a stored version, with its labels and its name's tags."""
        return msgspec.structs.replace(
            stored,
            prompt=copy.deepcopy(stored.prompt),
            config=copy.deepcopy(stored.config),
            labels=self._labels_of(stored),
            tags=list(self._db.table("prompt_tags").get((stored.project_id, stored.name), ())),
        )

    def _summary(self, project_id: str, name: str) -> PromptSummary:
        versions = [self._out(p) for p in self._versions(project_id, name)]
        latest = versions[-1]
        return PromptSummary(
            name=name,
            type=latest.type,
            versions=[p.version for p in versions],
            labels=sorted({label for p in versions for label in p.labels}),
            tags=latest.tags,
            last_updated_at=max(p.updated_at for p in versions),
            last_config=latest.config,
        )
