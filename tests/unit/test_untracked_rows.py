"""Ingested rows stay out of the cyclic garbage collector (``gc=False``).

A merge group holds hundreds of thousands of events and rows at once; tracked, every
collection of the oldest generation scanned them all and paused the server's requests.
"""

from __future__ import annotations

import gc
from datetime import UTC, datetime

import msgspec

from spyglass_core.domain.tracing import Observation, Score, Trace
from spyglass_tracing.domain.ingestion import IngestionBatch

T0 = datetime(2026, 12, 4, tzinfo=UTC)


def test_decoded_events_and_their_bodies_are_not_tracked() -> None:
    batch = msgspec.json.decode(
        msgspec.json.encode(
            {
                "id": "b1",
                "project_id": "p",
                "source": "ingestion",
                "received_at": T0,
                "events": [
                    {
                        "id": "e1",
                        "type": "trace-create",
                        "timestamp": T0,
                        "trace": {"id": "t1", "metadata": {"k": ["v"]}, "tags": ["a"]},
                    },
                    {
                        "id": "e2",
                        "type": "span-create",
                        "timestamp": T0,
                        "observation": {"id": "s1", "traceId": "t1", "input": {"q": 1}},
                    },
                    {
                        "id": "e3",
                        "type": "score-create",
                        "timestamp": T0,
                        "score": {"id": "c1", "traceId": "t1", "name": "n", "value": 1},
                    },
                ],
            }
        ),
        type=IngestionBatch,
    )
    trace_event, span_event, score_event = batch.events
    for struct in (trace_event, trace_event.trace, span_event.observation, score_event.score):
        assert not gc.is_tracked(struct)
    # What they hold is still collected as usual.
    assert trace_event.trace is not None and gc.is_tracked(trace_event.trace.metadata)


def test_stored_rows_are_not_tracked() -> None:
    rows = [
        Trace(id="t1", project_id="p", timestamp=T0, metadata={"k": "v"}, tags=["a"]),
        Observation(
            id="s1", trace_id="t1", project_id="p", type="SPAN", start_time=T0, input={"q": 1}
        ),
        Score(id="c1", project_id="p", trace_id="t1", name="n", value=1.0, timestamp=T0),
    ]
    assert not any(gc.is_tracked(row) for row in rows)
