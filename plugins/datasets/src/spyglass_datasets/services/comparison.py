"""Comparing runs of a dataset: per-run aggregates and the items side by side.

Traces, observations and scores are read only through core's ``TraceReader`` port, in
batches (one call per ``_BATCH`` ids), so a run of thousands of items costs a few
queries. What a run item is judged by:

- its output, latency and cost are its observation's when it names one (latency is the
  observation's end minus its start), else its trace's (the trace's output; latency from
  the first observation's start to the last one's end; cost summed over observations);
- its scores are those of its trace: every score of the trace when the run item names
  only a trace, the trace-level scores and its observation's when it names one.

Scores given to a run as a whole (``Score.dataset_run_id``) are reported per run, apart.
Numeric aggregates use ``statistics.quantiles(method="inclusive")`` (linear
interpolation between the closest ranks, as numpy's default percentile).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import msgspec

from spyglass_core.domain.errors import InvalidInput, NotFound
from spyglass_core.domain.input_limits import json_too_deep
from spyglass_core.domain.tracing import Observation, Score, ScoreDataType
from spyglass_core.ports.traces import TraceReader
from spyglass_core.ports.unit_of_work import UnitOfWorkFactory
from spyglass_datasets.domain.datasets import (
    Dataset,
    DatasetItem,
    DatasetRun,
    DatasetRunItem,
    ItemCursor,
    ItemFilter,
)
from spyglass_datasets.ports import DatasetItemRepository, DatasetRepository, DatasetRunRepository

__all__ = (
    "MAX_COMPARED_RUNS",
    "Comparison",
    "ComparisonRow",
    "DatasetComparison",
    "NumericSummary",
    "RunCell",
    "RunSummary",
)

MAX_COMPARED_RUNS = 10
_BATCH = 500  # ids per TraceReader call
_RUN_ITEMS_PAGE = 1000  # run items read per query for a run's summary
_CATEGORICAL = (ScoreDataType.CATEGORICAL, ScoreDataType.BOOLEAN)


class NumericSummary(msgspec.Struct, frozen=True, kw_only=True):
    """Count, mean and percentiles (inclusive method) of one numeric score's values."""

    count: int
    mean: float
    p50: float
    p95: float


class RunSummary(msgspec.Struct, frozen=True, kw_only=True):
    """One run's aggregates over all its run items.

    ``mean_latency`` is None when no run item has a known latency.
    """

    run: DatasetRun
    item_count: int
    numeric_scores: Mapping[str, NumericSummary]
    categorical_scores: Mapping[str, Mapping[str, int]]
    mean_latency: float | None
    total_cost: float
    run_scores: Sequence[Score]


class RunCell(msgspec.Struct, frozen=True, kw_only=True):
    """What one run made of one item (its newest run item for that item)."""

    run_item: DatasetRunItem
    trace_id: str | None
    observation_id: str | None
    output: Any = None
    latency: float | None = None
    cost: float | None = None
    scores: Sequence[Score] = ()


class ComparisonRow(msgspec.Struct, frozen=True, kw_only=True):
    """A dataset item and, by run id, what each run made of it (None: not run)."""

    item: DatasetItem
    cells: Mapping[str, RunCell | None]


class Comparison(msgspec.Struct, frozen=True, kw_only=True):
    """The runs' summaries (in the order asked; none when not asked for, as for the
    next pages of items) and one keyset page of item rows."""

    dataset: Dataset
    runs: Sequence[RunSummary]
    rows: Sequence[ComparisonRow]
    next_cursor: ItemCursor | None


class _Judged(msgspec.Struct, frozen=True, kw_only=True):
    """A run item with what the trace store says about it."""

    run_item: DatasetRunItem
    trace_id: str | None
    latency: float | None
    cost: float | None
    scores: list[Score]
    output: Any = None


class DatasetComparison:
    """Side-by-side comparison of up to ``MAX_COMPARED_RUNS`` runs of one dataset."""

    def __init__(self, uow_factory: UnitOfWorkFactory, traces: TraceReader) -> None:
        self._uow_factory = uow_factory
        self._traces = traces

    async def by_ids(
        self,
        project_id: str,
        dataset_id: str,
        run_ids: Sequence[str],
        *,
        after: ItemCursor | None,
        limit: int,
        summaries: bool = True,
    ) -> Comparison:
        """Compare the dataset's runs with these ids (``summaries=False``: items only).

        Raises:
            InvalidInput: no run or more than ``MAX_COMPARED_RUNS``.
            NotFound: the dataset, or one of the runs in it, does not exist.
        """
        wanted = _checked(run_ids)
        async with self._uow_factory() as uow:
            dataset = await uow.repository(DatasetRepository).get(project_id, dataset_id)
            if dataset is None:
                raise NotFound("Dataset not found")
            found = {
                r.id: r
                for r in await uow.repository(DatasetRunRepository).get_many(project_id, wanted)
                if r.dataset_id == dataset.id
            }
            missing = [run_id for run_id in wanted if run_id not in found]
            if missing:
                raise NotFound(f"Dataset run '{missing[0]}' not found in this dataset")
            runs = [found[run_id] for run_id in wanted]
        return await self._compare(dataset, runs, after, limit, summaries)

    async def by_names(
        self,
        project_id: str,
        dataset_name: str,
        run_names: Sequence[str],
        *,
        after: ItemCursor | None,
        limit: int,
        summaries: bool = True,
    ) -> Comparison:
        """Compare the dataset's runs with these names (the public API's way).

        Raises:
            InvalidInput: no run or more than ``MAX_COMPARED_RUNS``.
            NotFound: the dataset, or one of the runs, does not exist.
        """
        wanted = _checked(run_names)
        async with self._uow_factory() as uow:
            dataset = await uow.repository(DatasetRepository).get_by_name(project_id, dataset_name)
            if dataset is None:
                raise NotFound(f"Dataset '{dataset_name}' not found")
            runs = []
            for name in wanted:
                run = await uow.repository(DatasetRunRepository).get(project_id, dataset.id, name)
                if run is None:
                    raise NotFound(f"Dataset run '{name}' not found")
                runs.append(run)
        return await self._compare(dataset, runs, after, limit, summaries)

    async def _compare(
        self,
        dataset: Dataset,
        runs: Sequence[DatasetRun],
        after: ItemCursor | None,
        limit: int,
        with_summaries: bool,
    ) -> Comparison:
        project_id = dataset.project_id
        # This plugin's rows are read in one short unit of work, closed before the trace
        # store is read: on SQLite a unit of work holds the write lock while it is open.
        async with self._uow_factory() as uow:
            run_repo = uow.repository(DatasetRunRepository)
            items_of_run = (
                {run.id: await _all_items_of(run_repo, project_id, run.id) for run in runs}
                if with_summaries
                else {}
            )
            items = await uow.repository(DatasetItemRepository).find(
                project_id,
                ItemFilter(dataset_id=dataset.id, include_archived=True),
                after=after,
                limit=limit + 1,
            )
            page, more = list(items[:limit]), len(items) > limit
            linked = await run_repo.items_of(project_id, [r.id for r in runs], [i.id for i in page])
        summaries = []
        if with_summaries:
            run_scores = await self._traces.scores_of_dataset_runs(project_id, [r.id for r in runs])
            for run in runs:
                judged = await self._judge(project_id, items_of_run[run.id], with_output=False)
                summaries.append(_summary(run, judged, run_scores.get(run.id, ())))
        newest: dict[tuple[str, str], DatasetRunItem] = {}
        for run_item in linked:  # oldest first: the newest run item of an (item, run) is kept
            newest[(run_item.dataset_item_id, run_item.dataset_run_id)] = run_item
        judged_cells = {
            (j.run_item.dataset_item_id, j.run_item.dataset_run_id): j
            for j in await self._judge(project_id, list(newest.values()), with_output=True)
        }
        rows = [
            ComparisonRow(
                item=item,
                cells={run.id: _cell(judged_cells.get((item.id, run.id))) for run in runs},
            )
            for item in page
        ]
        cursor = ItemCursor(created_at=page[-1].created_at, id=page[-1].id) if more else None
        return Comparison(dataset=dataset, runs=summaries, rows=rows, next_cursor=cursor)

    async def _judge(
        self, project_id: str, run_items: Sequence[DatasetRunItem], *, with_output: bool
    ) -> list[_Judged]:
        """Latency, cost, scores (and output) of each run item, read in batches."""
        observations: dict[str, Observation] = {}
        for chunk in _chunks(sorted({r.observation_id for r in run_items if r.observation_id})):
            for found in await self._traces.get_observations(project_id, chunk):
                observations[found.id] = found

        def trace_of(run_item: DatasetRunItem) -> str | None:
            if run_item.trace_id is not None:
                return run_item.trace_id
            observation = observations.get(run_item.observation_id or "")
            return observation.trace_id if observation is not None else None

        trace_ids = sorted({t for t in map(trace_of, run_items) if t is not None})
        whole_traces = sorted(
            {t for r in run_items if r.observation_id is None and (t := trace_of(r)) is not None}
        )
        scores: dict[str, Sequence[Score]] = {}
        totals: dict[str, tuple[float, float]] = {}
        outputs: dict[str, Any] = {}
        for chunk in _chunks(trace_ids):
            scores.update(await self._traces.scores_of_traces(project_id, chunk))
        for chunk in _chunks(whole_traces):
            for of, total in (await self._traces.trace_totals(project_id, chunk)).items():
                totals[of] = (total.latency, total.total_cost)
            if with_output:
                for trace in await self._traces.get_traces(project_id, chunk):
                    outputs[trace.id] = _decoded(trace.output)
        judged = []
        for run_item in run_items:
            trace_id = trace_of(run_item)
            of_trace = scores.get(trace_id or "", ())
            observation = observations.get(run_item.observation_id or "")
            if run_item.observation_id is not None:
                own = [s for s in of_trace if s.observation_id in (None, run_item.observation_id)]
                latency, cost, output = _observation_facts(observation)
            else:
                own = list(of_trace)
                latency, cost = totals.get(trace_id or "", (None, None))
                output = outputs.get(trace_id or "")
            judged.append(
                _Judged(
                    run_item=run_item,
                    trace_id=trace_id,
                    latency=latency,
                    cost=cost,
                    scores=own,
                    output=output if with_output else None,
                )
            )
        return judged


def _checked(names: Sequence[str]) -> list[str]:
    wanted = list(dict.fromkeys(n for n in names if n))
    if not wanted:
        raise InvalidInput("Name at least one run to compare")
    if len(wanted) > MAX_COMPARED_RUNS:
        raise InvalidInput(f"At most {MAX_COMPARED_RUNS} runs can be compared at once")
    return wanted


async def _all_items_of(
    runs: DatasetRunRepository, project_id: str, run_id: str
) -> list[DatasetRunItem]:
    items: list[DatasetRunItem] = []
    while True:
        batch, total = await runs.items(
            project_id, run_id, offset=len(items), limit=_RUN_ITEMS_PAGE
        )
        items += batch
        if not batch or len(items) >= total:
            return items


def _chunks(ids: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(ids), _BATCH):
        yield ids[start : start + _BATCH]


def _observation_facts(
    observation: Observation | None,
) -> tuple[float | None, float | None, Any]:
    if observation is None:
        return None, None, None
    latency = None
    if observation.end_time is not None:
        latency = (observation.end_time - observation.start_time).total_seconds()
    return latency, observation.total_cost, _decoded(observation.output)


def _decoded(text: str | None) -> Any:
    """Stored input/output text as the JSON value it holds, else as text."""
    if not text or json_too_deep(text):
        return text
    try:
        return msgspec.json.decode(text)
    except msgspec.DecodeError:
        return text


def _cell(judged: _Judged | None) -> RunCell | None:
    if judged is None:
        return None
    return RunCell(
        run_item=judged.run_item,
        trace_id=judged.trace_id,
        observation_id=judged.run_item.observation_id,
        output=judged.output,
        latency=judged.latency,
        cost=judged.cost,
        scores=judged.scores,
    )


def _category_of(score: Score) -> str:
    """The value a categorical or boolean score is counted under."""
    if score.string_value is not None:
        return score.string_value
    if score.data_type is ScoreDataType.BOOLEAN:
        return "True" if score.value else "False"
    return str(score.value)


def _numeric_summary(values: Sequence[float]) -> NumericSummary:
    """Count, mean, p50 and p95 (``statistics.quantiles``, inclusive method)."""
    if len(values) == 1:
        only = float(values[0])
        return NumericSummary(count=1, mean=only, p50=only, p95=only)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return NumericSummary(
        count=len(values), mean=statistics.fmean(values), p50=cuts[49], p95=cuts[94]
    )


def _summary(run: DatasetRun, judged: Sequence[_Judged], run_scores: Sequence[Score]) -> RunSummary:
    numeric: dict[str, list[float]] = {}
    categorical: dict[str, dict[str, int]] = {}
    for one in judged:
        for score in one.scores:
            if score.data_type is ScoreDataType.NUMERIC:
                numeric.setdefault(score.name, []).append(score.value)
            elif score.data_type in _CATEGORICAL:
                counts = categorical.setdefault(score.name, {})
                counts[_category_of(score)] = counts.get(_category_of(score), 0) + 1
    latencies = [j.latency for j in judged if j.latency is not None]
    return RunSummary(
        run=run,
        item_count=len(judged),
        numeric_scores={name: _numeric_summary(v) for name, v in sorted(numeric.items())},
        categorical_scores={
            name: dict(sorted(counts.items())) for name, counts in sorted(categorical.items())
        },
        mean_latency=statistics.fmean(latencies) if latencies else None,
        total_cost=sum(j.cost or 0.0 for j in judged),
        run_scores=list(run_scores),
    )
