"""In-memory model prices, score configs, ingestion batches and media: the SQL rules over dicts.

Stored values are private deep copies and reads hand out fresh ones, so callers never
share a struct with the database and the unit of work's shallow copies of the dicts are
enough for commit and rollback. Ids are unique across projects (models, their tiers,
score configs, batches), as the SQL primary keys make them.
"""

from __future__ import annotations

import copy
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import TypeVar

import msgspec

from spyglass_adapters.memory.spi import MemoryTables
from spyglass_core.domain.errors import Conflict, NotFound
from spyglass_tracing.domain.ingestion import BatchRecord
from spyglass_tracing.domain.media import Media
from spyglass_tracing.domain.models import Model
from spyglass_tracing.domain.scoring import ScoreConfig
from spyglass_tracing.ports.repositories import (
    IngestionBatchRepository,
    MediaRepository,
    ModelRepository,
    ScoreConfigRepository,
)

__all__ = ("MemoryIngestionBatches", "MemoryMedia", "MemoryModels", "MemoryScoreConfigs")

_Struct = TypeVar("_Struct", Model, ScoreConfig, BatchRecord, Media)


def _copy(value: _Struct) -> _Struct:
    return copy.deepcopy(value)


class MemoryModels(ModelRepository):
    """Models by id; managed ones have ``project_id`` None."""

    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def add(self, model: Model) -> None:
        if any(
            (m.project_id, m.model_name, m.start_date, m.unit)
            == (model.project_id, model.model_name, model.start_date, model.unit)
            for m in self._db.table("models").values()
        ):
            raise Conflict(
                f"Model '{model.model_name}' already exists with this start date and unit"
            )
        self._check_ids([model], self._db.table("models").values())
        self._db.table("models")[model.id] = _stored(model)

    async def get(self, project_id: str, model_id: str) -> Model | None:
        model = self._db.table("models").get(model_id)
        return _copy(model) if model and _visible_in(model, project_id) else None

    async def list(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[Model], int]:
        visible = await self.candidates(project_id)
        return visible[offset : offset + limit], len(visible)

    async def candidates(self, project_id: str) -> Sequence[Model]:
        visible = [m for m in self._db.table("models").values() if _visible_in(m, project_id)]
        # The project's own models first, then by name and id.
        visible.sort(key=lambda m: (m.project_id is None, m.model_name, m.id))
        return [_copy(m) for m in visible]

    async def delete(self, project_id: str, model_id: str) -> bool:
        model = self._db.table("models").get(model_id)
        if model is None or model.project_id != project_id:
            return False
        del self._db.table("models")[model_id]
        return True

    async def replace_managed(self, managed: Sequence[Model]) -> None:
        if any(m.project_id is not None for m in managed):
            raise ValueError("Managed models have no project_id")
        if len({m.id for m in managed}) != len(managed):
            raise ValueError("Managed model ids must be unique")
        kept = [m for m in self._db.table("models").values() if not m.is_managed]
        self._check_ids(managed, kept)
        for model_id in [m.id for m in self._db.table("models").values() if m.is_managed]:
            del self._db.table("models")[model_id]
        for model in managed:
            self._db.table("models")[model.id] = _stored(model)

    @staticmethod
    def _check_ids(new: Sequence[Model], existing: Collection[Model]) -> None:
        """Raise Conflict when a model or tier id of ``new`` repeats, as the SQL keys would."""
        model_ids = [m.id for m in existing] + [m.id for m in new]
        tier_ids = [t.id for m in [*existing, *new] for t in m.pricing_tiers]
        if len(set(model_ids)) != len(model_ids) or len(set(tier_ids)) != len(tier_ids):
            raise Conflict("The model conflicts with an existing one")


class MemoryScoreConfigs(ScoreConfigRepository):
    """Score configs by id."""

    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def add(self, config: ScoreConfig) -> None:
        if config.id in self._db.table("score_configs"):
            raise Conflict(f"Score config '{config.id}' already exists")
        self._db.table("score_configs")[config.id] = _copy(config)

    async def get(self, project_id: str, config_id: str) -> ScoreConfig | None:
        config = self._db.table("score_configs").get(config_id)
        return _copy(config) if config and config.project_id == project_id else None

    async def list(
        self, project_id: str, *, offset: int = 0, limit: int = 50
    ) -> tuple[Sequence[ScoreConfig], int]:
        configs = sorted(
            (c for c in self._db.table("score_configs").values() if c.project_id == project_id),
            key=lambda c: (c.created_at, c.id),
            reverse=True,
        )
        return [_copy(c) for c in configs[offset : offset + limit]], len(configs)

    async def update(self, config: ScoreConfig) -> None:
        if await self.get(config.project_id, config.id) is None:
            raise NotFound(f"Score config '{config.id}' not found")
        self._db.table("score_configs")[config.id] = _copy(config)


class MemoryIngestionBatches(IngestionBatchRepository):
    """Batch records by id, and accepted event ids by (project, event id)."""

    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def seen_event_ids(self, project_id: str, event_ids: Sequence[str]) -> set[str]:
        return {e for e in event_ids if (project_id, e) in self._db.table("ingestion_event_ids")}

    async def add(self, record: BatchRecord, event_ids: Sequence[str]) -> None:
        if record.id in self._db.table("ingestion_batches"):
            raise Conflict(f"Batch '{record.id}' already exists")
        self._db.table("ingestion_batches")[record.id] = _copy(record)
        for event_id in event_ids:
            self._db.table("ingestion_event_ids").setdefault(
                (record.project_id, event_id), record.received_at
            )

    async def get(self, batch_id: str) -> BatchRecord | None:
        record = self._db.table("ingestion_batches").get(batch_id)
        return _copy(record) if record else None

    async def mark_done(self, batch_id: str, processed_at: datetime) -> None:
        if record := self._db.table("ingestion_batches").get(batch_id):
            self._db.table("ingestion_batches")[batch_id] = msgspec.structs.replace(
                record, processed_at=processed_at
            )

    async def get_many(self, batch_ids: Sequence[str]) -> list[BatchRecord]:
        records = [await self.get(batch_id) for batch_id in dict.fromkeys(batch_ids)]
        return [record for record in records if record is not None]

    async def mark_many_done(self, batch_ids: Sequence[str], processed_at: datetime) -> None:
        for batch_id in batch_ids:
            await self.mark_done(batch_id, processed_at)

    async def pending(
        self,
        *,
        received_before: datetime | None = None,
        due_at: datetime | None = None,
        limit: int = 1000,
    ) -> Sequence[BatchRecord]:
        waiting = sorted(
            (
                r
                for r in self._db.table("ingestion_batches").values()
                if r.processed_at is None
                and r.dead_at is None
                and (received_before is None or r.received_at < received_before)
                and (due_at is None or r.next_attempt_at is None or r.next_attempt_at <= due_at)
            ),
            key=lambda r: (r.received_at, r.id),
        )
        return [_copy(r) for r in waiting[:limit]]

    async def record_failure(
        self,
        batch_id: str,
        error: str,
        *,
        next_attempt_at: datetime | None,
        dead_at: datetime | None,
    ) -> BatchRecord | None:
        record: BatchRecord | None = self._db.table("ingestion_batches").get(batch_id)
        if record is None:
            return None
        failed = msgspec.structs.replace(
            record,
            attempts=record.attempts + 1,
            last_error=error[:4000],
            next_attempt_at=next_attempt_at,
            dead_at=dead_at,
        )
        self._db.table("ingestion_batches")[batch_id] = failed
        return _copy(failed)

    async def done_before(
        self, received_before: datetime, *, limit: int = 1000
    ) -> Sequence[BatchRecord]:
        done = sorted(
            (
                r
                for r in self._db.table("ingestion_batches").values()
                if r.processed_at is not None and r.received_at < received_before
            ),
            key=lambda r: (r.received_at, r.id),
        )
        return [_copy(r) for r in done[:limit]]

    async def dead(self, *, offset: int = 0, limit: int = 50) -> tuple[Sequence[BatchRecord], int]:
        dead = sorted(
            (r for r in self._db.table("ingestion_batches").values() if r.dead_at is not None),
            key=lambda r: (r.received_at, r.id),
        )
        return [_copy(r) for r in dead[offset : offset + limit]], len(dead)

    async def count_pending(
        self, *, project_id: str | None = None, received_before: datetime | None = None
    ) -> int:
        return sum(
            1
            for r in self._db.table("ingestion_batches").values()
            if r.processed_at is None
            and r.dead_at is None
            and (project_id is None or r.project_id == project_id)
            and (received_before is None or r.received_at < received_before)
        )

    async def revive(self, batch_id: str) -> bool:
        record = self._db.table("ingestion_batches").get(batch_id)
        if record is None or record.dead_at is None:
            return False
        self._db.table("ingestion_batches")[batch_id] = msgspec.structs.replace(
            record, attempts=0, last_error=None, next_attempt_at=None, dead_at=None
        )
        return True

    async def prune(self, received_before: datetime) -> int:
        db = self._db
        for key in [k for k, at in db.table("ingestion_event_ids").items() if at < received_before]:
            del db.table("ingestion_event_ids")[key]
        done = [
            batch_id
            for batch_id, r in db.table("ingestion_batches").items()
            if r.processed_at is not None and r.received_at < received_before
        ]
        for batch_id in done:
            del db.table("ingestion_batches")[batch_id]
        return len(done)


class MemoryMedia(MediaRepository):
    """Media records by (project, id)."""

    def __init__(self, db: MemoryTables) -> None:
        self._db = db

    async def add(self, media: Media) -> None:
        key = (media.project_id, media.id)
        if key in self._db.table("media"):
            raise Conflict(f"Media '{media.id}' already exists")
        self._db.table("media")[key] = _copy(media)

    async def get(self, project_id: str, media_id: str) -> Media | None:
        media = self._db.table("media").get((project_id, media_id))
        return _copy(media) if media else None

    async def update(self, media: Media) -> None:
        key = (media.project_id, media.id)
        if key not in self._db.table("media"):
            raise NotFound(f"Media '{media.id}' not found")
        self._db.table("media")[key] = _copy(media)


def _visible_in(model: Model, project_id: str) -> bool:
    return model.project_id is None or model.project_id == project_id


def _stored(model: Model) -> Model:
    """A private copy of ``model`` ordered as SQL returns it: tiers by priority then id."""
    stored = copy.deepcopy(model)
    stored.pricing_tiers.sort(key=lambda t: (t.priority, t.id))
    for tier in stored.pricing_tiers:
        tier.prices = dict(sorted(tier.prices.items()))
    return stored
