"""Cross-feature port over dataset runs: how a feature reads a run's items.

Evaluations backfill a rule over an existing experiment run without importing the plugin
that stores datasets: that plugin implements this port and provides it through dishka.
Every call is scoped to one project; another project's run reads as absent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from spyglass_core.domain.events import ExperimentItemRan

__all__ = ("DatasetRunReader",)


class DatasetRunReader(Protocol):
    """Reads dataset runs as experiments."""

    async def run_items(
        self, project_id: str, run_id: str, *, limit: int
    ) -> Sequence[ExperimentItemRan] | None:
        """At most ``limit`` items of the run, oldest first, as experiment items (the
        dataset item's current expected output and metadata); None when the project has
        no such run. A run item that links only a trace has an empty ``observation_id``."""
