"""Domain events: how features react to each other without importing each other."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

__all__ = (
    "DatasetRunItemsLinked",
    "DomainEvent",
    "ExperimentItemRan",
    "ExperimentItemsRan",
    "ProjectCreated",
    "TracesIngested",
)


class DomainEvent(msgspec.Struct, frozen=True, kw_only=True):
    """Base of every event; ``occurred_at`` is set by whoever raises it."""

    occurred_at: datetime


class ProjectCreated(DomainEvent, frozen=True, kw_only=True):
    """A project now exists; plugins may seed defaults for it."""

    project_id: str
    organization_id: str


class TracesIngested(DomainEvent, frozen=True, kw_only=True):
    """New versions of these traces (or of their observations or scores) are queryable.

    Raised by the ingestion worker after it wrote a batch; online evaluation listens.
    """

    project_id: str
    trace_ids: tuple[str, ...]


class ExperimentItemRan(msgspec.Struct, frozen=True, kw_only=True):
    """One dataset item run by an SDK experiment, as its spans describe it.

    The Langfuse v5 SDK records an experiment only through ``langfuse.experiment.*``
    span attributes (it makes no dataset-run-item call); this is what those attributes
    say about one item, read from the item's root observation. A stored run item reads
    the same way (``DatasetRunReader``, ``DatasetRunItemsLinked``).

    Attributes:
        experiment_id: the run's id (scores of the run carry it as ``datasetRunId``).
        experiment_name: the run's name.
        dataset_id: the dataset the item belongs to; None for local data.
        item_id: the dataset item's id (for local data, a hash of the input).
        item_version: the dataset version the experiment read, when it pinned one.
        trace_id: the trace of this item's run.
        observation_id: the item's root observation (the task span).
        start_time: when the root observation started.
        end_time: when it ended, if it did.
    """

    experiment_id: str
    experiment_name: str
    experiment_description: str | None = None
    experiment_metadata: Any = None
    dataset_id: str | None = None
    item_id: str
    item_version: datetime | None = None
    item_expected_output: Any = None
    item_metadata: Any = None
    trace_id: str
    observation_id: str
    start_time: datetime
    end_time: datetime | None = None


class ExperimentItemsRan(DomainEvent, frozen=True, kw_only=True):
    """Experiment items whose spans are now queryable, from one or more ingested batches.

    Raised by the tracing plugin's ingestion worker; the datasets plugin turns them into
    dataset runs and run items. A replayed batch raises it again: handlers are idempotent.
    """

    project_id: str
    items: tuple[ExperimentItemRan, ...]


class DatasetRunItemsLinked(DomainEvent, frozen=True, kw_only=True):
    """Run items a client linked to a dataset run (``POST /dataset-run-items``, the v2
    SDK's ``item.link``), committed with them; online evaluation of experiment items listens.

    Raised by the datasets plugin in the transaction that stores the run items. Not raised
    for run items it records from ``ExperimentItemsRan``: that event already reached its
    listeners. A distinct type (rather than another ``ExperimentItemsRan``) so the plugin
    that records SDK experiments does not record these run items a second time. Each item
    describes the run item as ``DatasetRunReader`` does: the run is the experiment, the
    run item's creation time its start, and ``observation_id`` is empty for a run item
    that links only a trace. A client posting the same link twice raises it twice, and a
    relay may deliver it twice: handlers are idempotent.
    """

    project_id: str
    items: tuple[ExperimentItemRan, ...]
