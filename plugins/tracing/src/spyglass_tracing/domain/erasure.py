"""Deleted traces and which stored ingestion events belong to them: pure rules.

Deleting a trace removes it from reads at once; its events may still sit in raw batch
files (kept for the dedupe window, or not yet applied). An event belongs to a deleted
trace when:

- it is that trace's own event (``trace-create`` with the trace's id);
- it names the trace: an observation or score event whose ``traceId`` is that id;
- it names no trace and changes an observation or score that belonged to that trace
  (an update sent without ``traceId``): a *member* of the deleted trace.

Only events received at or before the deletion belong to it: a trace id used again
after its deletion starts a new trace, as in Langfuse, and its new events are kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

import msgspec

from spyglass_tracing.domain.ingestion import EntityEvent, EntityKind, IngestionBatch

__all__ = (
    "BatchIds",
    "DeletionIndex",
    "Erasure",
    "EventRef",
    "TraceDeletion",
    "TraceMember",
    "batch_refs",
    "event_ref",
    "without_deleted",
)


class TraceDeletion(msgspec.Struct, frozen=True, kw_only=True):
    """A deleted trace whose events the raw store must lose.

    ``generation`` changes whenever the erasure is owed again (the trace is deleted
    again, or events of it were found after an erasure), so an erasure that started
    before cannot mark it done.
    """

    project_id: str
    trace_id: str
    deleted_at: datetime
    generation: int = 1
    erased_at: datetime | None = None


class TraceMember(msgspec.Struct, frozen=True, kw_only=True):
    """An observation or score of a trace."""

    kind: EntityKind
    entity_id: str
    trace_id: str


class EventRef(NamedTuple):
    """What an event changes and the trace it names (None when it names none)."""

    kind: EntityKind
    entity_id: str
    trace_id: str | None


def event_ref(event: EntityEvent) -> EventRef:
    """The reference of a decoded event."""
    if event.trace is not None:
        return EventRef(EntityKind.TRACE, event.entity_id, event.entity_id)
    body = event.observation or event.score
    assert body is not None, "events carry a body"
    trace_id = body.trace_id if isinstance(body.trace_id, str) else None
    return EventRef(event.kind, event.entity_id, trace_id)


class _Ids(msgspec.Struct, rename="camel"):
    id: str = ""
    trace_id: str | None = None


class _EventIds(msgspec.Struct):
    trace: _Ids | None = None
    observation: _Ids | None = None
    score: _Ids | None = None

    def ref(self) -> EventRef:
        if self.trace is not None:
            return EventRef(EntityKind.TRACE, self.trace.id, self.trace.id)
        if self.observation is not None:
            return EventRef(EntityKind.OBSERVATION, self.observation.id, self.observation.trace_id)
        body = self.score or _Ids()
        return EventRef(EntityKind.SCORE, body.id, body.trace_id)


class BatchIds(msgspec.Struct):
    """A stored batch with only its ids: decoding skips every payload, so scanning is cheap."""

    id: str
    project_id: str
    received_at: datetime
    events: list[_EventIds]


def batch_refs(batch: BatchIds) -> list[EventRef]:
    """The references of a skeleton batch's events, in order."""
    return [event.ref() for event in batch.events]


class Erasure(msgspec.Struct, kw_only=True):
    """What of one batch belongs to deleted traces.

    Attributes:
        positions: the positions of those events in the batch.
        trace_ids: the deleted traces they belong to.
        revealed: observations and scores the batch names under a deleted trace that
            were not known members, so later updates of them without a ``traceId`` are
            recognised too.
    """

    positions: list[int]
    trace_ids: set[str]
    revealed: list[TraceMember]


class DeletionIndex:
    """The deleted traces of one project and their known members, for matching events."""

    def __init__(
        self, deletions: Iterable[TraceDeletion], members: Iterable[TraceMember] = ()
    ) -> None:
        self.deletions = {d.trace_id: d for d in deletions}
        self._members: dict[tuple[EntityKind, str], str] = {}
        self.learn(members)

    def __bool__(self) -> bool:
        return bool(self.deletions)

    def learn(self, members: Iterable[TraceMember]) -> None:
        """Add members of deleted traces (those of other traces are ignored)."""
        for member in members:
            if member.trace_id in self.deletions:
                self._members[(member.kind, member.entity_id)] = member.trace_id

    def erased(self, received_at: datetime, refs: Sequence[EventRef]) -> Erasure:
        """Which events of a batch received at ``received_at`` belong to a deleted trace."""
        named: dict[tuple[EntityKind, str], str] = {}
        for ref in refs:
            if ref.kind is not EntityKind.TRACE and self._applies(ref.trace_id, received_at):
                assert ref.trace_id is not None
                named[(ref.kind, ref.entity_id)] = ref.trace_id
        erasure = Erasure(positions=[], trace_ids=set(), revealed=[])
        for position, ref in enumerate(refs):
            owner = ref.trace_id
            if owner is None:  # an update that names no trace: whose member is it?
                key = (ref.kind, ref.entity_id)
                owner = named.get(key) or self._members.get(key)
            if self._applies(owner, received_at):
                assert owner is not None
                erasure.positions.append(position)
                erasure.trace_ids.add(owner)
        erasure.revealed = [
            TraceMember(kind=kind, entity_id=entity_id, trace_id=trace_id)
            for (kind, entity_id), trace_id in named.items()
            if self._members.get((kind, entity_id)) != trace_id
        ]
        return erasure

    def _applies(self, trace_id: str | None, received_at: datetime) -> bool:
        deletion = self.deletions.get(trace_id) if trace_id is not None else None
        return deletion is not None and received_at <= deletion.deleted_at


def without_deleted(batch: IngestionBatch, index: DeletionIndex) -> tuple[IngestionBatch, Erasure]:
    """``batch`` without the events of deleted traces, and what was taken out."""
    erasure = index.erased(batch.received_at, [event_ref(e) for e in batch.events])
    if not erasure.positions:
        return batch, erasure
    doomed = set(erasure.positions)
    kept = [event for position, event in enumerate(batch.events) if position not in doomed]
    return msgspec.structs.replace(batch, events=kept), erasure
