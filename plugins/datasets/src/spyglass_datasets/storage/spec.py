"""What the datasets plugin stores, as ``register_storage`` reports it."""

from __future__ import annotations

from spyglass_core.hookspecs import RepositorySpec, StorageSpec
from spyglass_datasets.ports import (
    DatasetItemRepository,
    DatasetRepository,
    DatasetRunRepository,
)
from spyglass_datasets.storage.memory import MemoryDatasetItems, MemoryDatasets
from spyglass_datasets.storage.memory_runs import MemoryDatasetRuns
from spyglass_datasets.storage.runs import SqlDatasetRuns
from spyglass_datasets.storage.sql import SqlDatasetItems, SqlDatasets

__all__ = ("NAMESPACE", "storage_spec")

NAMESPACE = "datasets"


def storage_spec() -> StorageSpec:
    """Datasets, the versions of their items, runs and run items in SQL."""
    return StorageSpec(
        namespace=NAMESPACE,
        repositories=(
            RepositorySpec(DatasetRepository, SqlDatasets, MemoryDatasets),
            RepositorySpec(DatasetItemRepository, SqlDatasetItems, MemoryDatasetItems),
            RepositorySpec(DatasetRunRepository, SqlDatasetRuns, MemoryDatasetRuns),
        ),
        sql_migrations="spyglass_datasets.storage.migrations",
    )
