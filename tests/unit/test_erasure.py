"""Which stored events belong to a deleted trace (``spyglass_tracing.domain.erasure``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec

from spyglass_tracing.domain.erasure import (
    BatchIds,
    DeletionIndex,
    TraceDeletion,
    TraceMember,
    batch_refs,
    event_ref,
    without_deleted,
)
from spyglass_tracing.domain.ingestion import (
    EntityEvent,
    EntityKind,
    IngestionBatch,
    ObservationBody,
    ScoreBody,
    TraceBody,
)

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
DELETED_AT = T0 + timedelta(minutes=1)
P = "p"


def trace(event_id: str, trace_id: str) -> EntityEvent:
    return EntityEvent(
        id=event_id, type="trace-create", timestamp=T0, trace=TraceBody(id=trace_id, input="x")
    )


def span(
    event_id: str, span_id: str, trace_id: str | None, kind: str = "span-create"
) -> EntityEvent:
    body = ObservationBody(id=span_id, input="x")
    if trace_id is not None:
        body = ObservationBody(id=span_id, trace_id=trace_id, input="x")
    return EntityEvent(id=event_id, type=kind, timestamp=T0, observation=body)


def score(event_id: str, score_id: str, trace_id: str | None) -> EntityEvent:
    body = ScoreBody(id=score_id, name="q", value=1.0)
    if trace_id is not None:
        body = ScoreBody(id=score_id, name="q", value=1.0, trace_id=trace_id)
    return EntityEvent(id=event_id, type="score-create", timestamp=T0, score=body)


def batch(*events: EntityEvent, received_at: datetime = T0) -> IngestionBatch:
    return IngestionBatch(
        id="b1", project_id=P, source="ingestion", received_at=received_at, events=list(events)
    )


def index(*trace_ids: str, members: tuple[TraceMember, ...] = ()) -> DeletionIndex:
    deletions = [TraceDeletion(project_id=P, trace_id=t, deleted_at=DELETED_AT) for t in trace_ids]
    return DeletionIndex(deletions, members)


def test_a_trace_loses_its_own_events_those_naming_it_and_its_members_updates() -> None:
    stored = batch(
        trace("e1", "gone"),
        span("e2", "o1", "gone"),
        span("e3", "o1", None, "span-update"),  # names no trace: a member by this batch
        span("e4", "o2", None, "span-update"),  # a member known before
        score("e5", "s1", "gone"),
        trace("e6", "kept"),
        span("e7", "o3", "kept"),
        span("e8", "o4", None, "span-update"),  # a member of nothing deleted
        score("e9", "s2", None),
    )
    known = (TraceMember(kind=EntityKind.OBSERVATION, entity_id="o2", trace_id="gone"),)

    kept, erasure = without_deleted(stored, index("gone", members=known))

    assert [event.id for event in kept.events] == ["e6", "e7", "e8", "e9"]
    assert erasure.positions == [0, 1, 2, 3, 4]
    assert erasure.trace_ids == {"gone"}
    assert sorted((m.kind.value, m.entity_id) for m in erasure.revealed) == [
        ("observation", "o1"),
        ("score", "s1"),
    ]
    assert kept.id == stored.id and kept.received_at == stored.received_at


def test_an_update_naming_another_trace_is_not_a_member_of_the_deleted_one() -> None:
    known = (TraceMember(kind=EntityKind.OBSERVATION, entity_id="o1", trace_id="gone"),)
    kept, erasure = without_deleted(batch(span("e1", "o1", "other")), index("gone", members=known))
    assert [event.id for event in kept.events] == ["e1"]
    assert erasure.positions == []


def test_events_received_after_the_deletion_start_a_new_trace() -> None:
    later = batch(
        trace("e1", "gone"), span("e2", "o1", "gone"), received_at=DELETED_AT + timedelta(1)
    )
    kept, erasure = without_deleted(later, index("gone"))
    assert kept is later and erasure.positions == [] and erasure.revealed == []
    same_instant = batch(trace("e1", "gone"), received_at=DELETED_AT)
    assert without_deleted(same_instant, index("gone"))[0].events == []


def test_members_of_traces_not_deleted_are_ignored() -> None:
    stray = TraceMember(kind=EntityKind.OBSERVATION, entity_id="o1", trace_id="alive")
    kept, _ = without_deleted(
        batch(span("e1", "o1", None, "span-update")), index("gone", members=(stray,))
    )
    assert [event.id for event in kept.events] == ["e1"]
    assert not index()


def test_skeleton_decoding_sees_the_same_references_as_full_decoding() -> None:
    stored = batch(
        trace("e1", "t1"),
        span("e2", "o1", "t1"),
        span("e3", "o1", None, "span-update"),
        score("e4", "s1", "t1"),
        score("e5", "s2", None),
    )
    data = msgspec.json.encode(stored)
    skeleton = msgspec.json.decode(data, type=BatchIds)
    assert (skeleton.id, skeleton.project_id, skeleton.received_at) == ("b1", P, T0)
    assert batch_refs(skeleton) == [event_ref(event) for event in stored.events]
    # An explicit null traceId names no trace either.
    null_trace = data.replace(b'"traceId":"t1"', b'"traceId":null', 1)
    assert batch_refs(msgspec.json.decode(null_trace, type=BatchIds))[1].trace_id is None
