"""Deleting a trace erases its events from the raw batch files (memory adapters).

The pipeline is the real intake, worker, deletion and erasure services over the memory
unit of work, blob store and analytics store; the task queue runs only when told, so
every interleaving here is deterministic.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

import msgspec
import pytest

from spyglass_tracing.domain.erasure import TraceDeletion
from spyglass_tracing.domain.ingestion import (
    BatchRecord,
    EntityEvent,
    IngestionBatch,
    ObservationBody,
    ScoreBody,
    TraceBody,
)
from spyglass_tracing.ports.repositories import IngestionBatchRepository, TraceDeletionRepository
from spyglass_tracing.services.deletion import ERASE_TRACES_TASK
from spyglass_tracing.services.intake import PROCESS_BATCH_TASK
from tests.plugins.test_tracing_processing import T0, P, Pipeline, accept, make_pipeline


@pytest.fixture
def pipeline() -> Pipeline:
    return make_pipeline()


def trace(event_id: str, trace_id: str, text: str) -> EntityEvent:
    return EntityEvent(
        id=event_id,
        type="trace-create",
        timestamp=T0,
        trace=TraceBody(id=trace_id, name="t", input={"text": text}),
    )


def span(event_id: str, span_id: str, trace_id: str | None, text: str) -> EntityEvent:
    if trace_id is None:  # an update that names no trace, as some clients send
        body = ObservationBody(id=span_id, output={"text": text})
        return EntityEvent(id=event_id, type="span-update", timestamp=T0, observation=body)
    body = ObservationBody(id=span_id, trace_id=trace_id, input={"text": text})
    return EntityEvent(id=event_id, type="span-create", timestamp=T0, observation=body)


def score(event_id: str, score_id: str, trace_id: str, text: str) -> EntityEvent:
    body = ScoreBody(id=score_id, name="q", value=1.0, trace_id=trace_id, comment=text)
    return EntityEvent(id=event_id, type="score-create", timestamp=T0, score=body)


async def raw_files(pipeline: Pipeline) -> dict[str, bytes]:
    return {key: await pipeline.blobs.get(key) for key in await pipeline.blobs.list("ingestion/")}


async def holding(pipeline: Pipeline, text: str) -> list[str]:
    return [key for key, data in (await raw_files(pipeline)).items() if text.encode() in data]


async def owed(pipeline: Pipeline) -> list[TraceDeletion]:
    async with pipeline.uow() as uow:
        return list(await uow.repository(TraceDeletionRepository).outstanding(P))


def marker() -> str:
    return f"marker-{uuid.uuid4().hex}"


async def test_a_deleted_trace_leaves_the_batch_file_and_the_other_trace_stays(
    pipeline: Pipeline,
) -> None:
    secret, keep = marker(), marker()
    await accept(
        pipeline,
        trace("e1", "gone", secret),
        span("e2", "o1", "gone", secret),
        trace("e3", "kept", keep),
        span("e4", "o2", "kept", keep),
        score("e5", "s1", "gone", secret),
        score("e6", "s2", "kept", keep),
    )
    # An update that names no trace, in a later batch: recognised by its observation.
    await accept(pipeline, span("e7", "o1", None, secret), span("e8", "o2", None, keep))
    await pipeline.queue.run_pending()
    (first,) = await holding(pipeline, '"id":"e1"')
    (second,) = await holding(pipeline, '"id":"e7"')
    assert len(await holding(pipeline, secret)) == 2

    await pipeline.deleted.delete(P, ["gone"])
    assert await pipeline.analytics.get_trace(P, "gone") is None  # at once, before erasure
    assert pipeline.queue.pending == [(ERASE_TRACES_TASK, {"project_id": P})]
    await pipeline.queue.run_pending()

    assert await holding(pipeline, secret) == []
    assert len(await holding(pipeline, keep)) == 2
    for key, survivors in ((first, ["e3", "e4", "e6"]), (second, ["e8"])):
        rewritten = msgspec.json.decode(await pipeline.blobs.get(key), type=IngestionBatch)
        assert [event.id for event in rewritten.events] == survivors
    for observation_id, present in (("o1", False), ("o2", True)):
        assert (await pipeline.analytics.get_observation(P, observation_id) is not None) == present
    assert await pipeline.analytics.get_score(P, "s1") is None
    kept = await pipeline.analytics.get_trace(P, "kept")
    assert kept is not None and keep in (kept.input or "")
    assert await owed(pipeline) == []


async def test_a_done_file_left_empty_is_deleted_and_a_dead_one_kept_empty(
    pipeline: Pipeline,
) -> None:
    secret = marker()
    await accept(pipeline, trace("e1", "gone", secret))
    await pipeline.queue.run_pending()
    await accept(pipeline, span("e2", "o1", "gone", secret))
    (dead_id,) = [msg[1]["batch_id"] for msg in pipeline.queue.pending]
    pipeline.queue.pending.clear()
    async with pipeline.uow() as uow:  # it failed for good: an operator may replay it
        await uow.repository(IngestionBatchRepository).record_failure(
            dead_id, "boom", next_attempt_at=None, dead_at=T0
        )
        await uow.commit()
    assert len(await raw_files(pipeline)) == 2

    await pipeline.deleted.delete(P, ["gone"])
    await pipeline.queue.run_pending()

    (left,) = (await raw_files(pipeline)).items()
    assert dead_id in left[0] and secret.encode() not in left[1]
    assert msgspec.json.decode(left[1], type=IngestionBatch).events == []
    async with pipeline.uow() as uow:
        assert await uow.repository(IngestionBatchRepository).revive(dead_id)
        await uow.commit()
    await pipeline.processor.process(dead_id)  # the replay applies nothing and is done
    assert await pipeline.analytics.get_observation(P, "o1") is None


async def test_a_pending_batch_does_not_bring_a_deleted_trace_back(pipeline: Pipeline) -> None:
    secret = marker()
    await accept(pipeline, trace("e1", "gone", secret), span("e2", "o1", "gone", secret))
    await pipeline.queue.run_pending()
    await accept(
        pipeline,
        trace("e3", "gone", secret),
        span("e4", "o1", None, secret),  # an update of its observation, naming no trace
        span("e5", "o3", "gone", secret),
        span("e6", "o3", None, secret),
    )
    await pipeline.deleted.delete(P, ["gone"])
    # The erasure runs first: the older batch is still pending, so it is postponed.
    pipeline.queue.pending.reverse()
    assert [name for name, _ in pipeline.queue.pending] == [ERASE_TRACES_TASK, PROCESS_BATCH_TASK]
    await pipeline.queue.run_pending()  # erase (postponed), process (drops, owes), erase

    assert await pipeline.analytics.get_trace(P, "gone") is None
    for entity_id in ("o1", "o3"):  # no stray observation, no trace of its own
        assert await pipeline.analytics.get_observation(P, entity_id) is None
        assert await pipeline.analytics.get_trace(P, entity_id) is None
    assert await holding(pipeline, secret) == []
    assert await owed(pipeline) == []


async def test_events_accepted_after_the_deletion_start_the_trace_anew(pipeline: Pipeline) -> None:
    before, after = marker(), marker()
    await accept(pipeline, trace("e1", "t1", before))
    await pipeline.queue.run_pending()
    await pipeline.deleted.delete(P, ["t1"])
    await pipeline.queue.run_pending()
    pipeline.clock.advance(1)
    await accept(pipeline, trace("e2", "t1", after))
    await pipeline.queue.run_pending()
    await pipeline.deleted.delete(P, ["other"])  # another erasure scans the file again
    await pipeline.queue.run_pending()

    again = await pipeline.analytics.get_trace(P, "t1")
    assert again is not None and after in (again.input or "")
    assert await holding(pipeline, before) == [] and len(await holding(pipeline, after)) == 1


async def test_a_file_put_back_by_a_stale_writer_is_cleaned_by_the_next_erasure(
    pipeline: Pipeline,
) -> None:
    secret = marker()
    await accept(pipeline, trace("e1", "gone", secret), trace("e2", "kept", "k"))
    await pipeline.queue.run_pending()
    before = await raw_files(pipeline)
    await pipeline.deleted.delete(P, ["gone"])
    await pipeline.queue.run_pending()
    assert await holding(pipeline, secret) == []
    # A concurrent erasure that read the file before ours puts the old content back.
    for key, data in before.items():
        await pipeline.blobs.put(key, data)

    await pipeline.deleted.delete(P, ["unrelated"])
    await pipeline.queue.run_pending()

    assert await holding(pipeline, secret) == []  # erased deletions are still known
    assert len(await holding(pipeline, '"kept"')) == 1


async def test_events_of_a_batch_written_after_its_erasure_owe_it_again(
    pipeline: Pipeline,
) -> None:
    secret = marker()
    received = pipeline.clock.now()
    pipeline.clock.advance(1)
    await pipeline.deleted.delete(P, ["gone"])
    await pipeline.queue.run_pending()
    assert await owed(pipeline) == []
    # An intake that started before the deletion finishes only now: its file and
    # record appear after the erasure looked.
    late = IngestionBatch(
        id="late",
        project_id=P,
        source="ingestion",
        received_at=received,
        events=[trace("e1", "gone", secret), trace("e2", "kept", "k")],
    )
    key = f"ingestion/{P}/{received:%Y/%m/%d/%H}/late.json"
    await pipeline.blobs.put(key, msgspec.json.encode(late))
    async with pipeline.uow() as uow:
        await uow.repository(IngestionBatchRepository).add(
            BatchRecord(
                id="late",
                project_id=P,
                blob_key=key,
                source="ingestion",
                received_at=received,
                event_count=2,
            ),
            [],
        )
        await uow.commit()
    await pipeline.queue.enqueue(PROCESS_BATCH_TASK, {"batch_id": "late"})
    await pipeline.queue.run_pending()  # applies "kept" only, owes an erasure, erases

    assert await pipeline.analytics.get_trace(P, "gone") is None
    assert await pipeline.analytics.get_trace(P, "kept") is not None
    assert await holding(pipeline, secret) == [] and await holding(pipeline, '"kept"') == [key]
    assert await owed(pipeline) == []


async def test_a_lost_erasure_is_enqueued_again_by_the_sweep(pipeline: Pipeline) -> None:
    secret = marker()
    await accept(pipeline, trace("e1", "gone", secret))
    await pipeline.queue.run_pending()
    await pipeline.deleted.delete(P, ["gone"])
    pipeline.queue.pending.clear()  # the message was lost (or the process died)

    assert await pipeline.sweep.recover_erasures(older_than_seconds=60) == 0  # too recent
    pipeline.clock.advance(61)
    assert await pipeline.sweep.recover_erasures(older_than_seconds=60) == 1
    await pipeline.queue.run_pending()
    assert await holding(pipeline, secret) == []
    assert await pipeline.sweep.recover_erasures() == 0


async def test_erased_deletions_are_forgotten_after_the_retention_window(
    pipeline: Pipeline,
) -> None:
    await pipeline.deleted.delete(P, ["gone", "owed"])
    async with pipeline.uow() as uow:
        (gone, owed_one) = await uow.repository(TraceDeletionRepository).outstanding(P)
        await uow.repository(TraceDeletionRepository).mark_erased([gone], T0)
        await uow.commit()
    pipeline.queue.pending.clear()
    pipeline.clock.advance(timedelta(days=8).total_seconds())

    await pipeline.sweep.prune()

    async with pipeline.uow() as uow:
        left = await uow.repository(TraceDeletionRepository).deletions(P)
    assert [d.trace_id for d in left] == [owed_one.trace_id]
