"""The worker half of ingestion: fold stored batches into the analytics tables.

Batches that arrive while one is being applied wait, and the next holder of the lock
applies all of them together (group commit): one read and one insert per table for many
requests, which is what keeps the embedded engine ahead of a steady stream of spans.
Merging reads the stored row and writes a new version of it, so two concurrent merges
of one row would lose an update. Applying is therefore serialized within a process (the
lock above) and, per project, across processes: a batch redelivered to a second worker,
or ``serve`` and ``spyglass worker`` consuming one queue, take the project's merge lock
(``Locks``, kept by the transactional store) around read, merge and write. Every version
written is later than the versions it was merged from, whatever the writers' clocks say.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import msgspec

from spyglass_core.domain.errors import DomainError, NotFound, StorageUnavailable
from spyglass_core.domain.events import ExperimentItemRan, ExperimentItemsRan, TracesIngested
from spyglass_core.domain.tracing import Observation, Score, Trace
from spyglass_core.ports.blob_store import BlobStore
from spyglass_core.ports.clock import Clock
from spyglass_core.ports.event_publisher import EventPublisher
from spyglass_core.ports.locks import Locks
from spyglass_core.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from spyglass_tracing.domain.cost import ModelMatcher
from spyglass_tracing.domain.ingestion import (
    UNSET,
    EntityEvent,
    EntityKind,
    IngestionBatch,
    TraceBody,
)
from spyglass_tracing.domain.merge import (
    apply_observation_events,
    apply_score_events,
    apply_trace_events,
)
from spyglass_tracing.ports.analytics import AnalyticsStore
from spyglass_tracing.ports.repositories import IngestionBatchRepository
from spyglass_tracing.services.backlog import IngestionBacklog
from spyglass_tracing.services.deletion import DeletedTraces
from spyglass_tracing.services.prices import PriceBook, with_cost

__all__ = ("BatchProcessor", "RetryPolicy", "merge_lock_name")

logger = logging.getLogger(__name__)
_decoder = msgspec.json.Decoder(IngestionBatch)

MAX_GROUP_BATCHES = 64
"""Batches applied together at most, bounding the memory of one group."""


class RetryPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """When a failed batch is retried, and when it is given up on (dead-lettered)."""

    max_attempts: int = 5
    backoff_seconds: float = 10.0
    max_backoff_seconds: float = 3600.0

    def next_attempt(self, attempts: int, now: datetime) -> datetime:
        """When to try again after ``attempts`` failures: the backoff doubles each time."""
        delay = min(self.backoff_seconds * 2 ** max(attempts - 1, 0), self.max_backoff_seconds)
        return now + timedelta(seconds=delay)


# Failures no retry can fix: the stored batch is gone or unreadable.
_PERMANENT_ERRORS: tuple[type[Exception], ...] = (NotFound, msgspec.DecodeError)


class _Waiting(msgspec.Struct):
    batch_id: str
    done: asyncio.Future[None]


class _Changes(msgspec.Struct):
    """What applying batches changed, to announce once the merge lock is released."""

    traces: dict[str, set[str]] = msgspec.field(default_factory=lambda: defaultdict(set))
    experiment_items: dict[str, list[ExperimentItemRan]] = msgspec.field(
        default_factory=lambda: defaultdict(list)
    )

    def add(self, other: _Changes) -> None:
        for project_id, trace_ids in other.traces.items():
            self.traces[project_id] |= trace_ids
        for project_id, items in other.experiment_items.items():
            self.experiment_items[project_id].extend(items)


class _Rows(msgspec.Struct):
    traces: list[Trace]
    observations: list[Observation]
    scores: list[Score]
    trace_ids: dict[str, set[str]]
    newest_stored: datetime | None = None
    """The latest ``event_ts`` among the stored rows merged from."""
    stored: list[Trace | Observation | Score] = msgspec.field(default_factory=list)
    """The stored rows merged from (the store records rows moved to another day)."""

    def saw(self, stored: Sequence[Trace | Observation | Score]) -> None:
        self.stored.extend(stored)
        for row in stored:
            if row.event_ts is not None and (
                self.newest_stored is None or row.event_ts > self.newest_stored
            ):
                self.newest_stored = row.event_ts


def merge_lock_name(project_id: str) -> str:
    """The lock every process takes before merging a project's events."""
    return f"tracing.merge:{project_id}"


class BatchProcessor:
    """Applies stored batches to the analytics store, idempotently.

    Args:
        uow: where batch records are read and marked done.
        blobs: where the batches are.
        analytics: the traces, observations and scores tables.
        prices: the price table used to cost generations.
        clock: the time source.
        events: tells other plugins which traces changed.
        locks: the cross-process locks taken around each project's merge.
        deleted: drops events of traces deleted since their batch arrived.
        retry: how failed batches are retried and when they are dead-lettered.
        backlog: counts the events handed to ``process`` and not yet through it, for
            the intake's admission control.
    """

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        blobs: BlobStore,
        analytics: AnalyticsStore,
        prices: PriceBook,
        clock: Clock,
        events: EventPublisher,
        locks: Locks,
        *,
        deleted: DeletedTraces,
        retry: RetryPolicy | None = None,
        backlog: IngestionBacklog | None = None,
    ) -> None:
        self._uow = uow
        self._backlog = backlog or IngestionBacklog()
        self._deleted = deleted
        self._blobs = blobs
        self._analytics = analytics
        self._retry = retry or RetryPolicy()
        self._prices = prices
        self._clock = clock
        self._events = events
        self._locks = locks
        self._lock = asyncio.Lock()
        self._waiting: list[_Waiting] = []
        self._last_event_ts: datetime | None = None

    async def process(self, batch_id: str, *, events: int = 0) -> None:
        """Apply one batch (perhaps together with others waiting); a done batch is skipped.

        Args:
            events: the batch's event count, counted in the backlog until this returns.

        Raises:
            DomainError: storage failed; the batch stays pending and is retried later.
        """
        self._backlog.add(events)
        try:
            await self._process(batch_id)
        finally:
            self._backlog.remove(events)

    async def _process(self, batch_id: str) -> None:
        waiting = _Waiting(batch_id, asyncio.get_running_loop().create_future())
        self._waiting.append(waiting)
        # Each turn of the lock applies the oldest waiting batches; loop until ours is
        # among them (it is at once unless more than a group's worth waited ahead).
        while not waiting.done.done():
            changed = _Changes()
            async with self._lock:
                if not waiting.done.done():
                    group = self._waiting[:MAX_GROUP_BATCHES]
                    del self._waiting[: len(group)]
                    changed = await self._apply_group(group)
            # Announced after the lock is released: a slow queue never holds up ingestion.
            await self._announce(changed)
        await waiting.done

    async def _apply_group(self, group: list[_Waiting]) -> _Changes:
        """Apply the group's batches; what they changed, by project."""
        changed = _Changes()
        try:
            changed.add(await self._apply_ids([item.batch_id for item in group]))
        except Exception as error:
            if len(group) == 1:
                await self._record_failure(group[0].batch_id, error)
                group[0].done.set_exception(error)
                return changed
            # One bad batch must not hold back the others: retry them one by one.
            for item in group:
                try:
                    changed.add(await self._apply_ids([item.batch_id]))
                except Exception as single_error:
                    await self._record_failure(item.batch_id, single_error)
                    item.done.set_exception(single_error)
                else:
                    item.done.set_result(None)
            return changed
        for item in group:
            item.done.set_result(None)
        return changed

    async def _record_failure(self, batch_id: str, error: Exception) -> None:
        """Count a failed run: back off, or dead-letter a batch that cannot succeed.

        An unavailable store is not the batch's fault and is not counted.
        """
        if isinstance(error, StorageUnavailable):
            return
        now = self._clock.now()
        try:
            async with self._uow() as uow:
                batches = uow.repository(IngestionBatchRepository)
                record = await batches.get(batch_id)
                if record is None:
                    return
                attempts = record.attempts + 1
                permanent = isinstance(error, _PERMANENT_ERRORS)
                dead = permanent or attempts >= self._retry.max_attempts
                await batches.record_failure(
                    batch_id,
                    f"{type(error).__name__}: {error}",
                    next_attempt_at=None if dead else self._retry.next_attempt(attempts, now),
                    dead_at=now if dead else None,
                )
                await uow.commit()
        except DomainError as storage_error:
            logger.warning("could not record the failure of batch %s: %s", batch_id, storage_error)
            return
        if dead:
            logger.error(
                "batch %s dead-lettered after %d attempt(s): %s", batch_id, attempts, error
            )

    async def _announce(self, changed: _Changes) -> None:
        """Hand the events staged with the applied batches to their handlers."""
        if changed.traces or any(changed.experiment_items.values()):
            await self._events.flush()

    async def _stage_events(self, uow: UnitOfWork, changed: _Changes) -> None:
        """Write what the batches changed as events, in the transaction that marks them
        done: a batch is never done without its events (they survive a crash)."""
        for project_id, trace_ids in changed.traces.items():
            await self._events.stage(
                uow,
                TracesIngested(
                    occurred_at=self._clock.now(),
                    project_id=project_id,
                    trace_ids=tuple(sorted(trace_ids)),
                ),
            )
        for project_id, items in changed.experiment_items.items():
            if items:
                await self._events.stage(
                    uow,
                    ExperimentItemsRan(
                        occurred_at=self._clock.now(), project_id=project_id, items=tuple(items)
                    ),
                )

    async def _apply_ids(self, batch_ids: Sequence[str]) -> _Changes:
        # One query for the group's records (and one update below): a unit of work
        # holds SQLite's write lock, which the intake needs to acknowledge each batch.
        async with self._uow() as uow:
            records = await uow.repository(IngestionBatchRepository).get_many(batch_ids)
        # Dead-lettered batches wait for an operator's replay, whoever enqueues them.
        pending = [r for r in records if r.processed_at is None and r.dead_at is None]
        if not pending:
            return _Changes()
        blobs = await asyncio.gather(*(self._blobs.get(record.blob_key) for record in pending))
        # Events of traces deleted since these batches arrived must not bring them back.
        # A group's blobs are tens of megabytes of JSON: decoded off the event loop.
        decoded = await asyncio.to_thread(_decode_all, blobs)
        batches, dropped = await self._deleted.drop_deleted(decoded)
        changed = _Changes(traces=defaultdict(set, await self.apply(batches)))
        for batch in batches:
            gone = dropped.get(batch.project_id, set())
            changed.experiment_items[batch.project_id].extend(
                item for item in batch.experiment_items if item.trace_id not in gone
            )
        async with self._uow() as uow:
            await uow.repository(IngestionBatchRepository).mark_many_done(
                [record.id for record in pending], self._clock.now()
            )
            await self._stage_events(uow, changed)
            await uow.commit()
        try:
            await self._deleted.owe_erasure(dropped)
        except DomainError as error:  # the batches are applied: this must not fail them
            logger.warning("could not owe an erasure for dropped events: %s", error.message)
        return changed

    async def apply(self, batches: Sequence[IngestionBatch]) -> dict[str, set[str]]:
        """Merge the batches' events into stored rows and write one version of each.

        Returns:
            The ids of the traces touched, by project.
        """
        by_project: dict[str, list[EntityEvent]] = defaultdict(list)
        for batch in batches:
            by_project[batch.project_id].extend(batch.events)
        rows = _Rows(traces=[], observations=[], scores=[], trace_ids={})
        # Held from the first read to the last write, so another process's merge of the
        # same rows sees this one's result rather than the rows this one started from.
        async with self._locks.hold(merge_lock_name(project) for project in by_project):
            for project_id, events in by_project.items():
                await self._merge_project(project_id, events, rows)
            event_ts = self._next_event_ts(after=rows.newest_stored)
            observations, scores, traces = await asyncio.to_thread(
                _stamped, event_ts, rows.observations, rows.scores, rows.traces
            )
            await self._analytics.write(
                observations=observations, scores=scores, traces=traces, replaces=rows.stored
            )
        return rows.trace_ids

    async def _merge_project(
        self, project_id: str, events: Sequence[EntityEvent], rows: _Rows
    ) -> None:
        # The merging itself is CPU work on thousands of rows per group: it runs in a
        # thread, so that the event loop, which also serves every request, only waits
        # for the interpreter's switch interval and not for a whole group.
        grouped = await asyncio.to_thread(_grouped, events)
        now = self._clock.now()
        observation_events = grouped[EntityKind.OBSERVATION]
        merged_observations: list[Observation] = []
        if observation_events:
            stored = await self._analytics.get_observations(project_id, list(observation_events))
            rows.saw(stored)
            models = await self._prices.matcher(project_id)
            merged_observations = await asyncio.to_thread(
                _merge_observations, observation_events, stored, project_id, now, models
            )
            rows.observations.extend(merged_observations)
        trace_events = grouped[EntityKind.TRACE]
        wanted = set(trace_events) | {row.trace_id for row in merged_observations}
        if wanted:
            stored_traces = await self._analytics.get_traces(project_id, list(wanted))
            rows.saw(stored_traces)
            rows.traces.extend(
                await asyncio.to_thread(
                    _merge_traces, trace_events, stored_traces, merged_observations, project_id, now
                )
            )
        score_events = grouped[EntityKind.SCORE]
        if score_events:
            stored_scores = await self._analytics.get_scores(project_id, list(score_events))
            rows.saw(stored_scores)
            stored_score_by_id = {row.id: row for row in stored_scores}
            rows.scores.extend(
                apply_score_events(stored_score_by_id.get(score_id), items, project_id, now)
                for score_id, items in score_events.items()
            )
        touched = rows.trace_ids.setdefault(project_id, set())
        touched.update(trace_events)
        touched.update(row.trace_id for row in merged_observations)
        touched.update(
            row.trace_id for row in rows.scores if row.project_id == project_id and row.trace_id
        )

    def _next_event_ts(self, *, after: datetime | None) -> datetime:
        # Versions of one row are told apart by event_ts at millisecond precision: make
        # every write strictly later than this process's previous one and than the stored
        # versions it was merged from (another process, whose clock may be ahead, may
        # have written those).
        now = self._clock.now()
        for earlier in (self._last_event_ts, after):
            if earlier is not None and now <= earlier:
                now = earlier + timedelta(milliseconds=1)
        self._last_event_ts = now
        return now


def _decode_all(blobs: Sequence[bytes]) -> list[IngestionBatch]:
    return [_decoder.decode(blob) for blob in blobs]


def _grouped(events: Iterable[EntityEvent]) -> dict[EntityKind, dict[str, list[EntityEvent]]]:
    """The events by kind, then by entity id, each entity's in arrival order."""
    grouped: dict[EntityKind, dict[str, list[EntityEvent]]] = {
        kind: defaultdict(list) for kind in EntityKind
    }
    for event in events:
        grouped[event.kind][event.entity_id].append(event)
    return grouped


def _merge_observations(
    events: dict[str, list[EntityEvent]],
    stored: Iterable[Observation],
    project_id: str,
    now: datetime,
    models: ModelMatcher,
) -> list[Observation]:
    stored_by_id = {row.id: row for row in stored}
    return [
        with_cost(
            apply_observation_events(stored_by_id.get(entity_id), items, project_id, now), models
        )
        for entity_id, items in events.items()
    ]


def _merge_traces(
    events: dict[str, list[EntityEvent]],
    stored: Iterable[Trace],
    observations: Iterable[Observation],
    project_id: str,
    now: datetime,
) -> list[Trace]:
    stored_by_id = {row.id: row for row in stored}
    _add_shallow_traces(events, stored_by_id, observations)
    merged = [
        apply_trace_events(stored_by_id.get(trace_id), items, project_id, now)
        for trace_id, items in events.items()
    ]
    # A trace whose observations changed gets a new version too, unchanged but for
    # what the store derives from its observations (their summary).
    merged.extend(trace for trace_id, trace in stored_by_id.items() if trace_id not in events)
    return merged


def _stamped(
    event_ts: datetime,
    observations: Sequence[Observation],
    scores: Sequence[Score],
    traces: Sequence[Trace],
) -> tuple[list[Observation], list[Score], list[Trace]]:
    """The rows as versions written at ``event_ts``."""
    return (
        [msgspec.structs.replace(row, event_ts=event_ts) for row in observations],
        [msgspec.structs.replace(row, event_ts=event_ts) for row in scores],
        [msgspec.structs.replace(row, event_ts=event_ts) for row in traces],
    )


def _add_shallow_traces(
    trace_events: dict[str, list[EntityEvent]],
    stored: dict[str, Trace],
    observations: Iterable[Observation],
) -> None:
    """Give every observation a trace row, as Langfuse does for the first span of a trace.

    Its root may come later (or never, when an OpenTelemetry exporter filtered it out),
    and pre-v2 SDKs sent observations without any trace; the earliest timestamp wins
    when the real root arrives.
    """
    for observation in observations:
        if observation.trace_id in stored or observation.trace_id in trace_events:
            continue
        wrapper = observation.trace_id == observation.id
        trace_events[observation.trace_id].append(
            EntityEvent(
                id=f"shallow-{observation.trace_id}",
                type="trace-create",
                timestamp=observation.start_time,
                trace=TraceBody(
                    id=observation.trace_id,
                    timestamp=observation.start_time,
                    environment=observation.environment,
                    name=observation.name if wrapper else UNSET,
                ),
            )
        )
