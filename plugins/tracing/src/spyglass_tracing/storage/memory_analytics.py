"""In-memory analytics store: the newest version of each row, in dicts.

It behaves like the ClickHouse adapter where tests can tell: datetimes come back as
UTC with millisecond precision (``DateTime64(3)``), a missing ``event_ts`` is set to the
write time, and a delete removes every version so a later write may recreate the row.
Queries follow ClickHouse's rules too: a condition on a NULL value never holds (except
``is null``), a missing metadata key reads as ``""``, NULLs sort last in both
directions, and costs are summed as decimals.
"""

from __future__ import annotations

import copy
import enum
import operator
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NamedTuple, TypeVar

import msgspec

from spyglass_core.domain.errors import InvalidInput
from spyglass_core.domain.tracing import Observation, Score, Trace
from spyglass_tracing.domain.filter_columns import (
    OBSERVATION_FILTERS,
    SCORE_FILTERS,
    TRACE_FILTERS,
    TRACE_ORDER_FIELDS,
    FilterColumn,
)
from spyglass_tracing.domain.queries import (
    DailyMetric,
    DailyModelUsage,
    FilterCondition,
    MetricsQuery,
    ObservationQuery,
    Page,
    ScoreQuery,
    Session,
    SessionQuery,
    TraceMetrics,
    TraceQuery,
    checked_condition,
)
from spyglass_tracing.domain.time import utc
from spyglass_tracing.ports.analytics import AnalyticsStore

__all__ = ("MemoryAnalyticsStore",)

_Row = TypeVar("_Row", Trace, Observation, Score)
_Item = TypeVar("_Item")
_Key = tuple[str, str]


def _normalize_datetime(value: datetime) -> datetime:
    value = utc(value)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def _stored(row: _Row, now: datetime) -> _Row:
    """A private copy of ``row`` as the database would keep it."""
    changes = {
        field: _normalize_datetime(value)
        for field in row.__struct_fields__
        if isinstance(value := getattr(row, field), datetime)
    }
    if row.event_ts is None:
        changes["event_ts"] = _normalize_datetime(now)
    return msgspec.structs.replace(copy.deepcopy(row), **changes)


def _keep_newest(table: dict[_Key, _Row], rows: Sequence[_Row]) -> None:
    now = datetime.now(UTC)
    for row in rows:
        new = _stored(row, now)
        key = (new.project_id, new.id)
        old = table.get(key)
        # Equal event_ts: the contract lets any version win; here the later write does.
        if old is None or _event_ts(new) >= _event_ts(old):
            table[key] = new


def _event_ts(row: Trace | Observation | Score) -> datetime:
    assert row.event_ts is not None  # set by _stored
    return row.event_ts


def _live(row: _Row | None) -> _Row | None:
    return None if row is None or row.is_deleted else copy.deepcopy(row)


# --- filter conditions, evaluated like the ClickHouse adapter's SQL ----------------------

_COMPARE: Mapping[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}
# What ClickHouse's toFloat64OrNull accepts: no blanks, underscores or hex, unlike float().
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|[+-]?(inf|nan)", re.IGNORECASE)


def _getter(field: str) -> Callable[[Any], Any]:
    """Reads the domain ``field`` of a row; an enum reads as its value, as stored."""

    def get(row: Any) -> Any:
        value = getattr(row, field)
        return value.value if isinstance(value, enum.Enum) else value

    return get


class _Field(NamedTuple):
    """A filterable API column: how to read it and the filter types it accepts.

    With ``on_trace``, ``get`` reads the row's trace rather than the row.
    """

    get: Callable[[Any], Any]
    types: frozenset[str]
    on_trace: bool = False


def _fields(columns: Mapping[str, FilterColumn]) -> Mapping[str, _Field]:
    """The getters of a ``filter_columns`` declaration."""
    return {
        name: _Field(_getter(column.field), column.types, column.on_trace)
        for name, column in columns.items()
    }


_TRACE_FIELDS = _fields(TRACE_FILTERS)
_OBSERVATION_FIELDS = _fields(OBSERVATION_FILTERS)
_SCORE_FIELDS = _fields(SCORE_FILTERS)
_TRACE_ORDER = {name: _getter(field) for name, field in TRACE_ORDER_FIELDS.items()}


def _number(text: str) -> float | None:
    return float(text) if _NUMBER.fullmatch(text) else None


def _string_holds(op: str, value: str, wanted: str) -> bool:
    if op == "=":
        return value == wanted
    if op == "contains":
        return wanted in value
    if op == "does not contain":
        return wanted not in value
    if op == "starts with":
        return value.startswith(wanted)
    return value.endswith(wanted)


def _array_holds(op: str, value: Iterable[str], wanted: Iterable[str]) -> bool:
    present, asked = set(value), set(wanted)
    if op == "all of":
        return asked <= present
    return bool(present & asked) != (op == "none of")


def _holds(condition: FilterCondition, value: Any) -> bool:
    """Whether ``value`` satisfies ``condition`` (already checked), NULL as in SQL."""
    kind, op, wanted = condition.type, condition.operator, condition.value
    if kind == "null":
        return (value is None) == (op == "is null")
    if kind in ("stringObject", "numberObject"):
        value = value.get(condition.key, "")
        if kind == "numberObject":
            value = _number(value)
    if value is None:
        return False
    if kind in ("string", "stringObject"):
        return _string_holds(op, value, wanted)
    if kind == "stringOptions":
        return (value in wanted) != (op == "none of")
    if kind == "arrayOptions":
        return _array_holds(op, value, wanted)
    if kind in ("number", "numberObject"):
        return _COMPARE[op](float(value), float(wanted))
    if kind == "datetime":
        return _COMPARE[op](value, utc(wanted))
    return bool(value == wanted) == (op == "=")  # boolean: "=" or "<>"


def _on_row(condition: FilterCondition, get: Callable[[Any], Any]) -> Callable[[Any], bool]:
    def check(row: Any) -> bool:
        return _holds(condition, get(row))

    return check


def _on_trace(
    condition: FilterCondition,
    get: Callable[[Any], Any],
    trace_of: Callable[[Any], Trace | None],
) -> Callable[[Any], bool]:
    """A condition on the row's live trace; a row without one never matches."""

    def check(row: Any) -> bool:
        trace = trace_of(row)
        return trace is not None and _holds(condition, get(trace))

    return check


def _predicate(
    conditions: Sequence[FilterCondition],
    fields: Mapping[str, _Field],
    trace_of: Callable[[Any], Trace | None],
) -> Callable[[Any], bool]:
    """One test for all ``conditions``; ``trace_of`` finds a row's live trace."""
    checks: list[Callable[[Any], bool]] = []
    for condition in conditions:
        found = checked_condition(condition, fields)
        if found.on_trace:
            checks.append(_on_trace(condition, found.get, trace_of))
        else:
            checks.append(_on_row(condition, found.get))
    return lambda row: all(check(row) for check in checks)


def _in_range(value: datetime, start: datetime | None, end: datetime | None) -> bool:
    return (start is None or value >= utc(start)) and (end is None or value < utc(end))


def _page(rows: Sequence[_Item], offset: int, limit: int, with_total: bool = True) -> Page[_Item]:
    if limit < 0 or offset < 0:
        raise InvalidInput("Invalid page", details="limit and offset must not be negative")
    items = [copy.deepcopy(row) for row in rows[offset : offset + limit]]
    return Page(items=items, total=len(rows) if with_total else None)


def _newest_first(rows: Iterable[_Row], when: Callable[[_Row], datetime]) -> list[_Row]:
    return sorted(rows, key=lambda row: (when(row), row.id), reverse=True)


def _after(when: datetime, row_id: str, after: tuple[datetime, str] | None) -> bool:
    """Strictly after ``after`` in (time desc, id desc) order."""
    if after is None:
        return True
    last_time, last_id = utc(after[0]), after[1]
    return when < last_time or (when == last_time and row_id < last_id)


def _sorted_traces(traces: list[Trace], query: TraceQuery) -> list[Trace]:
    """Ordered like ClickHouse: by the column then id, one direction, NULLs last."""
    get = _TRACE_ORDER.get(query.order_by)
    if get is None:
        raise InvalidInput("Invalid orderBy", details=f"cannot order traces by '{query.order_by}'")
    valued = [trace for trace in traces if get(trace) is not None]
    null = [trace for trace in traces if get(trace) is None]
    valued.sort(key=lambda trace: (get(trace), trace.id), reverse=query.order_desc)
    null.sort(key=lambda trace: trace.id, reverse=query.order_desc)
    return valued + null


def _decimal_sum(values: Iterable[float | None]) -> float:
    """The sum ClickHouse's Decimal64 columns give, not the float one."""
    return float(sum((Decimal(repr(value)) for value in values if value is not None), Decimal()))


def _trace_metrics(trace_id: str, observations: list[Observation]) -> TraceMetrics:
    if not observations:
        return TraceMetrics(trace_id=trace_id, latency=0.0, total_cost=0.0)
    first = min(obs.start_time for obs in observations)
    last = max(obs.end_time or obs.start_time for obs in observations)
    return TraceMetrics(
        trace_id=trace_id,
        latency=(last - first).total_seconds(),
        total_cost=_decimal_sum(obs.total_cost for obs in observations),
        observation_ids=[
            obs.id for obs in sorted(observations, key=lambda obs: (obs.start_time, obs.id))
        ],
    )


def _model_usage(model: str | None, observations: list[Observation]) -> DailyModelUsage:
    def usage(key: str) -> int:
        return sum(obs.usage_details.get(key, 0) for obs in observations)

    return DailyModelUsage(
        model=model,
        input_usage=usage("input"),
        output_usage=usage("output"),
        total_usage=usage("total"),
        count_observations=len(observations),
        count_traces=len({obs.trace_id for obs in observations}),
        total_cost=_decimal_sum(obs.total_cost for obs in observations),
    )


def _daily_metric(day: str, traces: int, observations: list[Observation]) -> DailyMetric:
    by_model: dict[str | None, list[Observation]] = defaultdict(list)
    for obs in observations:
        by_model[obs.provided_model_name].append(obs)
    usage = [
        _model_usage(model, by_model[model])
        for model in sorted(by_model, key=lambda model: (model is None, model or ""))
    ]
    return DailyMetric(
        date=day,
        count_traces=traces,
        count_observations=len(observations),
        total_cost=_decimal_sum(item.total_cost for item in usage),
        usage=usage,
    )


class MemoryAnalyticsStore(AnalyticsStore):
    """Traces, observations and scores keyed by (project_id, id); for tests."""

    def __init__(self) -> None:
        self._traces: dict[_Key, Trace] = {}
        self._observations: dict[_Key, Observation] = {}
        self._scores: dict[_Key, Score] = {}

    async def upsert_traces(self, traces: Sequence[Trace]) -> None:
        """Keep each trace unless a newer version is already stored."""
        _keep_newest(self._traces, traces)

    async def upsert_observations(self, observations: Sequence[Observation]) -> None:
        """Keep each observation unless a newer version is already stored."""
        _keep_newest(self._observations, observations)

    async def upsert_scores(self, scores: Sequence[Score]) -> None:
        """Keep each score unless a newer version is already stored."""
        _keep_newest(self._scores, scores)

    async def get_trace(self, project_id: str, trace_id: str) -> Trace | None:
        """The newest version of a trace, or None when absent or deleted."""
        return _live(self._traces.get((project_id, trace_id)))

    async def get_observation(self, project_id: str, observation_id: str) -> Observation | None:
        """The newest version of an observation, or None when absent or deleted."""
        return _live(self._observations.get((project_id, observation_id)))

    async def get_score(self, project_id: str, score_id: str) -> Score | None:
        """The newest version of a score, or None when absent or deleted."""
        return _live(self._scores.get((project_id, score_id)))

    async def list_observations(self, project_id: str, trace_id: str) -> Sequence[Observation]:
        """The observations of one trace, ordered by start time then id."""
        found = [
            copy.deepcopy(obs)
            for (project, _), obs in self._observations.items()
            if project == project_id and obs.trace_id == trace_id and not obs.is_deleted
        ]
        return sorted(found, key=lambda obs: (obs.start_time, obs.id))

    async def list_scores(self, project_id: str, trace_id: str) -> Sequence[Score]:
        """The scores attached to one trace, ordered by timestamp then id."""
        found = [
            copy.deepcopy(score)
            for (project, _), score in self._scores.items()
            if project == project_id and score.trace_id == trace_id and not score.is_deleted
        ]
        return sorted(found, key=lambda score: (score.timestamp, score.id))

    async def delete_traces(self, project_id: str, trace_ids: Sequence[str]) -> None:
        """Delete traces and their observations. Unknown ids are a no-op."""
        doomed = set(trace_ids)
        for trace_id in doomed:
            self._traces.pop((project_id, trace_id), None)
        for key in [
            key
            for key, obs in self._observations.items()
            if key[0] == project_id and obs.trace_id in doomed
        ]:
            del self._observations[key]

    async def delete_scores(self, project_id: str, score_ids: Sequence[str]) -> None:
        """Delete scores. Unknown ids are a no-op."""
        for score_id in score_ids:
            self._scores.pop((project_id, score_id), None)

    # --- reads over many rows -------------------------------------------------------------

    def _live_rows(self, table: dict[_Key, _Row], project_id: str) -> list[_Row]:
        """The live rows of one project, not copied: callers copy what they return."""
        return [
            row
            for (project, _), row in table.items()
            if project == project_id and not row.is_deleted
        ]

    def _trace_finder(self, project_id: str) -> Callable[[Any], Trace | None]:
        def trace_of(row: Any) -> Trace | None:
            trace = self._traces.get((project_id, row.trace_id))
            return None if trace is None or trace.is_deleted else trace

        return trace_of

    async def get_traces(self, project_id: str, trace_ids: Sequence[str]) -> Sequence[Trace]:
        """The newest live version of each of these traces that exists (any order)."""
        found = (_live(self._traces.get((project_id, i))) for i in dict.fromkeys(trace_ids))
        return [trace for trace in found if trace is not None]

    async def get_observations(
        self, project_id: str, observation_ids: Sequence[str]
    ) -> Sequence[Observation]:
        """The newest live version of each of these observations that exists (any order)."""
        keys = dict.fromkeys(observation_ids)
        found = (_live(self._observations.get((project_id, i))) for i in keys)
        return [obs for obs in found if obs is not None]

    async def get_scores(self, project_id: str, score_ids: Sequence[str]) -> Sequence[Score]:
        """The newest live version of each of these scores that exists (any order)."""
        found = (_live(self._scores.get((project_id, i))) for i in dict.fromkeys(score_ids))
        return [score for score in found if score is not None]

    def _matching_traces(self, project_id: str, query: TraceQuery) -> list[Trace]:
        matches = _predicate(query.filters, _TRACE_FIELDS, lambda row: None)
        tags = set(query.tags)
        return [
            trace
            for trace in self._live_rows(self._traces, project_id)
            if (query.user_id is None or trace.user_id == query.user_id)
            and (query.name is None or trace.name == query.name)
            and (query.session_id is None or trace.session_id == query.session_id)
            and (query.version is None or trace.version == query.version)
            and (query.release is None or trace.release == query.release)
            and _in_range(trace.timestamp, query.from_timestamp, query.to_timestamp)
            and (not query.environments or trace.environment in query.environments)
            and tags <= set(trace.tags)
            and matches(trace)
        ]

    async def find_traces(self, project_id: str, query: TraceQuery) -> Page[Trace]:
        """Traces matching ``query``, ordered as it says, one offset page with the total."""
        traces = _sorted_traces(self._matching_traces(project_id, query), query)
        return _page(traces, query.offset, query.limit)

    async def find_observations(
        self, project_id: str, query: ObservationQuery
    ) -> Page[Observation]:
        """Observations matching ``query``, newest ``start_time`` first (then id desc)."""
        trace_of = self._trace_finder(project_id)
        matches = _predicate(query.filters, _OBSERVATION_FIELDS, trace_of)

        def on_trace(obs: Observation) -> bool:
            if query.user_id is None and query.session_id is None:
                return True
            trace = trace_of(obs)
            return (
                trace is not None
                and (query.user_id is None or trace.user_id == query.user_id)
                and (query.session_id is None or trace.session_id == query.session_id)
            )

        found = [
            obs
            for obs in self._live_rows(self._observations, project_id)
            if (query.trace_id is None or obs.trace_id == query.trace_id)
            and (query.name is None or obs.name == query.name)
            and (query.type is None or obs.type.value == query.type)
            and (query.level is None or obs.level.value == query.level)
            and (
                query.parent_observation_id is None
                or obs.parent_observation_id == query.parent_observation_id
            )
            and (query.version is None or obs.version == query.version)
            and (not query.environments or obs.environment in query.environments)
            and _in_range(obs.start_time, query.from_start_time, query.to_start_time)
            and (query.is_root is None or (obs.parent_observation_id is None) == query.is_root)
            and _after(obs.start_time, obs.id, query.after)
            and on_trace(obs)
            and matches(obs)
        ]
        ordered = _newest_first(found, lambda obs: obs.start_time)
        return _page(ordered, query.offset, query.limit, query.with_total)

    async def find_scores(self, project_id: str, query: ScoreQuery) -> Page[Score]:
        """Scores matching ``query``, newest ``timestamp`` first (then id desc)."""
        trace_of = self._trace_finder(project_id)
        matches = _predicate(query.filters, _SCORE_FIELDS, trace_of)
        value_ok = _score_value_test(query)
        trace_tags = set(query.trace_tags)

        def on_trace(score: Score) -> bool:
            if query.user_id is None and not trace_tags:
                return True
            trace = trace_of(score) if score.trace_id is not None else None
            return (
                trace is not None
                and (query.user_id is None or trace.user_id == query.user_id)
                and trace_tags <= set(trace.tags)
            )

        def any_of(values: Sequence[str], value: str | None) -> bool:
            return not values or (value is not None and value in values)

        found = [
            score
            for score in self._live_rows(self._scores, project_id)
            if any_of(query.ids, score.id)
            and any_of(query.names, score.name)
            and any_of(query.sources, score.source.value)
            and any_of(query.data_types, score.data_type.value)
            and any_of(query.environments, score.environment)
            and any_of(query.config_ids, score.config_id)
            and any_of(query.queue_ids, score.queue_id)
            and any_of(query.author_user_ids, score.author_user_id)
            and any_of(query.string_values, score.string_value)
            and any_of(query.observation_ids, score.observation_id)
            and (query.trace_id is None or score.trace_id == query.trace_id)
            and (query.session_id is None or score.session_id == query.session_id)
            and (query.dataset_run_id is None or score.dataset_run_id == query.dataset_run_id)
            and _in_range(score.timestamp, query.from_timestamp, query.to_timestamp)
            and _after(score.timestamp, score.id, query.after)
            and value_ok(score.value)
            and on_trace(score)
            and matches(score)
        ]
        ordered = _newest_first(found, lambda score: score.timestamp)
        return _page(ordered, query.offset, query.limit, query.with_total)

    def _sessions(self, project_id: str) -> dict[str, Session]:
        """Every session of the project, created at its first trace (ties: smallest id)."""
        firsts: dict[str, Trace] = {}
        for trace in self._live_rows(self._traces, project_id):
            if trace.session_id is None:
                continue
            first = firsts.get(trace.session_id)
            if first is None or (trace.timestamp, trace.id) < (first.timestamp, first.id):
                firsts[trace.session_id] = trace
        return {
            session_id: Session(
                id=session_id,
                project_id=project_id,
                created_at=first.timestamp,
                environment=first.environment,
            )
            for session_id, first in firsts.items()
        }

    async def find_sessions(self, project_id: str, query: SessionQuery) -> Page[Session]:
        """Sessions (distinct ``session_id`` of live traces), newest first (then id)."""
        found = [
            session
            for session in self._sessions(project_id).values()
            if _in_range(session.created_at, query.from_timestamp, query.to_timestamp)
            and (not query.environments or session.environment in query.environments)
        ]
        found.sort(key=lambda session: session.id)
        found.sort(key=lambda session: session.created_at, reverse=True)
        return _page(found, query.offset, query.limit)

    async def get_session(self, project_id: str, session_id: str) -> Session | None:
        """One session, or None when no live trace carries this ``session_id``."""
        return self._sessions(project_id).get(session_id)

    async def session_traces(self, project_id: str, session_id: str) -> Sequence[Trace]:
        """Every live trace of a session, oldest first."""
        found = [
            copy.deepcopy(trace)
            for trace in self._live_rows(self._traces, project_id)
            if trace.session_id == session_id
        ]
        return sorted(found, key=lambda trace: (trace.timestamp, trace.id))

    async def trace_metrics(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> dict[str, TraceMetrics]:
        """Latency, total cost and observation ids of each trace (every id gets an entry)."""
        by_trace: dict[str, list[Observation]] = {trace_id: [] for trace_id in trace_ids}
        for obs in self._live_rows(self._observations, project_id):
            if obs.trace_id in by_trace:
                by_trace[obs.trace_id].append(obs)
        return {trace_id: _trace_metrics(trace_id, obs) for trace_id, obs in by_trace.items()}

    async def scores_of_traces(
        self, project_id: str, trace_ids: Sequence[str]
    ) -> dict[str, list[Score]]:
        """The scores attached to each trace, by trace id (every id gets an entry)."""
        by_trace: dict[str, list[Score]] = {trace_id: [] for trace_id in trace_ids}
        live = self._live_rows(self._scores, project_id)
        for score in sorted(live, key=lambda score: (score.timestamp, score.id)):
            if score.trace_id in by_trace:
                by_trace[score.trace_id].append(copy.deepcopy(score))
        return by_trace

    async def daily_metrics(self, project_id: str, query: MetricsQuery) -> Page[DailyMetric]:
        """Per-day counts, costs and usage by model, newest day first, with the total."""
        tags = set(query.tags)
        day_of: dict[str, str] = {
            trace.id: trace.timestamp.date().isoformat()
            for trace in self._live_rows(self._traces, project_id)
            if (query.trace_name is None or trace.name == query.trace_name)
            and (query.user_id is None or trace.user_id == query.user_id)
            and tags <= set(trace.tags)
            and (not query.environments or trace.environment in query.environments)
            and _in_range(trace.timestamp, query.from_timestamp, query.to_timestamp)
        }
        traces_per_day: dict[str, int] = defaultdict(int)
        for day in day_of.values():
            traces_per_day[day] += 1
        observations: dict[str, list[Observation]] = defaultdict(list)
        for obs in self._live_rows(self._observations, project_id):
            if obs.trace_id in day_of:
                observations[day_of[obs.trace_id]].append(obs)
        days = sorted(traces_per_day, reverse=True)
        page = _page(days, query.offset, query.limit)
        items = [_daily_metric(day, traces_per_day[day], observations[day]) for day in page.items]
        return Page(items=items, total=page.total)

    async def ping(self) -> None:
        """Always answers."""


def _score_value_test(query: ScoreQuery) -> Callable[[float], bool]:
    """``value_operator`` with ``value`` (only together), then ``value_min``/``value_max``."""
    if query.value_operator is not None and query.value_operator not in _COMPARE:
        raise InvalidInput(
            "Invalid filter", details=f"unsupported operator '{query.value_operator}'"
        )
    compare = (
        _COMPARE[query.value_operator]
        if query.value_operator is not None and query.value is not None
        else None
    )

    def test(value: float) -> bool:
        return (
            (compare is None or compare(value, query.value))
            and (query.value_min is None or value >= query.value_min)
            and (query.value_max is None or value <= query.value_max)
        )

    return test
