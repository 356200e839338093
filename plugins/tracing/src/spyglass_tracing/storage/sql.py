"""Model prices, score configs and media in SQL (ingestion batches: ``sql_batches``).

A model's pricing tiers and their prices are child rows that go with it (``ON DELETE
CASCADE``); any set of models is read with its tiers and prices in three queries. Tiers
come back by priority then id, prices by usage type, model names byte-wise on every
backend (``COLLATE "C"`` on PostgreSQL), so results match the memory adapter's.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from spyglass_adapters.sql import spi as mapping
from spyglass_core.domain.errors import Conflict, NotFound
from spyglass_core.domain.tracing import ScoreDataType
from spyglass_tracing.domain.media import Media
from spyglass_tracing.domain.models import Model, PricingTier, PricingTierCondition
from spyglass_tracing.domain.scoring import ScoreCategory, ScoreConfig
from spyglass_tracing.ports.repositories import (
    MediaRepository,
    ModelRepository,
    ScoreConfigRepository,
)
from spyglass_tracing.storage.sql_common import TracingRepository, chunks, optional_utc
from spyglass_tracing.storage.tables import (
    media,
    models,
    prices,
    pricing_tiers,
    score_configs,
)

__all__ = ("SqlMedia", "SqlModels", "SqlScoreConfigs")


class SqlModels(TracingRepository, ModelRepository):
    """Models in SQL: a project's own and the managed ones (``project_id`` NULL)."""

    async def add(self, model: Model) -> None:
        # A unique constraint would let rows with a NULL start_date or unit repeat, so the
        # rule is checked here. SQLite units of work hold the write lock from their start,
        # so there the check and the insert cannot interleave with another writer's.
        duplicate = await self._first(
            sa.select(models.c.id).where(
                models.c.project_id == model.project_id,
                models.c.model_name == model.model_name,
                models.c.start_date == mapping.utc_value(model.start_date),
                models.c.unit == model.unit,
            )
        )
        if duplicate is not None:
            raise Conflict(
                f"Model '{model.model_name}' already exists with this start date and unit"
            )
        await self._insert([model])

    async def get(self, project_id: str, model_id: str) -> Model | None:
        where = sa.and_(models.c.id == model_id, _visible_in(project_id))
        found = await self._load(where)
        return found[0] if found else None

    async def list(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[Model], int]:
        total = await self._count(models, _visible_in(project_id))
        page = await self._all(
            sa.select(models.c.id)
            .where(_visible_in(project_id))
            .order_by(*self._order())
            .offset(offset)
            .limit(limit)
        )
        return await self._load(models.c.id.in_([r.id for r in page])), total

    async def candidates(self, project_id: str) -> Sequence[Model]:
        return await self._load(_visible_in(project_id))

    async def delete(self, project_id: str, model_id: str) -> bool:
        # Tiers and prices cascade.
        statement = models.delete().where(
            models.c.id == model_id, models.c.project_id == project_id
        )
        return await self._write(statement) > 0

    async def replace_managed(self, managed: Sequence[Model]) -> None:
        _check_managed(managed)
        stored = {m.id: m for m in await self._load(models.c.project_id.is_(None))}
        wanted = {m.id: _as_stored(m) for m in managed}
        # Runs at every start: unchanged models are left alone, the others are rewritten.
        doomed = [model_id for model_id, m in stored.items() if wanted.get(model_id) != m]
        for chunk in chunks(doomed):
            await self._write(models.delete().where(models.c.id.in_(chunk)))
        await self._insert([m for model_id, m in wanted.items() if stored.get(model_id) != m])

    # --- helpers ----------------------------------------------------------------------

    def _order(self) -> tuple[sa.ColumnElement[Any], ...]:
        # The project's own models first (False sorts before True), then by name and id.
        name = _bytewise(self._conn, models.c.model_name)
        return (models.c.project_id.is_(None), name, models.c.id)

    async def _load(self, where: sa.ColumnElement[bool]) -> Sequence[Model]:
        """The models matching ``where``, in list order, with tiers and prices (3 queries)."""
        rows = await self._all(sa.select(models).where(where).order_by(*self._order()))
        if not rows:
            return []
        tier_prices: defaultdict[str, dict[str, float]] = defaultdict(dict)
        for r in await self._all(
            sa.select(prices)
            .join(pricing_tiers, pricing_tiers.c.id == prices.c.pricing_tier_id)
            .join(models, models.c.id == pricing_tiers.c.model_id)
            .where(where)
            .order_by(_bytewise(self._conn, prices.c.usage_type))
        ):
            tier_prices[r.pricing_tier_id][r.usage_type] = r.price
        tiers: defaultdict[str, list[PricingTier]] = defaultdict(list)
        for r in await self._all(
            sa.select(pricing_tiers)
            .join(models, models.c.id == pricing_tiers.c.model_id)
            .where(where)
            .order_by(pricing_tiers.c.priority, pricing_tiers.c.id)
        ):
            tiers[r.model_id].append(_tier_from_row(r, tier_prices[r.id]))
        return [_model_from_row(r, tiers[r.id]) for r in rows]

    async def _insert(self, batch: Sequence[Model]) -> None:
        """Insert ``batch`` with its tiers and prices: one statement per table."""
        await self._insert_many(models.insert(), [_model_values(m) for m in batch])
        await self._insert_many(
            pricing_tiers.insert(),
            [_tier_values(m.id, tier) for m in batch for tier in m.pricing_tiers],
        )
        await self._insert_many(
            prices.insert(),
            [
                {"pricing_tier_id": tier.id, "usage_type": usage_type, "price": price}
                for m in batch
                for tier in m.pricing_tiers
                for usage_type, price in tier.prices.items()
            ],
        )


class SqlScoreConfigs(TracingRepository, ScoreConfigRepository):
    """Score configs in SQL."""

    async def add(self, config: ScoreConfig) -> None:
        await self._write(score_configs.insert().values(_score_config_values(config)))

    async def get(self, project_id: str, config_id: str) -> ScoreConfig | None:
        row = await self._first(
            sa.select(score_configs).where(
                score_configs.c.id == config_id, score_configs.c.project_id == project_id
            )
        )
        return _score_config_from_row(row) if row else None

    async def list(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[ScoreConfig], int]:
        of_project = score_configs.c.project_id == project_id
        total = await self._count(score_configs, of_project)
        rows = await self._all(
            sa.select(score_configs)
            .where(of_project)
            .order_by(score_configs.c.created_at.desc(), score_configs.c.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return [_score_config_from_row(r) for r in rows], total

    async def update(self, config: ScoreConfig) -> None:
        updated = await self._write(
            score_configs.update()
            .where(score_configs.c.id == config.id, score_configs.c.project_id == config.project_id)
            .values(_score_config_values(config))
        )
        if not updated:
            raise NotFound(f"Score config '{config.id}' not found")


class SqlMedia(TracingRepository, MediaRepository):
    """Media records in SQL, keyed by (project, id)."""

    async def add(self, record: Media) -> None:
        await self._write(media.insert().values(_media_values(record)))

    async def get(self, project_id: str, media_id: str) -> Media | None:
        row = await self._first(
            sa.select(media).where(media.c.project_id == project_id, media.c.id == media_id)
        )
        return _media_from_row(row) if row else None

    async def update(self, record: Media) -> None:
        updated = await self._write(
            media.update()
            .where(media.c.project_id == record.project_id, media.c.id == record.id)
            .values(_media_values(record))
        )
        if not updated:
            raise NotFound(f"Media '{record.id}' not found")


# --- helpers ------------------------------------------------------------------------------


def _bytewise(conn: AsyncConnection, column: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    # PostgreSQL orders text by the database's collation; SQLite and Python by code point.
    return column.collate("C") if conn.dialect.name == "postgresql" else column


def _visible_in(project_id: str) -> sa.ColumnElement[bool]:
    return sa.or_(models.c.project_id == project_id, models.c.project_id.is_(None))


def _check_managed(managed: Sequence[Model]) -> None:
    if any(m.project_id is not None for m in managed):
        raise ValueError("Managed models have no project_id")
    if len({m.id for m in managed}) != len(managed):
        raise ValueError("Managed model ids must be unique")


def _as_stored(model: Model) -> Model:
    """``model`` as ``_load`` would return it, so unchanged models compare equal."""
    tiers = sorted(model.pricing_tiers, key=lambda t: (t.priority, t.id))
    return msgspec.structs.replace(model, pricing_tiers=tiers)


def _model_from_row(row: sa.Row[Any], tiers: list[PricingTier]) -> Model:
    return Model(
        id=row.id,
        project_id=row.project_id,
        model_name=row.model_name,
        match_pattern=row.match_pattern,
        start_date=optional_utc(row.start_date),
        unit=row.unit,
        tokenizer_id=row.tokenizer_id,
        tokenizer_config=row.tokenizer_config,
        pricing_tiers=tiers,
        created_at=optional_utc(row.created_at),
        updated_at=optional_utc(row.updated_at),
    )


def _model_values(model: Model) -> dict[str, Any]:
    return {
        "id": model.id,
        "project_id": model.project_id,
        "model_name": model.model_name,
        "match_pattern": model.match_pattern,
        "start_date": mapping.utc_value(model.start_date),
        "unit": model.unit,
        "tokenizer_id": model.tokenizer_id,
        "tokenizer_config": model.tokenizer_config,
        "created_at": mapping.utc_value(model.created_at),
        "updated_at": mapping.utc_value(model.updated_at),
    }


def _tier_from_row(row: sa.Row[Any], tier_prices: dict[str, float]) -> PricingTier:
    return PricingTier(
        id=row.id,
        name=row.name,
        is_default=row.is_default,
        priority=row.priority,
        conditions=msgspec.convert(row.conditions, list[PricingTierCondition]),
        prices=tier_prices,
    )


def _tier_values(model_id: str, tier: PricingTier) -> dict[str, Any]:
    return {
        "id": tier.id,
        "model_id": model_id,
        "name": tier.name,
        "is_default": tier.is_default,
        "priority": tier.priority,
        "conditions": msgspec.to_builtins(tier.conditions),
    }


def _score_config_from_row(row: sa.Row[Any]) -> ScoreConfig:
    return ScoreConfig(
        id=row.id,
        project_id=row.project_id,
        name=row.name,
        data_type=ScoreDataType(row.data_type),
        is_archived=row.is_archived,
        min_value=row.min_value,
        max_value=row.max_value,
        categories=(
            None if row.categories is None else msgspec.convert(row.categories, list[ScoreCategory])
        ),
        description=row.description,
        created_at=mapping.utc_loaded(row.created_at),
        updated_at=mapping.utc_loaded(row.updated_at),
    )


def _score_config_values(config: ScoreConfig) -> dict[str, Any]:
    return {
        "id": config.id,
        "project_id": config.project_id,
        "name": config.name,
        "data_type": config.data_type.value,
        "is_archived": config.is_archived,
        "min_value": config.min_value,
        "max_value": config.max_value,
        "categories": msgspec.to_builtins(config.categories),
        "description": config.description,
        "created_at": mapping.utc_value(config.created_at),
        "updated_at": mapping.utc_value(config.updated_at),
    }


def _media_from_row(row: sa.Row[Any]) -> Media:
    return Media(
        id=row.id,
        project_id=row.project_id,
        sha256_hash=row.sha256_hash,
        content_type=row.content_type,
        content_length=row.content_length,
        blob_key=row.blob_key,
        created_at=mapping.utc_loaded(row.created_at),
        uploaded_at=optional_utc(row.uploaded_at),
        upload_http_status=row.upload_http_status,
        upload_http_error=row.upload_http_error,
    )


def _media_values(record: Media) -> dict[str, Any]:
    return {
        "id": record.id,
        "project_id": record.project_id,
        "sha256_hash": record.sha256_hash,
        "content_type": record.content_type,
        "content_length": record.content_length,
        "blob_key": record.blob_key,
        "created_at": mapping.utc_value(record.created_at),
        "uploaded_at": mapping.utc_value(record.uploaded_at),
        "upload_http_status": record.upload_http_status,
        "upload_http_error": record.upload_http_error,
    }
