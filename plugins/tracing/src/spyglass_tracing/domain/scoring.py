"""Score configs: the schema a project gives a score name (type, range, categories)."""

from __future__ import annotations

from datetime import datetime

import msgspec

from spyglass_core.domain.tracing import ScoreDataType

__all__ = ("ScoreCategory", "ScoreConfig")


class ScoreCategory(msgspec.Struct, kw_only=True):
    """One allowed value of a categorical (or boolean) score: a label and its number."""

    label: str
    value: float


class ScoreConfig(msgspec.Struct, kw_only=True):
    """How scores of one name are validated; archived configs stay readable."""

    id: str
    project_id: str
    name: str
    data_type: ScoreDataType
    is_archived: bool = False
    min_value: float | None = None
    max_value: float | None = None
    categories: list[ScoreCategory] | None = None
    description: str | None = None
    created_at: datetime
    updated_at: datetime
