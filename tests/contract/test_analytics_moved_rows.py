"""Contract suite: newest-first pages stay exact when an update moves a row to another day.

ClickHouse's newest-first pages check a page's candidates on the days the scan saw them
on, plus the days ``moved_rows`` records (``storage/clickhouse/moved_rows.py``). Each
test puts enough rows on the newest day that the scan of a small page never reaches the
older day: a row moved from the newest day back to the older one is then seen only as
its outdated version, and the page must still know it has left.

Both write paths are covered: ``upsert_*`` (the store reads the stored days back) and
``write(..., replaces=...)`` (the worker's, which passes the versions it merged from).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from spyglass_core.domain.tracing import Observation, Score, Trace
from spyglass_tracing.domain.queries import ObservationQuery, ScoreQuery, TraceQuery
from spyglass_tracing.domain.ui_lists import TraceListQuery
from spyglass_tracing.ports.analytics import AnalyticsStore
from tests.contract.analytics_support import (
    T0,
    H,
    S,
    analytics_store,
    observation,
    opened_chdb_store,
    score,
    trace,
)

__all__ = ("analytics_store",)  # the fixture, used by name

OLDER_DAY = T0 - timedelta(days=3)
NEWEST_DAY = T0
Row = Trace | Observation | Score
Writer = Callable[[AnalyticsStore, Sequence[Any], Sequence[Any]], Awaitable[None]]


async def _by_upsert(store: AnalyticsStore, rows: Sequence[Any], stored: Sequence[Any]) -> None:
    kind = type(rows[0])
    upsert = {Trace: store.upsert_traces, Observation: store.upsert_observations,
              Score: store.upsert_scores}[kind]  # fmt: skip
    await upsert(rows)


async def _by_merge(store: AnalyticsStore, rows: Sequence[Any], stored: Sequence[Any]) -> None:
    kind = type(rows[0])
    rows_of = {"traces" if kind is Trace else "observations" if kind is Observation
               else "scores": rows}  # fmt: skip
    await store.write(**rows_of, replaces=list(stored))


WRITERS = [pytest.param(_by_upsert, id="upsert"), pytest.param(_by_merge, id="merge")]


def _moved(row: Row, to: Any) -> Row:
    time = "start_time" if isinstance(row, Observation) else "timestamp"
    return type(row)(**{**_fields(row), time: to, "event_ts": T0 + S})


def _fields(row: Row) -> dict[str, Any]:
    return {name: getattr(row, name) for name in row.__struct_fields__}


async def _scenario(
    store: AnalyticsStore, make: Callable[..., Row], time: str, write: Writer
) -> None:
    """Twelve rows on the newest day; ``back`` newest of all, ``ahead`` on the older day;
    then ``back`` moves to the older day and ``ahead`` ahead of everything."""
    newest = [make(f"n{i:02}", **{time: NEWEST_DAY + i * S}) for i in range(12)]
    back = make("back", **{time: NEWEST_DAY + H})
    ahead = make("ahead", **{time: OLDER_DAY + H})
    old = make("old", **{time: OLDER_DAY})
    await write(store, [*newest, back, ahead, old], [])
    moved = [_moved(back, OLDER_DAY + 2 * H), _moved(ahead, NEWEST_DAY + 2 * H)]
    await write(store, moved, [back, ahead])


@pytest.mark.parametrize("write", WRITERS)
async def test_a_trace_moved_to_another_day_leaves_the_newest_page(
    analytics_store: AnalyticsStore, write: Writer
) -> None:
    await _scenario(analytics_store, trace, "timestamp", write)
    page = await analytics_store.find_traces(trace("x").project_id, TraceQuery(limit=3))
    assert [item.id for item in page.items] == ["ahead", "n11", "n10"]
    assert page.items[0].timestamp == NEWEST_DAY + 2 * H
    full = await analytics_store.find_traces(trace("x").project_id, TraceQuery(limit=20))
    ids = [item.id for item in full.items]
    assert ids == ["ahead", *(f"n{i:02}" for i in reversed(range(12))), "back", "old"]
    assert full.items[-2].timestamp == OLDER_DAY + 2 * H
    assert full.total == 15


def _observations(store: AnalyticsStore, **query: Any) -> Any:
    return store.find_observations(observation("x").project_id, ObservationQuery(**query))


def _scores(store: AnalyticsStore, **query: Any) -> Any:
    return store.find_scores(score("x").project_id, ScoreQuery(**query))


@pytest.mark.parametrize("write", WRITERS)
@pytest.mark.parametrize(
    ("make", "time", "find"),
    [
        pytest.param(observation, "start_time", _observations, id="observation"),
        pytest.param(score, "timestamp", _scores, id="score"),
    ],
)
async def test_an_observation_or_a_score_moved_to_another_day_leaves_the_newest_page(
    analytics_store: AnalyticsStore, write: Writer, make: Any, time: str, find: Any
) -> None:
    await _scenario(analytics_store, make, time, write)
    page = await find(analytics_store, limit=3)
    assert [item.id for item in page.items] == ["ahead", "n11", "n10"]
    later = await find(analytics_store, limit=3, offset=12)
    assert [item.id for item in later.items] == ["n00", "back", "old"]
    assert getattr(later.items[1], time) == OLDER_DAY + 2 * H


@pytest.mark.parametrize("write", WRITERS)
async def test_a_row_moved_twice_keeps_every_day(
    analytics_store: AnalyticsStore, write: Writer
) -> None:
    """Newest day, then the older one, then back to a third: every day its versions sit
    on stays known, so no outdated version is taken for the newest."""
    await _scenario(analytics_store, trace, "timestamp", write)
    project = trace("x").project_id
    back = (await analytics_store.get_traces(project, ["back"]))[0]
    third_day = OLDER_DAY + timedelta(days=1)
    again = Trace(**{**_fields(back), "timestamp": third_day, "event_ts": T0 + 2 * S})
    await write(analytics_store, [again], [back])
    full = await analytics_store.find_traces(project, TraceQuery(limit=20))
    assert [item.id for item in full.items][-2:] == ["back", "old"]
    assert full.items[-2].timestamp == third_day
    page = await analytics_store.find_traces(project, TraceQuery(limit=3))
    assert [item.id for item in page.items] == ["ahead", "n11", "n10"]


@pytest.mark.parametrize("write", WRITERS)
async def test_the_traces_table_sees_a_trace_moved_to_another_day(
    analytics_store: AnalyticsStore, write: Writer
) -> None:
    """The web UI's keyset pages check their candidates the same way, and read the page's
    rows on the days of their newest versions."""
    await _scenario(analytics_store, trace, "timestamp", write)
    project = trace("x").project_id
    page = await analytics_store.find_trace_rows(project, TraceListQuery(limit=3))
    assert [row.id for row in page.items] == ["ahead", "n11", "n10"]
    ids = []
    after = None
    while True:
        page = await analytics_store.find_trace_rows(project, TraceListQuery(limit=4, after=after))
        ids += [row.id for row in page.items]
        if page.next_after is None:
            break
        after = page.next_after
    assert ids == ["ahead", *(f"n{i:02}" for i in reversed(range(12))), "back", "old"]


@pytest.mark.parametrize("write", WRITERS)
async def test_times_outside_the_date_range_are_recorded_as_the_keys_days(
    analytics_store: AnalyticsStore, write: Writer
) -> None:
    """A client clock at zero or before 1970: ``Date`` starts on 1970-01-01, so the days
    recorded are ClickHouse's own ``toDate`` of the times, and writing them must not fail
    (a trace moved from the newest day to the epoch leaves the page)."""
    project = trace("x").project_id
    newest = [trace(f"n{i:02}", timestamp=NEWEST_DAY + i * S) for i in range(12)]
    before_epoch = trace("early", timestamp=datetime(1969, 12, 31, 12, tzinfo=UTC))
    back = trace("back", timestamp=NEWEST_DAY + H)
    await write(analytics_store, [*newest, before_epoch, back], [])
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    moved = [_moved(before_epoch, NEWEST_DAY + 2 * H), _moved(back, epoch)]
    await write(analytics_store, moved, [before_epoch, back])
    page = await analytics_store.find_traces(project, TraceQuery(limit=3))
    assert [item.id for item in page.items] == ["early", "n11", "n10"]
    full = await analytics_store.find_traces(project, TraceQuery(limit=20))
    assert [item.id for item in full.items][-1] == "back"
    assert full.total == 14


async def test_deleting_rows_deletes_their_days(chdb_dsn: str) -> None:
    """Erasing a trace leaves no trace of its rows' ids in moved_rows."""
    async with opened_chdb_store(chdb_dsn) as store:
        await _scenario(store, trace, "timestamp", _by_upsert)
        await _scenario(store, lambda id, **kw: observation(id, trace_id="back", **kw),
                        "start_time", _by_upsert)  # fmt: skip
        await _scenario(store, lambda id, **kw: score(id, trace_id="ahead", **kw),
                        "timestamp", _by_upsert)  # fmt: skip

        def recorded() -> set[tuple[str, str]]:
            sql = f"SELECT DISTINCT kind, id FROM {store._table('moved_rows')}"
            return {(str(kind), str(row_id)) for kind, row_id in store._rows(sql, {})}

        kinds = ("traces", "observations", "scores")
        assert recorded() == {(kind, row_id) for kind in kinds for row_id in ("back", "ahead")}
        await store.delete_traces(trace("x").project_id, ["back"])
        # The trace "back" and the observations of "back" (both ids) are gone.
        assert recorded() == {("traces", "ahead"), ("scores", "back"), ("scores", "ahead")}
        await store.delete_scores(trace("x").project_id, ["back"])
        assert recorded() == {("traces", "ahead"), ("scores", "ahead")}

        def stored_rows() -> int:  # the deleted ones too, until the purge rewrites them
            sql = (f"SELECT count() FROM {store._table('moved_rows')} "
                   "SETTINGS apply_deleted_mask = 0")  # fmt: skip
            return int(store._rows(sql, {})[0][0])

        assert stored_rows() > 2 * len(recorded())
        await store.purge_deleted()
        assert stored_rows() == 2 * len(recorded())  # two days each, nothing of the rest
