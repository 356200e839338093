"""Wire schemas of dataset runs (camelCase JSON, Langfuse's shapes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from spyglass_datasets.api.schemas import PageMeta
from spyglass_datasets.domain.datasets import DatasetRun, DatasetRunItem

__all__ = (
    "CreateDatasetRunItemRequest",
    "DatasetRunItemPage",
    "DatasetRunItemResponse",
    "DatasetRunPage",
    "DatasetRunResponse",
    "DatasetRunWithItems",
    "DeleteDatasetRunResponse",
    "run_item_response",
    "run_response",
)


class CreateDatasetRunItemRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """``POST /dataset-run-items``: link a trace or observation to an item in a run."""

    run_name: str
    dataset_item_id: str
    run_description: str | None = None
    metadata: Any = None
    trace_id: str | None = None
    observation_id: str | None = None
    dataset_version: datetime | None = None
    created_at: datetime | None = None


class DatasetRunItemResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A run item as Langfuse returns it."""

    id: str
    dataset_run_id: str
    dataset_run_name: str
    dataset_item_id: str
    trace_id: str | None
    observation_id: str | None
    created_at: datetime
    updated_at: datetime


class DatasetRunResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A run as Langfuse returns it."""

    id: str
    name: str
    description: str | None
    metadata: Any
    dataset_id: str
    dataset_name: str
    created_at: datetime
    updated_at: datetime


class DatasetRunWithItems(DatasetRunResponse, frozen=True, kw_only=True, rename="camel"):
    """``GET /datasets/{name}/runs/{run}``: the run and every run item."""

    dataset_run_items: list[DatasetRunItemResponse]


class DatasetRunPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of runs."""

    data: list[DatasetRunResponse]
    meta: PageMeta


class DatasetRunItemPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of run items."""

    data: list[DatasetRunItemResponse]
    meta: PageMeta


class DeleteDatasetRunResponse(msgspec.Struct, frozen=True, kw_only=True):
    """``DELETE /datasets/{name}/runs/{run}``."""

    message: str


def run_response(run: DatasetRun, dataset_name: str) -> DatasetRunResponse:
    """The wire shape of a run."""
    return DatasetRunResponse(
        id=run.id,
        name=run.name,
        description=run.description,
        metadata=run.metadata,
        dataset_id=run.dataset_id,
        dataset_name=dataset_name,
        created_at=run.created_at,
        updated_at=run.updated_at,
    )


def run_item_response(item: DatasetRunItem, run: DatasetRun) -> DatasetRunItemResponse:
    """The wire shape of a run item (run items do not change: updatedAt is createdAt)."""
    return DatasetRunItemResponse(
        id=item.id,
        dataset_run_id=run.id,
        dataset_run_name=run.name,
        dataset_item_id=item.dataset_item_id,
        trace_id=item.trace_id,
        observation_id=item.observation_id,
        created_at=item.created_at,
        updated_at=item.created_at,
    )
