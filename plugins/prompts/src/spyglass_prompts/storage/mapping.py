"""Row <-> domain mapping of the prompts plugin's tables."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from spyglass_adapters.sql.spi import utc_loaded, utc_value
from spyglass_prompts.domain.prompts import Prompt, PromptReference, PromptType

__all__ = ("prompt_from_row", "prompt_values", "reference_from_row", "reference_values")


def prompt_from_row(row: sa.Row[Any], labels: list[str], tags: list[str]) -> Prompt:
    """Prompt from a ``prompts`` row, with its labels and its name's tags (both sorted)."""
    return Prompt(
        id=row.id,
        project_id=row.project_id,
        name=row.name,
        version=row.version,
        type=PromptType(row.type),
        prompt=row.prompt,
        config=row.config,
        labels=sorted(labels),
        tags=sorted(tags),
        commit_message=row.commit_message,
        created_by=row.created_by,
        created_at=utc_loaded(row.created_at),
        updated_at=utc_loaded(row.updated_at),
    )


def prompt_values(prompt: Prompt) -> dict[str, Any]:
    """Column values of a prompt version; labels and tags live in their own tables."""
    return {
        "id": prompt.id,
        "project_id": prompt.project_id,
        "name": prompt.name,
        "version": prompt.version,
        "type": prompt.type.value,
        "prompt": prompt.prompt,
        "config": prompt.config,
        "commit_message": prompt.commit_message,
        "created_by": prompt.created_by,
        "created_at": utc_value(prompt.created_at),
        "updated_at": utc_value(prompt.updated_at),
    }


def reference_from_row(row: sa.Row[Any]) -> PromptReference:
    """PromptReference from a ``prompt_dependencies`` row."""
    return PromptReference(name=row.child_name, version=row.child_version, label=row.child_label)


def reference_values(prompt: Prompt, reference: PromptReference) -> dict[str, Any]:
    """Column values of one dependency of ``prompt``."""
    return {
        "project_id": prompt.project_id,
        "parent_id": prompt.id,
        "child_name": reference.name,
        "child_version": reference.version,
        "child_label": reference.label,
    }
