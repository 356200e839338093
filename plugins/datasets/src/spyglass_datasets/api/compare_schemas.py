"""Wire schemas of a run comparison (camelCase JSON), the same on the public and the
internal API; and the opaque keyset cursor of its item rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.cursors import decode_cursor, encode_cursor
from spyglass_core.domain.tracing import Score
from spyglass_datasets.domain.datasets import DatasetItem, ItemCursor
from spyglass_datasets.services.comparison import Comparison, RunCell, RunSummary

__all__ = (
    "ComparisonResponse",
    "ScoreView",
    "comparison_response",
    "decode_item_cursor",
    "encode_item_cursor",
    "score_view",
)


class ScoreView(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A score as the comparison shows it; ``stringValue`` for categorical and boolean."""

    id: str
    name: str
    value: float
    string_value: str | None
    data_type: str
    source: str
    comment: str | None
    trace_id: str | None
    observation_id: str | None
    timestamp: datetime


class NumericScoreView(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Aggregate of one numeric score over a run: percentiles by the inclusive method."""

    count: int
    mean: float
    p50: float
    p95: float


class RunSummaryView(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One run and its aggregates; ``latency`` in seconds, cost in USD."""

    id: str
    name: str
    description: str | None
    metadata: Any
    created_at: datetime
    item_count: int
    numeric_scores: dict[str, NumericScoreView]
    categorical_scores: dict[str, dict[str, int]]
    mean_latency: float | None
    total_cost: float
    run_scores: list[ScoreView]


class RunCellView(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """What one run made of one item."""

    run_item_id: str
    trace_id: str | None
    observation_id: str | None
    output: Any
    latency: float | None
    cost: float | None
    scores: list[ScoreView]


class ComparisonItemView(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A dataset item (its current version) and each run's cell, by run id (null: not run)."""

    id: str
    status: str
    input: Any
    expected_output: Any
    metadata: Any
    runs: dict[str, RunCellView | None]


class ComparisonResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The runs in the order asked, one page of items; ``nextCursor`` null on the last."""

    dataset_id: str
    dataset_name: str
    runs: list[RunSummaryView]
    items: list[ComparisonItemView]
    next_cursor: str | None


def score_view(score: Score) -> ScoreView:
    """The wire shape of a score."""
    return ScoreView(
        id=score.id,
        name=score.name,
        value=score.value,
        string_value=score.string_value,
        data_type=score.data_type.value,
        source=score.source.value,
        comment=score.comment,
        trace_id=score.trace_id,
        observation_id=score.observation_id,
        timestamp=score.timestamp,
    )


def _summary_view(summary: RunSummary) -> RunSummaryView:
    run = summary.run
    return RunSummaryView(
        id=run.id,
        name=run.name,
        description=run.description,
        metadata=run.metadata,
        created_at=run.created_at,
        item_count=summary.item_count,
        numeric_scores={
            name: NumericScoreView(count=n.count, mean=n.mean, p50=n.p50, p95=n.p95)
            for name, n in summary.numeric_scores.items()
        },
        categorical_scores={name: dict(c) for name, c in summary.categorical_scores.items()},
        mean_latency=summary.mean_latency,
        total_cost=summary.total_cost,
        run_scores=[score_view(s) for s in summary.run_scores],
    )


def _cell_view(cell: RunCell | None) -> RunCellView | None:
    if cell is None:
        return None
    return RunCellView(
        run_item_id=cell.run_item.id,
        trace_id=cell.trace_id,
        observation_id=cell.observation_id,
        output=cell.output,
        latency=cell.latency,
        cost=cell.cost,
        scores=[score_view(s) for s in cell.scores],
    )


def _item_view(item: DatasetItem, cells: dict[str, RunCellView | None]) -> ComparisonItemView:
    return ComparisonItemView(
        id=item.id,
        status=item.status.value,
        input=item.input,
        expected_output=item.expected_output,
        metadata=item.metadata,
        runs=cells,
    )


def comparison_response(comparison: Comparison) -> ComparisonResponse:
    """The wire shape of a comparison page."""
    return ComparisonResponse(
        dataset_id=comparison.dataset.id,
        dataset_name=comparison.dataset.name,
        runs=[_summary_view(s) for s in comparison.runs],
        items=[
            _item_view(row.item, {run_id: _cell_view(c) for run_id, c in row.cells.items()})
            for row in comparison.rows
        ],
        next_cursor=encode_item_cursor(comparison.next_cursor) if comparison.next_cursor else None,
    )


def encode_item_cursor(cursor: ItemCursor) -> str:
    """An opaque cursor of an item position."""
    return encode_cursor(cursor)


def decode_item_cursor(text: str | None) -> ItemCursor | None:
    """The item position a cursor holds. Raises: InvalidInput when it is malformed."""
    return decode_cursor(text, ItemCursor) if text else None
