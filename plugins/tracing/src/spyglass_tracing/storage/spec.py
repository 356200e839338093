"""What the tracing plugin stores, as ``register_storage`` reports it."""

from __future__ import annotations

from spyglass_core.hookspecs import RepositorySpec, StorageSpec
from spyglass_tracing.ports.annotation import (
    AnnotationQueueRepository,
    CommentRepository,
    QueueItemRepository,
)
from spyglass_tracing.ports.repositories import (
    IngestionBatchRepository,
    MediaRepository,
    ModelRepository,
    ScoreConfigRepository,
    TraceDeletionRepository,
)
from spyglass_tracing.storage import (
    memory,
    memory_annotation,
    memory_deletions,
    sql,
    sql_annotation,
    sql_batches,
    sql_deletions,
)
from spyglass_tracing.storage.clickhouse.store import MIGRATIONS_PACKAGE, NAMESPACE

__all__ = ("storage_spec",)


def storage_spec() -> StorageSpec:
    """Prices, score configs, batches, media, trace deletions in SQL; traces in ClickHouse."""
    return StorageSpec(
        namespace=NAMESPACE,
        repositories=(
            RepositorySpec(ModelRepository, sql.SqlModels, memory.MemoryModels),
            RepositorySpec(ScoreConfigRepository, sql.SqlScoreConfigs, memory.MemoryScoreConfigs),
            RepositorySpec(
                IngestionBatchRepository,
                sql_batches.SqlIngestionBatches,
                memory.MemoryIngestionBatches,
            ),
            RepositorySpec(MediaRepository, sql.SqlMedia, memory.MemoryMedia),
            RepositorySpec(
                TraceDeletionRepository,
                sql_deletions.SqlTraceDeletions,
                memory_deletions.MemoryTraceDeletions,
            ),
            # Comments and annotation queues.
            RepositorySpec(
                CommentRepository, sql_annotation.SqlComments, memory_annotation.MemoryComments
            ),
            RepositorySpec(
                AnnotationQueueRepository,
                sql_annotation.SqlAnnotationQueues,
                memory_annotation.MemoryAnnotationQueues,
            ),
            RepositorySpec(
                QueueItemRepository,
                sql_annotation.SqlQueueItems,
                memory_annotation.MemoryQueueItems,
            ),
        ),
        sql_migrations="spyglass_tracing.storage.migrations",
        # Databases from before per-plugin chains recorded this revision in alembic_version.
        legacy_sql_revisions=("0003",),
        clickhouse_migrations=MIGRATIONS_PACKAGE,
    )
