"""Datasets, their versioned items, runs and run items.

A dataset item is versioned: every change (create, update, archive, delete) closes the
item's current version (``valid_to``) and, except for a delete, opens a new one
(``valid_from``). The items "as of" a time are the versions valid at that time, so a
run made last week can still be read against the items it saw.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import msgspec

from spyglass_core.domain.errors import InvalidInput

__all__ = (
    "MAX_ID_LENGTH",
    "MAX_NAME_LENGTH",
    "Dataset",
    "DatasetItem",
    "DatasetRun",
    "DatasetRunItem",
    "ItemCursor",
    "ItemFilter",
    "ItemStatus",
    "validate_dataset_name",
    "validate_item_id",
)

MAX_NAME_LENGTH = 255
MAX_ID_LENGTH = 255


class ItemStatus(enum.StrEnum):
    """An archived item stays readable by id but leaves lists and new runs."""

    ACTIVE = "ACTIVE"
    ARCHIVED = "ARCHIVED"


class Dataset(msgspec.Struct, frozen=True, kw_only=True):
    """A named collection of test cases in one project (the name is unique there).

    ``input_schema`` / ``expected_output_schema`` are JSON Schemas every item's input /
    expected output must satisfy, when set.
    """

    id: str
    project_id: str
    name: str
    description: str | None = None
    metadata: Any = None
    input_schema: Any = None
    expected_output_schema: Any = None
    created_at: datetime
    updated_at: datetime


class DatasetItem(msgspec.Struct, frozen=True, kw_only=True):
    """One version of a test case.

    ``version`` counts the item's versions from 1; ``valid_from`` is when this version
    became current (its ``updated_at``), ``valid_to`` when it stopped being (None while
    it is the current one). ``created_at`` is when the item was first created.
    """

    id: str
    project_id: str
    dataset_id: str
    input: Any = None
    expected_output: Any = None
    metadata: Any = None
    source_trace_id: str | None = None
    source_observation_id: str | None = None
    status: ItemStatus = ItemStatus.ACTIVE
    created_at: datetime
    updated_at: datetime
    version: int = 1
    valid_to: datetime | None = None

    @property
    def valid_from(self) -> datetime:
        """When this version became current."""
        return self.updated_at


class ItemFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Which items a list returns; every given field must match.

    ``as_of``: the versions valid at that time instead of the current ones.
    ``include_archived``: archived items too (lists exclude them by default).
    """

    dataset_id: str | None = None
    source_trace_id: str | None = None
    source_observation_id: str | None = None
    as_of: datetime | None = None
    include_archived: bool = False


class ItemCursor(msgspec.Struct, frozen=True, kw_only=True):
    """A keyset position: items after ``(created_at, id)`` in that order."""

    created_at: datetime
    id: str


class DatasetRun(msgspec.Struct, frozen=True, kw_only=True):
    """One execution of an application over a dataset's items (an experiment)."""

    id: str
    project_id: str
    dataset_id: str
    name: str
    description: str | None = None
    metadata: Any = None
    created_at: datetime
    updated_at: datetime


class DatasetRunItem(msgspec.Struct, frozen=True, kw_only=True):
    """Links an item of a run to the trace (and maybe observation) that ran it.

    For a run item built from an SDK experiment's spans, ``created_at`` is when the
    item's task started and ``ended_at`` when it ended; a linked one has no ``ended_at``.
    """

    id: str
    project_id: str
    dataset_run_id: str
    dataset_item_id: str
    trace_id: str | None = None
    observation_id: str | None = None
    created_at: datetime
    ended_at: datetime | None = None


def validate_dataset_name(name: str) -> None:
    """A dataset name is 1 to 255 characters, not only blanks.

    Raises:
        InvalidInput: the name is empty or too long.
    """
    if not name.strip():
        raise InvalidInput("A dataset needs a name")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"A dataset name is at most {MAX_NAME_LENGTH} characters")


def validate_item_id(item_id: str) -> None:
    """An item id is 1 to 255 characters.

    Raises:
        InvalidInput: the id is empty or too long.
    """
    if not item_id:
        raise InvalidInput("A dataset item id cannot be empty")
    if len(item_id) > MAX_ID_LENGTH:
        raise InvalidInput(f"A dataset item id is at most {MAX_ID_LENGTH} characters")
