"""Contract suite for AnalyticsStore, rows one at a time: round trips, versions, deletion.

The in-memory fake and ClickHouse on embedded chDB (``analytics_support``) must agree.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import msgspec

from spyglass_core.domain.tracing import (
    Observation,
    ObservationType,
    Score,
    Trace,
)
from spyglass_tracing.ports.analytics import AnalyticsStore
from tests.contract.analytics_support import (
    P1,
    P2,
    T0,
    S,
    analytics_store,
    assert_utc,
    full_observation,
    full_score,
    full_trace,
    opened_chdb_store,
    score,
)

__all__ = ("analytics_store",)  # the fixture, used by name


async def test_trace_round_trip(analytics_store: AnalyticsStore) -> None:
    trace = full_trace()
    await analytics_store.upsert_traces([trace])
    got = await analytics_store.get_trace(P1, "t1")
    assert got == trace
    assert got is not None
    assert_utc(got.timestamp, got.created_at, got.updated_at, got.event_ts)


async def test_minimal_trace_keeps_none_and_defaults(analytics_store: AnalyticsStore) -> None:
    trace = Trace(id="t1", project_id=P1, timestamp=T0)
    before = datetime.now(UTC) - timedelta(seconds=1)
    await analytics_store.upsert_traces([trace])
    got = await analytics_store.get_trace(P1, "t1")
    assert got is not None
    assert got.event_ts is not None and got.event_ts >= before
    assert msgspec.structs.replace(got, event_ts=None) == trace


async def test_observation_round_trip(analytics_store: AnalyticsStore) -> None:
    obs = full_observation()
    await analytics_store.upsert_observations([obs])
    got = await analytics_store.get_observation(P1, "o1")
    assert got == obs
    assert got is not None
    assert_utc(got.start_time, got.end_time, got.completion_start_time, got.event_ts)
    minimal = Observation(
        id="o2", trace_id="t1", project_id=P1, type=ObservationType.EVENT, start_time=T0
    )
    await analytics_store.upsert_observations([minimal])
    got = await analytics_store.get_observation(P1, "o2")
    assert got is not None
    assert msgspec.structs.replace(got, event_ts=None) == minimal


async def test_score_round_trip(analytics_store: AnalyticsStore) -> None:
    score = full_score()
    await analytics_store.upsert_scores([score])
    got = await analytics_store.get_score(P1, "s1")
    assert got == score
    assert got is not None
    assert_utc(got.timestamp, got.created_at, got.event_ts)
    minimal = Score(id="s2", project_id=P1, timestamp=T0, name="n", value=-1.0)
    await analytics_store.upsert_scores([minimal])
    got = await analytics_store.get_score(P1, "s2")
    assert got is not None
    assert msgspec.structs.replace(got, event_ts=None) == minimal


async def test_newest_event_ts_wins(analytics_store: AnalyticsStore) -> None:
    # The newer version also moves the trace to another day and month (another sort key).
    newer = full_trace(name="newer", timestamp=T0 + timedelta(days=3), event_ts=T0 + timedelta(1))
    older = full_trace(name="older", event_ts=T0)
    await analytics_store.upsert_traces([newer])
    await analytics_store.upsert_traces([older])
    assert await analytics_store.get_trace(P1, "t1") == newer

    await analytics_store.upsert_observations([full_observation(name="v1", event_ts=T0)])
    moved = full_observation(
        name="v2", start_time=T0 + timedelta(days=40), event_ts=T0 + timedelta(1)
    )
    await analytics_store.upsert_observations([moved])
    assert await analytics_store.get_observation(P1, "o1") == moved
    assert await analytics_store.list_observations(P1, "t1") == [moved]

    await analytics_store.upsert_scores([full_score(value=2.0, event_ts=T0 + timedelta(1))])
    await analytics_store.upsert_scores([full_score(value=1.0, event_ts=T0)])
    got = await analytics_store.get_score(P1, "s1")
    assert got is not None and got.value == 2.0


async def test_same_row_twice_reads_once(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_observations([full_observation()])
    await analytics_store.upsert_observations([full_observation(), full_observation()])
    await analytics_store.upsert_scores([full_score()])
    await analytics_store.upsert_scores([full_score()])
    assert await analytics_store.list_observations(P1, "t1") == [full_observation()]
    assert await analytics_store.list_scores(P1, "t1") == [full_score()]


async def test_reads_are_scoped_to_one_project(analytics_store: AnalyticsStore) -> None:
    await analytics_store.write(
        traces=[full_trace(name="one"), full_trace(project_id=P2)],
        observations=[full_observation(name="one"), full_observation(project_id=P2)],
        scores=[full_score(name="one"), full_score(project_id=P2)],
    )

    assert await analytics_store.get_trace(P2, "t1") == full_trace(project_id=P2)
    assert await analytics_store.get_observation(P2, "o1") == full_observation(project_id=P2)
    assert await analytics_store.get_score(P2, "s1") == full_score(project_id=P2)
    assert await analytics_store.list_observations(P2, "t1") == [full_observation(project_id=P2)]
    assert await analytics_store.list_scores(P2, "t1") == [full_score(project_id=P2)]
    assert await analytics_store.get_trace("project-3", "t1") is None

    await analytics_store.delete_traces(P2, ["t1"])
    await analytics_store.delete_scores(P2, ["s1"])
    assert await analytics_store.get_trace(P1, "t1") == full_trace(name="one")
    assert await analytics_store.list_observations(P1, "t1") == [full_observation(name="one")]
    assert await analytics_store.list_scores(P1, "t1") == [full_score(name="one")]


async def test_delete_traces_removes_observations_and_scores(
    analytics_store: AnalyticsStore,
) -> None:
    await analytics_store.write(
        traces=[full_trace(), full_trace(id="t2")],
        observations=[full_observation(), full_observation(id="o2", trace_id="t2")],
        scores=[
            full_score(),
            full_score(id="s2", trace_id="t2"),
            full_score(id="s3", trace_id=None),
        ],
    )

    await analytics_store.delete_traces(P1, ["t1", "unknown"])

    assert await analytics_store.get_trace(P1, "t1") is None
    assert await analytics_store.get_observation(P1, "o1") is None
    assert await analytics_store.list_observations(P1, "t1") == []
    assert await analytics_store.list_scores(P1, "t1") == []
    assert await analytics_store.get_score(P1, "s1") is None
    assert await analytics_store.get_trace(P1, "t2") == full_trace(id="t2")
    assert await analytics_store.get_observation(P1, "o2") is not None
    assert await analytics_store.get_score(P1, "s2") is not None
    assert await analytics_store.get_score(P1, "s3") is not None


async def test_members_of_traces_are_their_live_observations_and_scores(
    analytics_store: AnalyticsStore,
) -> None:
    await analytics_store.upsert_observations(
        [
            full_observation(),
            full_observation(event_ts=T0 + timedelta(seconds=5)),  # a second version
            full_observation(id="o2", trace_id="t2"),
            full_observation(id="o3", trace_id="t3"),
            full_observation(id="o1", project_id=P2),
        ]
    )
    await analytics_store.upsert_scores(
        [full_score(), full_score(id="s2", trace_id=None), full_score(id="s3", trace_id="t2")]
    )
    await analytics_store.delete_traces(P1, ["t3"])

    members = await analytics_store.members_of_traces(P1, ["t1", "t2", "t3", "unknown"])

    assert sorted((m.kind.value, m.entity_id, m.trace_id) for m in members) == [
        ("observation", "o1", "t1"),
        ("observation", "o2", "t2"),
        ("score", "s1", "t1"),
        ("score", "s3", "t2"),
    ]
    assert await analytics_store.members_of_traces(P1, []) == []


async def test_purge_deleted_keeps_every_live_row(analytics_store: AnalyticsStore) -> None:
    await analytics_store.write(
        traces=[full_trace(), full_trace(id="t2")],
        observations=[full_observation(id="o2", trace_id="t2")],
    )
    await analytics_store.delete_traces(P1, ["t1"])
    await analytics_store.purge_deleted()
    await analytics_store.purge_deleted()  # nothing left to rewrite: still fine
    assert await analytics_store.get_trace(P1, "t1") is None
    assert await analytics_store.get_trace(P1, "t2") == full_trace(id="t2")
    assert await analytics_store.get_observation(P1, "o2") == full_observation(
        id="o2", trace_id="t2"
    )


def _files_holding(root: Path, needle: bytes) -> list[Path]:
    found = []
    for path in root.rglob("*"):
        try:
            if path.is_file() and needle in path.read_bytes():
                found.append(path)
        except FileNotFoundError:  # a part removed while we walked
            continue
    return found


async def test_purge_deleted_leaves_no_deleted_byte_on_disk(chdb_dsn: str) -> None:
    """After purge_deleted, no file of the engine's directory holds a deleted row's input."""
    root = Path(chdb_dsn.removeprefix("chdb://"))
    marker = f"deleted-{uuid.uuid4().hex}"
    kept = f"kept-{uuid.uuid4().hex}"
    doomed_input, kept_input = json.dumps({"q": marker}), json.dumps({"q": kept})
    async with opened_chdb_store(chdb_dsn) as store:
        await store.upsert_traces([
            # The marker as a metadata key too: the lookup copies keep keys (trace_metadata).
            full_trace(input=doomed_input, metadata={marker: "1"}),
            full_trace(id="t2", input=kept_input),
        ])  # fmt: skip
        await store.upsert_observations([full_observation(input=doomed_input)])
        await store.upsert_scores([full_score(comment=marker)])
        assert await asyncio.to_thread(_files_holding, root, marker.encode())

        await store.delete_traces(P1, ["t1"])
        await store.purge_deleted()

        assert await asyncio.to_thread(_files_holding, root, marker.encode()) == []
        assert await asyncio.to_thread(_files_holding, root, kept.encode())
        survivor = await store.get_trace(P1, "t2")
        assert survivor is not None and survivor.input == kept_input


async def test_delete_scores(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_scores([full_score(), full_score(id="s2")])
    await analytics_store.delete_scores(P1, ["s1"])
    assert await analytics_store.get_score(P1, "s1") is None
    assert await analytics_store.list_scores(P1, "t1") == [full_score(id="s2")]


async def test_tombstone_version_hides_row(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces([full_trace()])
    await analytics_store.upsert_traces([full_trace(is_deleted=True, event_ts=T0 + timedelta(1))])
    await analytics_store.upsert_observations([full_observation()])
    tombstone = full_observation(is_deleted=True, event_ts=T0 + timedelta(1))
    await analytics_store.upsert_observations([tombstone])
    assert await analytics_store.get_trace(P1, "t1") is None
    assert await analytics_store.get_observation(P1, "o1") is None
    assert await analytics_store.list_observations(P1, "t1") == []


async def test_lists_are_ordered_and_filtered_by_trace(analytics_store: AnalyticsStore) -> None:
    observations = [
        full_observation(id="b", start_time=T0),
        full_observation(id="a", start_time=T0),
        full_observation(id="0", start_time=T0 + timedelta(seconds=1)),
        full_observation(id="z", start_time=T0 - timedelta(days=1)),
        full_observation(id="other", trace_id="t2"),
    ]
    await analytics_store.upsert_observations(observations)
    listed = await analytics_store.list_observations(P1, "t1")
    assert [obs.id for obs in listed] == ["z", "a", "b", "0"]

    scores = [
        full_score(id="y", timestamp=T0),
        full_score(id="x", timestamp=T0),
        full_score(id="w", timestamp=T0 - timedelta(hours=1)),
        full_score(id="loose", trace_id=None),
        full_score(id="other", trace_id="t2"),
    ]
    await analytics_store.upsert_scores(scores)
    assert [s.id for s in await analytics_store.list_scores(P1, "t1")] == ["w", "x", "y"]


async def test_a_row_whose_sorting_key_changed_is_read_in_its_newest_version_by_trace(
    analytics_store: AnalyticsStore,
) -> None:
    # A retyped observation and a renamed, re-dated score sit under another sorting key
    # (ClickHouse: another key-table row); by trace, only the newest version is read.
    await analytics_store.upsert_observations(
        [full_observation(type=ObservationType.SPAN, event_ts=T0)]
    )
    await analytics_store.upsert_observations(
        [full_observation(type=ObservationType.GENERATION, name="retyped", event_ts=T0 + S)]
    )
    assert [(o.id, o.type, o.name) for o in await analytics_store.list_observations(P1, "t1")] == [
        ("o1", ObservationType.GENERATION, "retyped")
    ]
    await analytics_store.upsert_scores([score("s1", name="A", trace_id="t1")])
    await analytics_store.upsert_scores(
        [score("s1", name="B", trace_id="t1", timestamp=T0 + timedelta(days=2), event_ts=T0 + S)]
    )
    assert [(s.id, s.name) for s in await analytics_store.list_scores(P1, "t1")] == [("s1", "B")]
    assert [s.name for s in (await analytics_store.scores_of_traces(P1, ["t1"]))["t1"]] == ["B"]
    metrics = await analytics_store.trace_metrics(P1, ["t1"])
    assert metrics["t1"].observation_ids == ["o1"]
    # A score given its trace in a later version is found by that trace.
    await analytics_store.upsert_scores([score("s2", name="A")])
    await analytics_store.upsert_scores([score("s2", name="A", trace_id="t1", event_ts=T0 + S)])
    assert sorted(s.id for s in await analytics_store.list_scores(P1, "t1")) == ["s1", "s2"]


async def test_unknown_ids_and_empty_batches(analytics_store: AnalyticsStore) -> None:
    await analytics_store.upsert_traces([])
    await analytics_store.upsert_observations([])
    await analytics_store.upsert_scores([])
    await analytics_store.delete_traces(P1, [])
    await analytics_store.delete_traces(P1, ["nope"])
    await analytics_store.delete_scores(P1, [])
    await analytics_store.delete_scores(P1, ["nope"])
    assert await analytics_store.get_trace(P1, "nope") is None
    assert await analytics_store.get_observation(P1, "nope") is None
    assert await analytics_store.get_score(P1, "nope") is None
    assert await analytics_store.list_observations(P1, "nope") == []
    assert await analytics_store.list_scores(P1, "nope") == []


async def test_callers_cannot_mutate_stored_rows(analytics_store: AnalyticsStore) -> None:
    trace = full_trace()
    await analytics_store.upsert_traces([trace])
    trace.tags.append("sneaky")
    got = await analytics_store.get_trace(P1, "t1")
    assert got is not None
    got.metadata["sneaky"] = "yes"
    assert await analytics_store.get_trace(P1, "t1") == full_trace()


async def test_ping(analytics_store: AnalyticsStore) -> None:
    await analytics_store.ping()
