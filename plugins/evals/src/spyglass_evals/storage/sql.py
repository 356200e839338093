"""LLM connections in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from spyglass_adapters.sql.spi import SqlRepository, translate_errors, utc_loaded, utc_value
from spyglass_evals.domain.llm_connections import LlmAdapter, LlmConnection
from spyglass_evals.ports import LlmConnectionRepository
from spyglass_evals.storage.tables import llm_connections

__all__ = ("SqlLlmConnections",)

_c = llm_connections.c


class SqlLlmConnections(SqlRepository, LlmConnectionRepository):
    """LLM connections in SQL."""

    async def add(self, connection: LlmConnection) -> None:
        await self._write(llm_connections.insert().values(_values(connection)))

    async def update(self, connection: LlmConnection) -> None:
        values = _values(connection)
        del values["id"], values["project_id"], values["provider"], values["created_at"]
        await self._write(
            llm_connections.update()
            .where(_c.project_id == connection.project_id, _c.id == connection.id)
            .values(values)
        )

    async def get(self, project_id: str, connection_id: str) -> LlmConnection | None:
        row = await self._first(
            sa.select(llm_connections).where(_c.project_id == project_id, _c.id == connection_id)
        )
        return _from_row(row) if row else None

    async def get_by_provider(self, project_id: str, provider: str) -> LlmConnection | None:
        row = await self._first(
            sa.select(llm_connections).where(_c.project_id == project_id, _c.provider == provider)
        )
        return _from_row(row) if row else None

    async def page(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[LlmConnection], int]:
        of_project = _c.project_id == project_id
        async with translate_errors():
            total = (
                await self._conn.execute(
                    sa.select(sa.func.count()).select_from(llm_connections).where(of_project)
                )
            ).scalar_one()
        # Ids are compared byte-wise on every backend, as the memory adapter does.
        by_id = _c.id.collate("C") if self._conn.dialect.name == "postgresql" else _c.id
        rows = await self._all(
            sa.select(llm_connections)
            .where(of_project)
            .order_by(_c.created_at.desc(), by_id)
            .offset(offset)
            .limit(limit)
        )
        return [_from_row(r) for r in rows], int(total)

    async def delete(self, project_id: str, connection_id: str) -> bool:
        deleted = await self._write(
            llm_connections.delete().where(_c.project_id == project_id, _c.id == connection_id)
        )
        return deleted > 0


def _values(connection: LlmConnection) -> dict[str, Any]:
    return {
        "id": connection.id,
        "project_id": connection.project_id,
        "provider": connection.provider,
        "adapter": connection.adapter.value,
        "base_url": connection.base_url,
        "secret_ciphertext": connection.secret_ciphertext,
        "display_secret_key": connection.display_secret_key,
        "custom_models": list(connection.custom_models),
        "with_default_models": connection.with_default_models,
        "extra_headers_ciphertext": connection.extra_headers_ciphertext,
        "extra_header_keys": list(connection.extra_header_keys),
        # sa.JSON stores Python None as JSON null unless told: keep SQL NULL for "none".
        "config": sa.null() if connection.config is None else connection.config,
        "created_at": utc_value(connection.created_at),
        "updated_at": utc_value(connection.updated_at),
    }


def _from_row(row: sa.Row[Any]) -> LlmConnection:
    return LlmConnection(
        id=row.id,
        project_id=row.project_id,
        provider=row.provider,
        adapter=LlmAdapter(row.adapter),
        base_url=row.base_url,
        secret_ciphertext=row.secret_ciphertext,
        display_secret_key=row.display_secret_key,
        custom_models=tuple(row.custom_models),
        with_default_models=row.with_default_models,
        extra_headers_ciphertext=row.extra_headers_ciphertext,
        extra_header_keys=tuple(row.extra_header_keys),
        config=row.config,
        created_at=utc_loaded(row.created_at),
        updated_at=utc_loaded(row.updated_at),
    )
