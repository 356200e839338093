"""The ingestion pipeline on in-memory adapters: intake, worker, recovery, back-pressure."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest

from spyglass.storage import memory_repositories
from spyglass_adapters.memory.blobs import MemoryBlobStore
from spyglass_adapters.memory.clock import FixedClock
from spyglass_adapters.memory.events import RecordingEventPublisher
from spyglass_adapters.memory.locks import InProcessLocks
from spyglass_adapters.memory.task_queue import MemoryTaskQueue
from spyglass_adapters.memory.unit_of_work import MemoryUnitOfWorkFactory
from spyglass_core.domain.errors import InvalidInput, NotFound, RateLimited
from spyglass_core.domain.events import TracesIngested
from spyglass_core.hookspecs import PluginConfig
from spyglass_tracing.domain.cost import default_models
from spyglass_tracing.domain.ingestion import (
    EntityEvent,
    ObservationBody,
    TraceBody,
    encode_batch,
)
from spyglass_tracing.options import TracingOptions, tracing_options
from spyglass_tracing.ports.repositories import IngestionBatchRepository, ModelRepository
from spyglass_tracing.services import processing
from spyglass_tracing.services.backlog import IngestionBacklog
from spyglass_tracing.services.deletion import ERASE_TRACES_TASK, DeletedTraces
from spyglass_tracing.services.erasure import RawEraser
from spyglass_tracing.services.intake import PROCESS_BATCH_TASK, Attribution, BatchIntake
from spyglass_tracing.services.prices import PriceBook
from spyglass_tracing.services.processing import (
    MAX_GROUP_BATCHES,
    BatchProcessor,
    merge_lock_name,
)
from spyglass_tracing.services.recovery import PendingSweep
from spyglass_tracing.storage.memory_analytics import MemoryAnalyticsStore
from spyglass_tracing.storage.spec import storage_spec as tracing_storage

P = "project-1"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


class Pipeline(msgspec.Struct, kw_only=True):
    uow: MemoryUnitOfWorkFactory
    blobs: MemoryBlobStore
    analytics: MemoryAnalyticsStore
    clock: FixedClock
    events: RecordingEventPublisher
    queue: MemoryTaskQueue
    intake: BatchIntake
    processor: BatchProcessor
    sweep: PendingSweep
    deleted: DeletedTraces
    eraser: RawEraser
    locks: InProcessLocks
    backlog: IngestionBacklog


def make_pipeline(locks: InProcessLocks | None = None, **options: Any) -> Pipeline:
    uow = MemoryUnitOfWorkFactory(repositories=memory_repositories([tracing_storage()]))
    blobs = MemoryBlobStore()
    analytics = MemoryAnalyticsStore()
    clock = FixedClock(T0)
    events = RecordingEventPublisher()
    settings = TracingOptions(media_signing_key="k", **options)
    eraser = RawEraser(uow, blobs, analytics, clock, settings, pending_wait_seconds=0)
    queue = MemoryTaskQueue(
        {
            PROCESS_BATCH_TASK: lambda batch_id, events=0: processor.process(
                batch_id, events=events
            ),
            ERASE_TRACES_TASK: lambda project_id: eraser.erase(project_id),
        }
    )
    deleted = DeletedTraces(uow, analytics, queue, clock)
    prices = PriceBook(uow, clock, 30)
    locks = locks or InProcessLocks()
    backlog = IngestionBacklog()
    processor = BatchProcessor(
        uow, blobs, analytics, prices, clock, events, locks, deleted=deleted, backlog=backlog
    )
    intake = BatchIntake(uow, blobs, queue, clock, settings, backlog=backlog)
    sweep = PendingSweep(uow, intake, queue, clock, settings, blobs, deleted=deleted, eraser=eraser)
    return Pipeline(
        uow=uow,
        blobs=blobs,
        analytics=analytics,
        clock=clock,
        events=events,
        queue=queue,
        intake=intake,
        processor=processor,
        sweep=sweep,
        deleted=deleted,
        eraser=eraser,
        locks=locks,
        backlog=backlog,
    )


def trace_event(event_id: str, trace_id: str, name: str) -> EntityEvent:
    return EntityEvent(
        id=event_id, type="trace-create", timestamp=T0, trace=TraceBody(id=trace_id, name=name)
    )


async def accept(pipeline: Pipeline, *events: EntityEvent, dedupe: bool = False) -> None:
    await pipeline.intake.accept(
        P, list(events), source="test", attribution=Attribution(), dedupe=dedupe
    )


async def pending_ids(pipeline: Pipeline) -> list[str]:
    async with pipeline.uow() as uow:
        return [record.id for record in await uow.repository(IngestionBatchRepository).pending()]


@pytest.fixture
async def pipeline() -> Pipeline:
    built = make_pipeline()
    async with built.uow() as uow:
        await uow.repository(ModelRepository).replace_managed(default_models())
        await uow.commit()
    return built


async def test_nothing_is_written_before_the_worker_runs_and_all_after(pipeline: Pipeline) -> None:
    await accept(pipeline, trace_event("e1", "t1", "one"))
    assert await pipeline.analytics.get_trace(P, "t1") is None
    assert len(await pending_ids(pipeline)) == 1
    assert await pipeline.queue.run_pending() == 1
    trace = await pipeline.analytics.get_trace(P, "t1")
    assert trace is not None and trace.name == "one"
    assert await pending_ids(pipeline) == []
    assert pipeline.events.published == [
        TracesIngested(occurred_at=T0, project_id=P, trace_ids=("t1",))
    ]


async def test_a_lost_message_is_recovered_by_the_sweep(pipeline: Pipeline) -> None:
    await accept(pipeline, trace_event("e1", "t1", "one"))
    pipeline.queue.pending.clear()  # the broker lost the message (or the process died)
    assert await pipeline.sweep.run_once(older_than_seconds=60) == 0  # not stale yet
    pipeline.clock.advance(61)
    assert await pipeline.sweep.run_once(older_than_seconds=60) == 1
    await pipeline.queue.run_pending()
    assert await pipeline.analytics.get_trace(P, "t1") is not None
    assert await pending_ids(pipeline) == []


async def test_start_up_re_enqueues_every_pending_batch(pipeline: Pipeline) -> None:
    for n in range(3):
        await accept(pipeline, trace_event(f"e{n}", f"t{n}", "x"))
    pipeline.queue.pending.clear()
    assert await pipeline.sweep.run_once() == 3
    await pipeline.queue.run_pending()
    assert len(await pipeline.analytics.get_traces(P, ["t0", "t1", "t2"])) == 3


async def test_a_batch_applied_twice_is_skipped_the_second_time(pipeline: Pipeline) -> None:
    await accept(pipeline, trace_event("e1", "t1", "one"))
    ((_, payload),) = pipeline.queue.pending
    await pipeline.queue.run_pending()
    first = await pipeline.analytics.get_trace(P, "t1")
    await pipeline.processor.process(payload["batch_id"])
    assert await pipeline.analytics.get_trace(P, "t1") == first


async def test_a_broken_batch_does_not_hold_back_the_others_in_its_group(
    pipeline: Pipeline,
) -> None:
    await accept(pipeline, trace_event("e1", "good", "g"))
    await accept(pipeline, trace_event("e2", "bad", "b"))
    (_, good), (_, bad) = pipeline.queue.pending
    pipeline.queue.pending.clear()
    async with pipeline.uow() as uow:
        record = await uow.repository(IngestionBatchRepository).get(bad["batch_id"])
    assert record is not None
    await pipeline.blobs.delete(record.blob_key)
    # Both arrive together, so they are applied as one group first.
    results = await asyncio.gather(
        pipeline.processor.process(good["batch_id"]),
        pipeline.processor.process(bad["batch_id"]),
        return_exceptions=True,
    )
    assert results[0] is None and isinstance(results[1], NotFound)
    assert await pipeline.analytics.get_trace(P, "good") is not None
    # Its stored file is gone, which no retry can fix: dead-lettered, not dropped.
    assert await pending_ids(pipeline) == []
    async with pipeline.uow() as uow:
        dead, _ = await uow.repository(IngestionBatchRepository).dead()
    assert [record.id for record in dead] == [bad["batch_id"]]


async def test_duplicate_event_ids_are_stored_once(pipeline: Pipeline) -> None:
    await accept(pipeline, trace_event("e1", "t1", "one"), dedupe=True)
    await accept(pipeline, trace_event("e2", "t1", "two"), dedupe=True)
    await accept(pipeline, trace_event("e1", "t1", "one"), dedupe=True)  # the SDK resends
    assert len(pipeline.queue.pending) == 2
    await pipeline.queue.run_pending()
    trace = await pipeline.analytics.get_trace(P, "t1")
    assert trace is not None and trace.name == "two"


async def test_past_the_bound_nothing_is_stored_and_the_caller_is_told_when_to_retry() -> None:
    pipeline = make_pipeline(queue_bound=2, retry_after_seconds=3)
    await accept(pipeline, trace_event("e1", "t1", "x"))
    await accept(pipeline, trace_event("e2", "t2", "x"))
    with pytest.raises(RateLimited) as refused:
        await accept(pipeline, trace_event("e3", "t3", "x"))
    assert refused.value.retry_after == 3
    assert len(await pending_ids(pipeline)) == 2
    await pipeline.queue.run_pending()
    await accept(pipeline, trace_event("e3", "t3", "x"))


async def test_while_the_worker_holds_the_bound_of_events_new_work_is_refused_at_once() -> None:
    pipeline = make_pipeline(unapplied_events_bound=3, retry_after_seconds=5)
    await accept(pipeline, *(trace_event(f"e{n}", f"t{n}", "x") for n in range(3)))
    # The worker is handed the batch but cannot finish it (its merge lock is held), as
    # when it is busy applying earlier batches.
    async with pipeline.locks.hold([merge_lock_name(P)]):
        worker = asyncio.create_task(pipeline.queue.run_pending())
        while pipeline.backlog.events < 3:  # noqa: ASYNC110 - the worker picks it up
            await asyncio.sleep(0)
        with pytest.raises(RateLimited) as refused:
            await accept(pipeline, trace_event("late", "t-late", "x"))
        assert refused.value.retry_after == 5
        assert not worker.done()  # refused without waiting for the worker
        assert len(await pending_ids(pipeline)) == 1  # and nothing of it stored
    await worker
    assert pipeline.backlog.events == 0
    await accept(pipeline, trace_event("late", "t-late", "x"))
    await pipeline.queue.run_pending()
    assert await pending_ids(pipeline) == []


async def test_a_failing_batch_leaves_the_backlog_so_it_blocks_nothing() -> None:
    pipeline = make_pipeline(unapplied_events_bound=1)
    await accept(pipeline, trace_event("e1", "t1", "x"))
    async with pipeline.uow() as uow:
        (record,) = await uow.repository(IngestionBatchRepository).pending()
    await pipeline.blobs.delete(record.blob_key)  # the stored batch is gone: it fails
    with pytest.raises(NotFound):
        await pipeline.queue.run_pending()
    assert pipeline.backlog.events == 0
    await accept(pipeline, trace_event("e2", "t2", "x"))


async def test_concurrent_batches_are_recorded_together_and_each_is_applied() -> None:
    pipeline = make_pipeline()
    await asyncio.gather(*(accept(pipeline, trace_event(f"e{n}", f"t{n}", "x")) for n in range(5)))
    assert len(await pending_ids(pipeline)) == 5
    assert [payload["events"] for _, payload in pipeline.queue.pending] == [1] * 5
    assert await pipeline.queue.run_pending() == 5
    for n in range(5):
        assert await pipeline.analytics.get_trace(P, f"t{n}") is not None
    assert await pending_ids(pipeline) == []


async def test_a_batch_encoded_elsewhere_is_stored_and_applied_like_an_accepted_one() -> None:
    pipeline = make_pipeline(queue_bound=1, retry_after_seconds=2)
    header = pipeline.intake.new_batch(P, source="otel", attribution=Attribution(sdk_name="py"))
    events = [trace_event("e1", "t1", "encoded")]
    await pipeline.intake.store_encoded(header, b"", 0)  # every span was rejected
    assert await pending_ids(pipeline) == []
    await pipeline.intake.store_encoded(header, encode_batch(header, events), len(events))
    assert await pending_ids(pipeline) == [header.id]
    with pytest.raises(RateLimited) as refused:  # the same bound as accept
        await pipeline.intake.store_encoded(header, encode_batch(header, events), len(events))
    assert refused.value.retry_after == 2
    await pipeline.queue.run_pending()
    trace = await pipeline.analytics.get_trace(P, "t1")
    assert trace is not None and trace.name == "encoded"
    assert await pending_ids(pipeline) == []


async def test_versions_written_in_the_same_instant_still_order(pipeline: Pipeline) -> None:
    # The clock does not move between the two batches; the second must still win.
    await accept(pipeline, trace_event("e1", "t1", "one"))
    await pipeline.queue.run_pending()
    await accept(pipeline, trace_event("e2", "t1", "two"))
    await pipeline.queue.run_pending()
    trace = await pipeline.analytics.get_trace(P, "t1")
    assert trace is not None and trace.name == "two"
    assert trace.event_ts is not None and trace.event_ts > T0


async def test_observation_without_trace_row_gets_a_shallow_trace(pipeline: Pipeline) -> None:
    event = EntityEvent(
        id="o",
        type="span-create",
        timestamp=T0 + timedelta(seconds=5),
        observation=ObservationBody(id="s1", trace_id="t9", type="SPAN", start_time=T0),
    )
    await accept(pipeline, event)
    await pipeline.queue.run_pending()
    trace = await pipeline.analytics.get_trace(P, "t9")
    assert trace is not None and trace.timestamp == T0


async def test_the_store_is_told_the_versions_a_merge_replaces(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store that files rows by day (ClickHouse) must learn that an update moved a
    trace to another day: the worker hands it the stored versions it merged from."""
    told: list[Any] = []
    real_write = pipeline.analytics.write

    async def recording_write(**rows: Any) -> None:
        told.append(rows.get("replaces"))
        await real_write(**rows)

    monkeypatch.setattr(pipeline.analytics, "write", recording_write)
    await accept(pipeline, trace_event("e1", "t1", "one"))
    await pipeline.queue.run_pending()
    stored = await pipeline.analytics.get_trace(P, "t1")
    two_days_back = TraceBody(id="t1", timestamp=T0 - timedelta(days=2))
    await accept(pipeline, EntityEvent(id="e2", type="trace-create", timestamp=T0,
                                       trace=two_days_back))  # fmt: skip
    await pipeline.queue.run_pending()
    assert told == [[], [stored]]
    after = await pipeline.analytics.get_trace(P, "t1")
    assert after is not None and after.timestamp == T0 - timedelta(days=2)


async def test_more_batches_than_one_group_all_get_applied(pipeline: Pipeline) -> None:
    count = 3 * MAX_GROUP_BATCHES + 5
    for n in range(count):
        await accept(pipeline, trace_event(f"e{n}", f"t{n}", "x"))
    batch_ids = [payload["batch_id"] for _, payload in pipeline.queue.pending]
    pipeline.queue.pending.clear()
    await asyncio.wait_for(
        asyncio.gather(*(pipeline.processor.process(batch_id) for batch_id in batch_ids)), 30
    )
    stored = await pipeline.analytics.get_traces(P, [f"t{n}" for n in range(count)])
    assert len(stored) == count
    assert await pending_ids(pipeline) == []


async def test_merging_runs_off_the_event_loop_thread(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loop also serves requests: a group's merge must not run on it."""
    merged_on: list[threading.Thread] = []
    real_merge = processing.apply_observation_events

    def recording_merge(*args: Any) -> Any:
        merged_on.append(threading.current_thread())
        return real_merge(*args)

    monkeypatch.setattr(processing, "apply_observation_events", recording_merge)
    await accept(
        pipeline,
        trace_event("e1", "t1", "one"),
        EntityEvent(
            id="o1",
            type="span-create",
            timestamp=T0,
            observation=ObservationBody(id="s1", trace_id="t1", type="SPAN", start_time=T0),
        ),
    )
    await pipeline.queue.run_pending()
    assert merged_on and threading.current_thread() not in merged_on
    assert [row.id for row in await pipeline.analytics.get_observations(P, ["s1"])] == ["s1"]


async def test_prune_forgets_old_done_batches_and_event_ids_but_keeps_pending(
    pipeline: Pipeline,
) -> None:
    await accept(pipeline, trace_event("old", "t1", "x"), dedupe=True)
    await pipeline.queue.run_pending()
    await accept(pipeline, trace_event("stuck", "t2", "x"), dedupe=True)
    pipeline.queue.pending.clear()  # never applied
    pipeline.clock.advance(8 * 24 * 3600)
    await accept(pipeline, trace_event("new", "t3", "x"), dedupe=True)
    await pipeline.queue.run_pending()
    assert await pipeline.sweep.prune() == 1
    async with pipeline.uow() as uow:
        seen = await uow.repository(IngestionBatchRepository).seen_event_ids(
            P, ["old", "stuck", "new"]
        )
        pending = await uow.repository(IngestionBatchRepository).pending()
    assert seen == {"new"}
    assert [record.event_count for record in pending] == [1]


def test_a_bad_setting_names_its_variable() -> None:
    config = PluginConfig(sections={"tracing": {"queue_bound": "lots"}})
    with pytest.raises(InvalidInput, match="SPYGLASS_PLUGIN_TRACING_QUEUE_BOUND='lots'"):
        tracing_options(config)
    parsed = tracing_options(PluginConfig(sections={"tracing": {"queue_bound": "7"}}))
    # No signing key configured: the deployment's own is used (MediaService.load_signing_key).
    assert parsed.queue_bound == 7 and parsed.media_signing_key == ""


async def test_a_failing_batch_backs_off_then_is_dead_lettered_and_can_be_replayed(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    await accept(pipeline, trace_event("e1", "t1", "flaky"))
    ((_, payload),) = pipeline.queue.pending
    pipeline.queue.pending.clear()
    batch_id = payload["batch_id"]
    real_apply = pipeline.processor.apply

    async def failing_apply(batches: Any) -> Any:
        raise RuntimeError("the store refused a value")

    monkeypatch.setattr(pipeline.processor, "apply", failing_apply)
    for attempt in range(1, 6):
        with pytest.raises(RuntimeError):
            await pipeline.processor.process(batch_id)
        async with pipeline.uow() as uow:
            record = await uow.repository(IngestionBatchRepository).get(batch_id)
        assert record is not None and record.attempts == attempt
        assert record.last_error == "RuntimeError: the store refused a value"
        if attempt < 5:  # backing off: the sweep leaves it until its time comes
            assert record.next_attempt_at is not None and record.next_attempt_at > T0
            assert await pipeline.sweep.run_once() == 0
            pipeline.clock.advance(7200)
            assert await pipeline.sweep.run_once() == 1
            pipeline.queue.pending.clear()
    assert record.dead_at is not None  # five failures: given up on, and kept
    pipeline.clock.advance(7200)
    assert await pipeline.sweep.run_once() == 0
    await pipeline.processor.process(batch_id)  # a stray redelivery does not run it
    assert await pipeline.analytics.get_trace(P, "t1") is None

    monkeypatch.setattr(pipeline.processor, "apply", real_apply)
    async with pipeline.uow() as uow:
        assert await uow.repository(IngestionBatchRepository).revive(batch_id)
        await uow.commit()
    await pipeline.processor.process(batch_id)
    assert await pipeline.analytics.get_trace(P, "t1") is not None


async def test_prune_deletes_the_raw_files_of_old_done_batches(pipeline: Pipeline) -> None:
    await accept(pipeline, trace_event("old", "t1", "secret-marker"))
    await pipeline.queue.run_pending()
    await accept(pipeline, trace_event("stuck", "t2", "pending-marker"))
    pipeline.queue.pending.clear()  # never applied: its file must stay
    pipeline.clock.advance(8 * 24 * 3600)
    await accept(pipeline, trace_event("new", "t3", "recent-marker"))
    await pipeline.queue.run_pending()
    assert await pipeline.sweep.prune() == 1
    kept = [await pipeline.blobs.get(key) for key in await pipeline.blobs.list("ingestion/")]
    assert not any(b"secret-marker" in body for body in kept)
    assert sum(b"pending-marker" in body or b"recent-marker" in body for body in kept) == 2


async def test_a_version_written_by_a_process_whose_clock_is_ahead_is_still_superseded(
    pipeline: Pipeline,
) -> None:
    await accept(pipeline, trace_event("e1", "t1", "one"))
    await pipeline.queue.run_pending()
    stored = await pipeline.analytics.get_trace(P, "t1")
    assert stored is not None
    # Another worker, its clock an hour ahead, merged an update of the same trace.
    ahead = msgspec.structs.replace(
        stored, metadata={"from": "other worker"}, event_ts=T0 + timedelta(hours=1)
    )
    await pipeline.analytics.upsert_traces([ahead])
    pipeline.clock.advance(1)
    await accept(
        pipeline,
        EntityEvent(
            id="e2",
            type="trace-create",
            timestamp=T0,
            trace=TraceBody(id="t1", metadata={"from this": "worker"}),
        ),
    )
    await pipeline.queue.run_pending()
    merged = await pipeline.analytics.get_trace(P, "t1")
    assert merged is not None
    assert merged.metadata == {"from": "other worker", "from this": "worker"}
    assert merged.event_ts is not None and merged.event_ts > T0 + timedelta(hours=1)


async def test_merges_of_one_project_take_its_cross_process_lock() -> None:
    held: list[list[str]] = []

    class RecordingLocks(InProcessLocks):
        def hold(self, names: Any) -> Any:
            held.append(sorted(names))
            return super().hold(held[-1])

    pipeline = make_pipeline(RecordingLocks())
    await accept(pipeline, trace_event("e1", "t1", "one"))
    await pipeline.queue.run_pending()
    assert held == [[f"tracing.merge:{P}"]]
