"""What the prompts plugin stores, as ``register_storage`` reports it."""

from __future__ import annotations

from spyglass_core.hookspecs import RepositorySpec, StorageSpec
from spyglass_prompts.ports import PromptRepository
from spyglass_prompts.storage.memory import MemoryPrompts
from spyglass_prompts.storage.sql import SqlPrompts

__all__ = ("NAMESPACE", "storage_spec")

NAMESPACE = "prompts"


def storage_spec() -> StorageSpec:
    """Prompt versions, labels, tags and dependencies in SQL."""
    return StorageSpec(
        namespace=NAMESPACE,
        repositories=(RepositorySpec(PromptRepository, SqlPrompts, MemoryPrompts),),
        sql_migrations="spyglass_prompts.storage.migrations",
        # Databases from before per-plugin chains recorded this revision in alembic_version.
        legacy_sql_revisions=("0002",),
    )
