"""Wire schemas of the datasets plugin's ``/api/internal`` routes (camelCase JSON).

Lists are ``{items, nextCursor}`` pages with an opaque cursor, as the shell's
``usePaged`` reads them: datasets and runs page by offset (their repositories count
pages that way; a cursor holds the next offset), items by keyset ``(createdAt, id)``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from spyglass_core.domain.cursors import decode_cursor, encode_cursor
from spyglass_datasets.domain.datasets import (
    MAX_ID_LENGTH,
    MAX_NAME_LENGTH,
    Dataset,
    DatasetItem,
    DatasetRun,
)

__all__ = (
    "CreateItemRequest",
    "DatasetDetail",
    "DatasetListPage",
    "DatasetView",
    "ItemDetail",
    "ItemListPage",
    "ItemVersionView",
    "ItemView",
    "NewDatasetRequest",
    "RunListPage",
    "RunView",
    "UpdateItemRequest",
    "dataset_view",
    "decode_offset_cursor",
    "encode_offset_cursor",
    "item_view",
    "run_view",
    "version_view",
)


class NewDatasetRequest(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Create a dataset (an existing name is a 409)."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_NAME_LENGTH)]
    description: str | None = None
    metadata: Any = None
    input_schema: Any = None
    expected_output_schema: Any = None


class CreateItemRequest(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A new item of the dataset (``id`` generated when absent), e.g. from a trace."""

    input: Any = None
    expected_output: Any = None
    metadata: Any = None
    source_trace_id: str | None = None
    source_observation_id: str | None = None
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_ID_LENGTH)] | None = None


class UpdateItemRequest(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A new version of an item; an absent or null field keeps its value.

    ``status: "ARCHIVED"`` archives the item, ``"ACTIVE"`` brings it back.
    """

    input: Any = None
    expected_output: Any = None
    metadata: Any = None
    status: Literal["ACTIVE", "ARCHIVED"] | None = None


class DatasetView(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A dataset."""

    id: str
    name: str
    description: str | None
    metadata: Any
    input_schema: Any
    expected_output_schema: Any
    created_at: datetime
    updated_at: datetime


class DatasetDetail(DatasetView, frozen=True, kw_only=True, rename="camel"):
    """A dataset with how many active items and runs it has."""

    item_count: int
    run_count: int


class DatasetListPage(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Datasets newest first; ``next_cursor`` is None on the last page."""

    items: list[DatasetView]
    next_cursor: str | None


class ItemView(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """The current version of an item."""

    id: str
    dataset_id: str
    status: str
    input: Any
    expected_output: Any
    metadata: Any
    source_trace_id: str | None
    source_observation_id: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class ItemListPage(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Items in item order (created, then id); ``next_cursor`` None on the last page."""

    items: list[ItemView]
    next_cursor: str | None


class ItemVersionView(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """One version: valid from ``valid_from`` until ``valid_to`` (None: current)."""

    version: int
    status: str
    input: Any
    expected_output: Any
    metadata: Any
    source_trace_id: str | None
    source_observation_id: str | None
    valid_from: datetime
    valid_to: datetime | None


class ItemDetail(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """An item's current version (None once deleted) and every version, newest first."""

    id: str
    dataset_id: str
    dataset_name: str
    current: ItemView | None
    versions: list[ItemVersionView]


class RunView(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """A run of a dataset with its number of run items."""

    id: str
    name: str
    description: str | None
    metadata: Any
    item_count: int
    created_at: datetime
    updated_at: datetime


class RunListPage(msgspec.Struct, frozen=True, kw_only=True, rename="camel"):
    """Runs newest first; ``next_cursor`` is None on the last page."""

    items: list[RunView]
    next_cursor: str | None


def dataset_view(dataset: Dataset) -> DatasetView:
    """The wire shape of a dataset."""
    return DatasetView(
        id=dataset.id,
        name=dataset.name,
        description=dataset.description,
        metadata=dataset.metadata,
        input_schema=dataset.input_schema,
        expected_output_schema=dataset.expected_output_schema,
        created_at=dataset.created_at,
        updated_at=dataset.updated_at,
    )


def item_view(item: DatasetItem) -> ItemView:
    """The wire shape of an item's version as the current one."""
    return ItemView(
        id=item.id,
        dataset_id=item.dataset_id,
        status=item.status.value,
        input=item.input,
        expected_output=item.expected_output,
        metadata=item.metadata,
        source_trace_id=item.source_trace_id,
        source_observation_id=item.source_observation_id,
        version=item.version,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


def version_view(item: DatasetItem) -> ItemVersionView:
    """The wire shape of one version of an item."""
    return ItemVersionView(
        version=item.version,
        status=item.status.value,
        input=item.input,
        expected_output=item.expected_output,
        metadata=item.metadata,
        source_trace_id=item.source_trace_id,
        source_observation_id=item.source_observation_id,
        valid_from=item.valid_from,
        valid_to=item.valid_to,
    )


def run_view(run: DatasetRun, item_count: int) -> RunView:
    """The wire shape of a run."""
    return RunView(
        id=run.id,
        name=run.name,
        description=run.description,
        metadata=run.metadata,
        item_count=item_count,
        created_at=run.created_at,
        updated_at=run.updated_at,
    )


class _OffsetCursor(msgspec.Struct, frozen=True):
    # Bounded: a forged cursor must be a 400, not an integer the database overflows on.
    offset: Annotated[int, msgspec.Meta(ge=0, le=1_000_000_000)]


def encode_offset_cursor(offset: int) -> str:
    """An opaque cursor holding the offset of the next page."""
    return encode_cursor(_OffsetCursor(offset=offset))


def decode_offset_cursor(cursor: str | None) -> int:
    """The offset a cursor holds (0 without one). Raises: InvalidInput when malformed."""
    return decode_cursor(cursor, _OffsetCursor).offset if cursor else 0
