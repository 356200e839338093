"""Wire schemas of the datasets API (camelCase JSON, Langfuse's shapes)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

import msgspec

from spyglass_datasets.domain.datasets import Dataset, DatasetItem

__all__ = (
    "CreateDatasetItemRequest",
    "CreateDatasetRequest",
    "DatasetItemPage",
    "DatasetItemResponse",
    "DatasetPage",
    "DatasetResponse",
    "DatasetWithItems",
    "DeleteDatasetItemResponse",
    "PageMeta",
    "dataset_response",
    "item_response",
)


class CreateDatasetRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """``POST /v2/datasets`` and ``POST /datasets``: create, or update by name."""

    name: str
    description: str | None = None
    metadata: Any = None
    input_schema: Any = None
    expected_output_schema: Any = None


class CreateDatasetItemRequest(msgspec.Struct, kw_only=True, rename="camel"):
    """``POST /dataset-items``: create, or update by ``id``."""

    dataset_name: str
    input: Any = None
    expected_output: Any = None
    metadata: Any = None
    source_trace_id: str | None = None
    source_observation_id: str | None = None
    id: str | None = None
    status: Literal["ACTIVE", "ARCHIVED"] | None = None


class PageMeta(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Langfuse's numbered-page metadata (pages from 1)."""

    page: int
    limit: int
    total_items: int
    total_pages: int


class DatasetResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A dataset as Langfuse returns it."""

    id: str
    name: str
    description: str | None
    metadata: Any
    input_schema: Any
    expected_output_schema: Any
    project_id: str
    created_at: datetime
    updated_at: datetime


class DatasetItemResponse(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A dataset item as Langfuse returns it; the SDKs require ``mediaReferences``."""

    id: str
    status: Literal["ACTIVE", "ARCHIVED"]
    input: Any
    expected_output: Any
    metadata: Any
    source_trace_id: str | None
    source_observation_id: str | None
    dataset_id: str
    dataset_name: str
    created_at: datetime
    updated_at: datetime
    media_references: list[dict[str, Any]] = msgspec.field(default_factory=list)


class DatasetWithItems(DatasetResponse, frozen=True, kw_only=True, rename="camel"):
    """Legacy ``GET /datasets/{name}``: the dataset, its active items and its runs' names."""

    items: list[DatasetItemResponse]
    runs: list[str]


class DatasetPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of datasets."""

    data: list[DatasetResponse]
    meta: PageMeta


class DatasetItemPage(msgspec.Struct, frozen=True, kw_only=True):
    """A page of dataset items."""

    data: list[DatasetItemResponse]
    meta: PageMeta


class DeleteDatasetItemResponse(msgspec.Struct, frozen=True, kw_only=True):
    """``DELETE /dataset-items/{id}``."""

    message: str


def dataset_response(dataset: Dataset) -> DatasetResponse:
    """The wire shape of a dataset."""
    return DatasetResponse(
        id=dataset.id,
        name=dataset.name,
        description=dataset.description,
        metadata=dataset.metadata,
        input_schema=dataset.input_schema,
        expected_output_schema=dataset.expected_output_schema,
        project_id=dataset.project_id,
        created_at=dataset.created_at,
        updated_at=dataset.updated_at,
    )


def item_response(item: DatasetItem, dataset_names: Mapping[str, str]) -> DatasetItemResponse:
    """The wire shape of an item (its current or requested version)."""
    return DatasetItemResponse(
        id=item.id,
        status=item.status.value,
        input=item.input,
        expected_output=item.expected_output,
        metadata=item.metadata,
        source_trace_id=item.source_trace_id,
        source_observation_id=item.source_observation_id,
        dataset_id=item.dataset_id,
        dataset_name=dataset_names.get(item.dataset_id, ""),
        created_at=item.created_at,
        updated_at=item.updated_at,
    )
