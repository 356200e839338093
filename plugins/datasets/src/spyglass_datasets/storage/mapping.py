"""Row <-> domain mapping of the datasets plugin's tables."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from spyglass_adapters.sql.spi import utc_loaded, utc_value
from spyglass_datasets.domain.datasets import Dataset, DatasetItem, ItemStatus

__all__ = ("dataset_from_row", "dataset_values", "item_from_row", "item_values")


def dataset_from_row(row: sa.Row[Any]) -> Dataset:
    """Dataset from a ``datasets`` row."""
    return Dataset(
        id=row.id,
        project_id=row.project_id,
        name=row.name,
        description=row.description,
        metadata=row.metadata,
        input_schema=row.input_schema,
        expected_output_schema=row.expected_output_schema,
        created_at=utc_loaded(row.created_at),
        updated_at=utc_loaded(row.updated_at),
    )


def dataset_values(dataset: Dataset) -> dict[str, Any]:
    """Column values of a dataset."""
    return {
        "id": dataset.id,
        "project_id": dataset.project_id,
        "name": dataset.name,
        "description": dataset.description,
        # sa.JSON stores Python None as JSON null unless told: keep SQL NULL for "none".
        "metadata": _json(dataset.metadata),
        "input_schema": _json(dataset.input_schema),
        "expected_output_schema": _json(dataset.expected_output_schema),
        "created_at": utc_value(dataset.created_at),
        "updated_at": utc_value(dataset.updated_at),
    }


def item_from_row(row: sa.Row[Any]) -> DatasetItem:
    """DatasetItem (one version) from a ``dataset_item_versions`` row."""
    return DatasetItem(
        id=row.id,
        project_id=row.project_id,
        dataset_id=row.dataset_id,
        input=row.input,
        expected_output=row.expected_output,
        metadata=row.metadata,
        source_trace_id=row.source_trace_id,
        source_observation_id=row.source_observation_id,
        status=ItemStatus(row.status),
        created_at=utc_loaded(row.created_at),
        updated_at=utc_loaded(row.valid_from),
        version=row.version,
        valid_to=utc_loaded(row.valid_to) if row.valid_to is not None else None,
    )


def item_values(item: DatasetItem) -> dict[str, Any]:
    """Column values of one item version."""
    return {
        "project_id": item.project_id,
        "id": item.id,
        "version": item.version,
        "dataset_id": item.dataset_id,
        "status": item.status.value,
        "input": _json(item.input),
        "expected_output": _json(item.expected_output),
        "metadata": _json(item.metadata),
        "source_trace_id": item.source_trace_id,
        "source_observation_id": item.source_observation_id,
        "created_at": utc_value(item.created_at),
        "valid_from": utc_value(item.updated_at),
        "valid_to": utc_value(item.valid_to) if item.valid_to is not None else None,
    }


def _json(value: Any) -> Any:
    return sa.null() if value is None else value
