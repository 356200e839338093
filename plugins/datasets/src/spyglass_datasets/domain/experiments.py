"""Experiments: dataset runs seen through Langfuse's v4 experiments API.

An experiment is a dataset run. Its id is derived from the project, the dataset and the
run's name exactly as the v5 SDK derives it, so a run created by ``POST
/dataset-run-items`` and a run built from ``run_experiment``'s spans with the same name
are one run, and the SDK's run-level scores (``datasetRunId`` = the experiment id) land
on it. Run items recorded from spans get ids derived from what they link, so a batch
applied twice records each item once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec

from spyglass_datasets.domain.datasets import DatasetRun, DatasetRunItem

__all__ = (
    "ExperimentCursor",
    "ExperimentItemQuery",
    "ExperimentQuery",
    "ExperimentSummary",
    "RunItemInRun",
    "experiment_id",
    "run_item_id",
)


def experiment_id(project_id: str, dataset_id: str, run_name: str) -> str:
    """The id the v5 SDK gives a run of ``dataset_id`` named ``run_name`` (16 hex)."""
    key = json.dumps(
        ["langfuse-experiment-v1", project_id, dataset_id, run_name],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def run_item_id(run_id: str, item_id: str, trace_id: str, observation_id: str | None) -> str:
    """A stable id for the run item linking these, so a replayed span records it once."""
    key = json.dumps(["spyglass-run-item-v1", run_id, item_id, trace_id, observation_id or ""])
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


class ExperimentCursor(msgspec.Struct, frozen=True, kw_only=True):
    """A keyset position in a newest-first list: after ``(at, id)``."""

    at: datetime
    id: str


class ExperimentQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Which experiments ``GET /experiments`` lists: activity in ``[start, end)``.

    Empty sequences mean "any".
    """

    start: datetime
    end: datetime | None = None
    ids: Sequence[str] = ()
    names: Sequence[str] = ()
    dataset_ids: Sequence[str] = ()


class ExperimentSummary(msgspec.Struct, frozen=True, kw_only=True):
    """A run with what its items in the queried window add up to.

    ``first_at`` is the earliest item start and ``last_at`` the latest item end (or start,
    when the item's end is unknown) within the window.
    """

    run: DatasetRun
    item_count: int
    first_at: datetime
    last_at: datetime


class ExperimentItemQuery(msgspec.Struct, frozen=True, kw_only=True):
    """Which run items ``GET /experiment-items`` lists: started in ``[start, end)``."""

    start: datetime
    end: datetime | None = None
    experiment_ids: Sequence[str] = ()
    experiment_names: Sequence[str] = ()
    item_ids: Sequence[str] = ()
    dataset_ids: Sequence[str] = ()


class RunItemInRun(msgspec.Struct, frozen=True, kw_only=True):
    """A run item with the run it belongs to."""

    item: DatasetRunItem
    run: DatasetRun


def decoded_metadata(value: Any) -> dict[str, Any] | None:
    """Metadata as the experiments API returns it: an object, or None."""
    if value is None or isinstance(value, dict):
        return value
    return {"metadata": value}
