"""Scores inside experiment responses (``fields=scores``), in the v3 scores shape.

The experiments API returns scores as ``GET /v3/scores`` does: ``value`` typed by
``dataType`` (a number, a boolean, or the category's text).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.tracing import Score, ScoreDataType, decoded_metadata

__all__ = ("ExperimentScore", "experiment_scores")


class ExperimentScore(msgspec.Struct, kw_only=True, rename="camel", omit_defaults=True):
    """One score, as ``GET /api/public/v3/scores`` returns it (without ``subject``)."""

    data_type: str
    value: float | bool | str
    id: str
    project_id: str
    name: str
    source: str
    timestamp: datetime
    environment: str
    created_at: datetime
    updated_at: datetime
    comment: str | None = None
    config_id: str | None = None
    metadata: dict[str, Any] | None = None
    author_user_id: str | None = None
    queue_id: str | None = None


def experiment_scores(scores: Sequence[Score], limit: int) -> list[ExperimentScore]:
    """At most ``limit`` of ``scores`` (newest first) in the v3 shape."""
    newest = sorted(scores, key=lambda score: (score.timestamp, score.id), reverse=True)
    return [_score(score) for score in newest[:limit]]


def _score(score: Score) -> ExperimentScore:
    created = score.created_at or score.timestamp
    return ExperimentScore(
        data_type=score.data_type.value,
        value=_typed_value(score),
        id=score.id,
        project_id=score.project_id,
        name=score.name,
        source=score.source.value,
        timestamp=score.timestamp,
        environment=score.environment,
        created_at=created,
        updated_at=score.updated_at or created,
        comment=score.comment,
        config_id=score.config_id,
        metadata=decoded_metadata(score.metadata) if score.metadata else None,
        author_user_id=score.author_user_id,
        queue_id=score.queue_id,
    )


def _typed_value(score: Score) -> float | bool | str:
    if score.data_type is ScoreDataType.NUMERIC:
        return score.value
    if score.data_type is ScoreDataType.BOOLEAN:
        return score.value != 0
    return score.string_value if score.string_value is not None else ""
