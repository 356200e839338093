"""Prompt versions, their labels, their name's tags and their dependencies in SQL.

Labels are rows keyed by (project, name, label), so a label sits on one version at most;
moving one is a delete and an insert. Dependencies and labels go with their version
(``ON DELETE CASCADE``). Names are ordered byte-wise on every backend (``COLLATE "C"``
on PostgreSQL), so pages come out as with SQLite and the memory adapter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from spyglass_adapters.sql.spi import SqlRepository, translate_errors, utc_loaded, utc_value
from spyglass_prompts.domain.prompts import Prompt, PromptReference, PromptSummary, PromptType
from spyglass_prompts.ports import PromptRepository
from spyglass_prompts.storage import mapping
from spyglass_prompts.storage.tables import prompt_dependencies, prompt_labels, prompt_tags, prompts

__all__ = ("SqlPrompts",)


class SqlPrompts(SqlRepository, PromptRepository):
    """Prompts in SQL."""

    async def add(self, prompt: Prompt, dependencies: Sequence[PromptReference]) -> None:
        await self._write(prompts.insert().values(mapping.prompt_values(prompt)))
        await self._put_labels(prompt.project_id, prompt.name, prompt.id, prompt.labels)
        # One insert each: the autoincrement id keeps the references in their given order.
        for reference in dependencies:
            await self._write(
                prompt_dependencies.insert().values(mapping.reference_values(prompt, reference))
            )

    async def latest_version(self, project_id: str, name: str) -> int | None:
        latest = await self._scalar(
            sa.select(sa.func.max(prompts.c.version)).where(*_of_name(project_id, name))
        )
        return int(latest) if latest is not None else None

    async def get(
        self, project_id: str, name: str, *, version: int | None = None, label: str | None = None
    ) -> Prompt | None:
        if version is None and label is None:
            return None
        statement = sa.select(prompts).where(*_of_name(project_id, name))
        if version is not None:
            statement = statement.where(prompts.c.version == version)
        if label is not None:
            statement = statement.join(
                prompt_labels, prompt_labels.c.prompt_id == prompts.c.id
            ).where(
                prompt_labels.c.project_id == project_id,
                prompt_labels.c.name == name,
                prompt_labels.c.label == label,
            )
        row = await self._first(statement)
        return (await self._hydrate(project_id, [row]))[0] if row else None

    async def list_versions(self, project_id: str, name: str) -> Sequence[Prompt]:
        rows = await self._all(
            sa.select(prompts).where(*_of_name(project_id, name)).order_by(prompts.c.version)
        )
        return await self._hydrate(project_id, rows)

    async def add_labels(
        self, project_id: str, name: str, version: int, labels: Sequence[str]
    ) -> None:
        row = await self._first(
            sa.select(prompts.c.id).where(*_of_name(project_id, name), prompts.c.version == version)
        )
        if row is not None:
            await self._put_labels(project_id, name, row.id, labels)

    async def set_tags(self, project_id: str, name: str, tags: Sequence[str]) -> None:
        await self._write(
            prompt_tags.delete().where(
                prompt_tags.c.project_id == project_id, prompt_tags.c.name == name
            )
        )
        if tags:
            await self._write(
                prompt_tags.insert().values(
                    [
                        {"project_id": project_id, "name": name, "tag": tag}
                        for tag in sorted(set(tags))
                    ]
                )
            )

    async def delete(
        self, project_id: str, name: str, versions: Sequence[int] | None = None
    ) -> int:
        statement = prompts.delete().where(*_of_name(project_id, name))
        if versions is not None:
            statement = statement.where(prompts.c.version.in_(list(versions)))
        deleted = await self._write(statement)  # labels and dependencies cascade
        if await self.latest_version(project_id, name) is None:
            await self.set_tags(project_id, name, [])
        return deleted

    async def dependencies(self, prompt_id: str) -> Sequence[PromptReference]:
        rows = await self._all(
            sa.select(prompt_dependencies)
            .where(prompt_dependencies.c.parent_id == prompt_id)
            .order_by(prompt_dependencies.c.id)
        )
        return [mapping.reference_from_row(r) for r in rows]

    async def dependents(
        self, project_id: str, child_name: str
    ) -> Sequence[tuple[Prompt, PromptReference]]:
        deps = prompt_dependencies.c
        rows = await self._all(
            sa.select(prompts, deps.child_name, deps.child_version, deps.child_label)
            .join(prompt_dependencies, deps.parent_id == prompts.c.id)
            .where(deps.project_id == project_id, deps.child_name == child_name)
            .order_by(deps.id)
        )
        parents = await self._hydrate(project_id, rows)
        pairs = [(p, mapping.reference_from_row(r)) for p, r in zip(parents, rows, strict=True)]
        # Stable: a version's references keep their order.
        return sorted(pairs, key=lambda pair: (pair[0].name, pair[0].version))

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
        where: list[sa.ColumnElement[bool]] = [prompts.c.project_id == project_id]
        if name is not None:
            where.append(prompts.c.name == name)
        if name_contains is not None:
            # lower() on both sides: a backend that folds only ASCII still matches the
            # exact case of other letters.
            pattern = f"%{_like_escaped(name_contains)}%"
            where.append(
                sa.func.lower(prompts.c.name).like(sa.func.lower(pattern), escape=_LIKE_ESCAPE)
            )
        if after_name is not None:
            where.append(self._bytewise(prompts.c.name) > after_name)
        if updated_from is not None:
            where.append(prompts.c.updated_at >= utc_value(updated_from))
        if updated_to is not None:
            where.append(prompts.c.updated_at < utc_value(updated_to))
        if label is not None:
            where.append(
                sa.select(prompt_labels.c.label)
                .where(prompt_labels.c.prompt_id == prompts.c.id, prompt_labels.c.label == label)
                .exists()
            )
        if tag is not None:
            where.append(
                sa.select(prompt_tags.c.tag)
                .where(
                    prompt_tags.c.project_id == prompts.c.project_id,
                    prompt_tags.c.name == prompts.c.name,
                    prompt_tags.c.tag == tag,
                )
                .exists()
            )
        matching = sa.select(prompts.c.name).where(*where).group_by(prompts.c.name)
        total = int(
            await self._scalar(sa.select(sa.func.count()).select_from(matching.subquery())) or 0
        )
        page = await self._all(
            matching.order_by(self._bytewise(prompts.c.name)).offset(offset).limit(limit)
        )
        names = [r.name for r in page]
        if not names:
            return [], total
        return await self._summaries(project_id, names), total

    # --- helpers ----------------------------------------------------------------------

    async def _scalar(self, statement: sa.Select[Any]) -> Any:
        async with translate_errors():
            return (await self._conn.execute(statement)).scalar()

    def _bytewise(self, column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
        # PostgreSQL orders text by the database's collation; SQLite and Python by code point.
        if self._conn.dialect.name == "postgresql":
            return column.collate("C")
        return column

    async def _put_labels(
        self, project_id: str, name: str, prompt_id: str, labels: Iterable[str]
    ) -> None:
        unique = list(dict.fromkeys(labels))
        if not unique:
            return
        await self._write(
            prompt_labels.delete().where(
                prompt_labels.c.project_id == project_id,
                prompt_labels.c.name == name,
                prompt_labels.c.label.in_(unique),
            )
        )
        await self._write(
            prompt_labels.insert().values(
                [
                    {"project_id": project_id, "name": name, "label": label, "prompt_id": prompt_id}
                    for label in unique
                ]
            )
        )

    async def _hydrate(self, project_id: str, rows: Sequence[sa.Row[Any]]) -> list[Prompt]:
        """Prompts of ``rows`` (one project) with their labels and their names' tags."""
        if not rows:
            return []
        names = sorted({r.name for r in rows})
        labels: defaultdict[str, list[str]] = defaultdict(list)
        for r in await self._all(
            sa.select(prompt_labels.c.prompt_id, prompt_labels.c.label).where(
                prompt_labels.c.project_id == project_id, prompt_labels.c.name.in_(names)
            )
        ):
            labels[r.prompt_id].append(r.label)
        tags = await self._tags(project_id, names)
        return [mapping.prompt_from_row(r, labels[r.id], tags[r.name]) for r in rows]

    async def _tags(self, project_id: str, names: list[str]) -> defaultdict[str, list[str]]:
        tags: defaultdict[str, list[str]] = defaultdict(list)
        for r in await self._all(
            sa.select(prompt_tags.c.name, prompt_tags.c.tag).where(
                prompt_tags.c.project_id == project_id, prompt_tags.c.name.in_(names)
            )
        ):
            tags[r.name].append(r.tag)
        return tags

    async def _summaries(self, project_id: str, names: list[str]) -> list[PromptSummary]:
        """Summaries of ``names``, in that order, from four queries bounded by the page."""
        in_page = (prompts.c.project_id == project_id, prompts.c.name.in_(names))
        versions: defaultdict[str, list[int]] = defaultdict(list)
        updated: dict[str, datetime] = {}
        for r in await self._all(
            sa.select(prompts.c.name, prompts.c.version, prompts.c.updated_at)
            .where(*in_page)
            .order_by(prompts.c.version)
        ):
            versions[r.name].append(r.version)
            at = utc_loaded(r.updated_at)
            updated[r.name] = max(updated.get(r.name, at), at)
        newest = (
            sa.select(prompts.c.name, sa.func.max(prompts.c.version).label("version"))
            .where(*in_page)
            .group_by(prompts.c.name)
            .subquery()
        )
        latest = {
            r.name: r
            for r in await self._all(
                sa.select(prompts.c.name, prompts.c.type, prompts.c.config)
                .join(
                    newest,
                    sa.and_(prompts.c.name == newest.c.name, prompts.c.version == newest.c.version),
                )
                .where(prompts.c.project_id == project_id)
            )
        }
        labels: defaultdict[str, set[str]] = defaultdict(set)
        for r in await self._all(
            sa.select(prompt_labels.c.name, prompt_labels.c.label).where(
                prompt_labels.c.project_id == project_id, prompt_labels.c.name.in_(names)
            )
        ):
            labels[r.name].add(r.label)
        tags = await self._tags(project_id, names)
        return [
            PromptSummary(
                name=n,
                type=PromptType(latest[n].type),
                versions=versions[n],
                labels=sorted(labels[n]),
                tags=sorted(tags[n]),
                last_updated_at=updated[n],
                last_config=latest[n].config,
            )
            for n in names
        ]


_LIKE_ESCAPE = "/"


def _like_escaped(text: str) -> str:
    """``text`` matched literally inside a ``LIKE`` pattern escaped with ``_LIKE_ESCAPE``."""
    for special in (_LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, _LIKE_ESCAPE + special)
    return text


def _of_name(project_id: str, name: str) -> tuple[sa.ColumnElement[bool], ...]:
    return (prompts.c.project_id == project_id, prompts.c.name == name)
