"""Cross-feature ports over traces: how a feature reads traces and writes scores.

Datasets link items to traces and evaluations score them, without importing the plugin
that stores traces: that plugin implements these ports and provides them through dishka.
When it is not installed, asking the container for them fails, and so does the feature
that needs them, at start-up rather than at the first request.

Contract:

- Every call is scoped to one project; another project's ids read as absent.
- Reads return the newest version of each row; deleted rows are absent.
- ``write_scores`` and ``record_llm_call`` are durable when they return (as API-ingested
  data is): what they wrote becomes readable once the ingestion worker applied it, a few
  hundred milliseconds later.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

import msgspec

from spyglass_core.domain.trace_selection import TraceSelection
from spyglass_core.domain.tracing import Observation, Score, Trace

__all__ = ("LLMCall", "LLMCallTracer", "ScoreWriter", "TraceReader", "TraceTotals")


class TraceTotals(msgspec.Struct, frozen=True, kw_only=True):
    """What a trace took: ``latency`` in seconds from its first observation's start to
    its last one's end (0 without observations), ``total_cost`` in USD summed over its
    observations."""

    trace_id: str
    latency: float
    total_cost: float


class TraceReader(Protocol):
    """Read access to one project's traces, their observations and their scores."""

    async def get_trace(self, project_id: str, trace_id: str) -> Trace | None:
        """The trace, or None."""

    async def get_observation(self, project_id: str, observation_id: str) -> Observation | None:
        """The observation, or None."""

    async def observations_of_trace(self, project_id: str, trace_id: str) -> Sequence[Observation]:
        """Every observation of the trace, by start time."""

    async def scores_of_trace(self, project_id: str, trace_id: str) -> Sequence[Score]:
        """Every score of the trace and of its observations."""

    # --- batch reads: one query per call however many ids -----------------------------

    async def get_traces(self, project_id: str, trace_ids: Sequence[str]) -> Sequence[Trace]:
        """Each of these traces that exists, in any order (absent ids are left out)."""

    async def get_observations(
        self, project_id: str, observation_ids: Sequence[str]
    ) -> Sequence[Observation]:
        """Each of these observations that exists, in any order (absent ids are left out)."""

    async def trace_totals(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> Mapping[str, TraceTotals]:
        """Latency and cost of each trace, by id (every id gets an entry)."""

    async def scores_of_traces(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> Mapping[str, Sequence[Score]]:
        """The scores of each trace and of its observations, by trace id (every id gets
        an entry), each list by timestamp."""

    async def scores_of_dataset_runs(
        self, project_id: str, run_ids: Sequence[str], *, limit: int | None = None
    ) -> Mapping[str, Sequence[Score]]:
        """The scores given to each dataset run as a whole (``Score.dataset_run_id``), by
        run id (every id gets an entry), each list by timestamp; with ``limit``, only the
        newest ``limit`` of each run."""

    async def find_trace_ids(
        self, project_id: str, selection: TraceSelection, *, limit: int
    ) -> Sequence[str]:
        """The ids of at most ``limit`` traces matching ``selection``, newest first."""


class ScoreWriter(Protocol):
    """Records scores as if a client had sent them to the scores API."""

    async def write_scores(self, project_id: str, scores: Sequence[Score]) -> None:
        """Accept these scores (a score with an id already stored replaces it).

        Raises:
            InvalidInput: a score breaks its score config or the score rules; nothing
                was stored.
            RateLimited: ingestion is past its bound; retry later.
            StorageUnavailable: storage failed; nothing was acknowledged.
        """


class LLMCall(msgspec.Struct, frozen=True, kw_only=True):
    """One model call a feature made on a project's behalf (a judge, the playground).

    It is traced as a trace named ``trace_name`` holding one generation. Ids are chosen
    by the caller, so recording the same call again (a retried execution) replaces it
    instead of adding a second one.

    Attributes:
        trace_id: the trace to create (or replace).
        observation_id: the generation's id.
        environment: where the call is filed (``spyglass-llm-as-a-judge`` for judges).
        messages: the prompt as chat messages (``[{"role", "content"}]``).
        output: the answer: its text, or the decoded structured object.
        input_tokens, output_tokens: the provider's usage counts, when it gave them.
        error: why the call failed, when it did (the generation is level ERROR).
    """

    trace_id: str
    observation_id: str
    trace_name: str
    generation_name: str
    environment: str
    model: str
    messages: Sequence[Mapping[str, str]]
    output: Any = None
    model_parameters: Mapping[str, Any] | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    start_time: datetime
    end_time: datetime
    metadata: Mapping[str, Any] | None = None
    error: str | None = None


class LLMCallTracer(Protocol):
    """Records a feature's own LLM calls as traces of the project, priced like any other."""

    async def record_llm_call(self, project_id: str, call: LLMCall) -> None:
        """Trace the call (a trace with one generation).

        Raises:
            RateLimited: ingestion is past its bound; retry later.
            StorageUnavailable: storage failed; nothing was acknowledged.
        """
