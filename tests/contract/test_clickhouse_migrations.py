"""Schema migrations of the tracing tables upgrade a database made by an earlier version.

The database is built with the migrations that existed before the one under test and
filled with the rows an earlier version wrote (several versions of some rows,
tombstones), then upgraded. Every read must then answer exactly as on a
database the current version made and wrote itself.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import clickhouse_connect
import pytest
from msgspec.structs import replace

from spyglass_adapters.clickhouse.migrator import ClickHouseMigrator, load_migrations
from spyglass_core.domain.tracing import Observation, ObservationType, Score, Trace
from spyglass_tracing.domain.queries import MetricsQuery, ObservationQuery
from spyglass_tracing.storage.clickhouse import ClickHouseAnalyticsStore
from spyglass_tracing.storage.clickhouse.mapping import (
    OBSERVATION_COLUMNS,
    SCORE_COLUMNS,
    TRACE_COLUMNS,
    observation_to_row,
    score_to_row,
    trace_to_row,
)
from spyglass_tracing.storage.clickhouse.store import (
    MIGRATIONS_PACKAGE,
    NAMESPACE,
    apply_tracing_migrations,
)

P1, P2 = "project-1", "project-2"
T0 = datetime(2026, 2, 27, 23, 0, tzinfo=UTC)
OBSERVATIONS_BY_DAY = "0005_observations_by_day"
TRACE_SUMMARIES = "0006_trace_summaries"
TRACES_BY_TIME = "0008_traces_by_time"
OBSERVATIONS_BY_TIME = "0009_observations_by_time"
MOVED_ROWS = "0010_moved_rows"


def _client(dsn: str) -> Any:
    return clickhouse_connect.get_client(dsn=dsn)


def _migrate_before(dsn: str, database: str, version: str) -> None:
    earlier = [m for m in load_migrations(MIGRATIONS_PACKAGE) if m.version < version]
    client = _client(dsn)
    try:
        ClickHouseMigrator(client, database, NAMESPACE, earlier).apply()
    finally:
        client.close()


def _sorting_key(dsn: str, database: str, table: str) -> str:
    client = _client(dsn)
    try:
        rows = client.query(
            "SELECT sorting_key FROM system.tables "
            "WHERE database = {d:String} AND name = {t:String}",
            parameters={"d": database, "t": table},
        ).result_rows
        return str(rows[0][0])
    finally:
        client.close()


@pytest.fixture
async def databases(chdb_dsn: str) -> AsyncIterator[Callable[[], str]]:
    """Hands out fresh database names; drops them all at the end."""
    names: list[str] = []

    def new() -> str:
        names.append(f"test_{uuid.uuid4().hex}")
        return names[-1]

    try:
        yield new
    finally:

        def drop() -> None:
            client = _client(chdb_dsn)
            try:
                for name in names:
                    client.command(f"DROP DATABASE IF EXISTS {name}")
            finally:
                client.close()

        await asyncio.to_thread(drop)


def _observation(i: int, start: datetime) -> Observation:
    return Observation(
        id=f"o{i}",
        trace_id=f"t{i % 5}",
        project_id=P1 if i % 10 else P2,
        type=ObservationType.GENERATION if i % 3 == 0 else ObservationType.SPAN,
        name=f"step-{i}",
        start_time=start,
        end_time=start + timedelta(hours=1),
        input=f'{{"q": {i}}}',
        output=f'{{"a": {i}}}',
        usage_details={"input": i, "output": 2 * i},
        provided_model_name="gpt-4o" if i % 3 == 0 else None,
        metadata={"k": str(i)},
        event_ts=T0,
    )


def _observations() -> tuple[list[Observation], list[Observation]]:
    """First versions of 30 observations over three days (and another project's), then
    newer versions of a few: renamed, moved a day later, retyped, deleted."""
    hour = timedelta(hours=1)
    first = [_observation(i, T0 + i * 2 * hour) for i in range(30)]
    later = T0 + timedelta(minutes=5)
    updates = [
        replace(first[1], name="renamed", event_ts=later),
        replace(first[2], start_time=T0 + timedelta(days=1), event_ts=later),
        replace(first[4], type=ObservationType.EVENT, event_ts=later),
        replace(first[5], is_deleted=True, event_ts=later),
    ]
    return first, updates


def _scores() -> tuple[list[Score], list[Score]]:
    """Scores of the traces (one without a trace), then a renamed, a re-dated, a deleted
    one and one given its trace later."""
    first = [
        Score(
            id=f"s{i}",
            project_id=P1,
            trace_id=f"t{i % 5}" if i != 9 else None,
            session_id="session-9" if i == 9 else None,
            name=f"quality-{i % 2}",
            value=float(i),
            timestamp=T0 + timedelta(hours=3 * i),
            event_ts=T0,
        )
        for i in range(12)
    ]
    later = T0 + timedelta(minutes=5)
    updates = [
        replace(first[1], name="renamed", event_ts=later),
        replace(first[2], timestamp=T0 + timedelta(days=2), event_ts=later),
        replace(first[3], is_deleted=True, event_ts=later),
        replace(first[9], trace_id="t4", event_ts=later),
    ]
    return first, updates


def _traces() -> tuple[list[Trace], list[Trace]]:
    """Traces t0..t4 (t5 has no observation), then a renamed, a re-dated, a deleted one."""
    first = [
        Trace(id=f"t{i}", project_id=P1, timestamp=T0 + timedelta(hours=5 * i),
              name=f"trace-{i}", event_ts=T0)
        for i in range(6)
    ]  # fmt: skip
    later = T0 + timedelta(minutes=5)
    updates = [
        replace(first[1], name="renamed", event_ts=later),
        replace(first[2], timestamp=T0 - timedelta(days=1), event_ts=later),
        replace(first[3], is_deleted=True, event_ts=later),
    ]
    return first, updates


async def _everything(store: ClickHouseAnalyticsStore) -> dict[str, Any]:
    """What the reads answer about the observations and scores, to compare databases."""
    answers: dict[str, Any] = {}
    for project in (P1, P2):
        page = await store.find_observations(project, ObservationQuery(limit=100, with_total=True))
        answers[f"{project} list"] = [o.id for o in page.items]
        answers[f"{project} total"] = page.total
        answers[f"{project} rows"] = sorted(page.items, key=lambda o: o.id)
        by_type = await store.find_observations(
            project, ObservationQuery(limit=100, type="GENERATION")
        )
        answers[f"{project} generations"] = [o.id for o in by_type.items]
    traces = [f"t{i}" for i in range(5)]
    for trace_id in traces:
        answers[f"trace {trace_id}"] = await store.list_observations(P1, trace_id)
        answers[f"scores of {trace_id}"] = await store.list_scores(P1, trace_id)
        listed = await store.find_observations(P1, ObservationQuery(limit=100, trace_id=trace_id))
        answers[f"listed of {trace_id}"] = [o.id for o in listed.items]
    answers["metrics"] = await store.trace_metrics(P1, traces)
    answers["scores by trace"] = await store.scores_of_traces(P1, traces)
    answers["by id"] = await store.get_observations(P1, ["o1", "o2", "o4", "o5", "o11"])
    # A trace's version may differ (a summary is written as a later version), not its rows.
    stored = await store.get_traces(P1, [*traces, "t5"])
    answers["traces"] = sorted((replace(t, event_ts=None) for t in stored), key=lambda t: t.id)
    answers["daily"] = await store.daily_metrics(P1, MetricsQuery())
    return answers


def _insert_rows(
    dsn: str,
    database: str,
    traces: list[Trace],
    observations: list[Observation],
    scores: list[Score],
) -> None:
    """Rows as an earlier version wrote them, inserted as they are."""
    client = _client(dsn)
    try:
        at = datetime.now(UTC)
        client.insert(
            f"{database}.traces",
            [trace_to_row(t, default_event_ts=at) for t in traces],
            column_names=list(TRACE_COLUMNS),
        )
        client.insert(
            f"{database}.observations",
            [observation_to_row(o, default_event_ts=at) for o in observations],
            column_names=list(OBSERVATION_COLUMNS),
        )
        client.insert(
            f"{database}.scores",
            [score_to_row(s, default_event_ts=at) for s in scores],
            column_names=list(SCORE_COLUMNS),
        )
    finally:
        client.close()


async def _written_before(dsn: str, database: str, version: str) -> None:
    """A database on the migrations before ``version``, holding what they wrote."""
    await asyncio.to_thread(_migrate_before, dsn, database, version)
    traces, trace_updates = _traces()
    observations, observation_updates = _observations()
    scores, score_updates = _scores()
    await asyncio.to_thread(_insert_rows, dsn, database, traces, observations, scores)
    await asyncio.to_thread(
        _insert_rows, dsn, database, trace_updates, observation_updates, score_updates
    )


async def _written_now(dsn: str, database: str) -> dict[str, Any]:
    """The answers of a database this version made and wrote through its store."""
    store = await ClickHouseAnalyticsStore.open(dsn, database)
    try:
        traces, trace_updates = _traces()
        observations, observation_updates = _observations()
        scores, score_updates = _scores()
        await store.upsert_traces(traces)
        await store.upsert_observations(observations)
        await store.upsert_scores(scores)
        await store.upsert_traces(trace_updates)
        await store.upsert_observations(observation_updates)
        await store.upsert_scores(score_updates)
        return await _everything(store)
    finally:
        await store.close()


async def _upgraded(dsn: str, database: str) -> dict[str, Any]:
    store = await ClickHouseAnalyticsStore.open(dsn, database)
    try:
        return await _everything(store)
    finally:
        await store.close()


async def test_observations_by_day_upgrades_existing_rows(
    chdb_dsn: str, databases: Callable[[], str]
) -> None:
    expected = await _written_now(chdb_dsn, databases())
    database = databases()
    await _written_before(chdb_dsn, database, OBSERVATIONS_BY_DAY)
    assert _sorting_key(chdb_dsn, database, "observations").startswith("project_id, type")

    after = await _upgraded(chdb_dsn, database)

    # 0009, which also ran, sorts them by time within the day.
    assert _sorting_key(chdb_dsn, database, "observations") == (
        "project_id, toDate(start_time), start_time, id"
    )
    assert after == expected
    assert len(after[f"{P1} list"]) == 26  # 27 of the project's, one deleted
    assert "o5" not in after[f"{P1} list"] and "renamed" in {o.name for o in after["by id"]}


async def test_observations_by_day_can_run_again_after_a_crash(
    chdb_dsn: str, databases: Callable[[], str]
) -> None:
    """A process killed after the exchange, before the migration was recorded, runs the
    file again at the next start: the data stays whole and the key stays the new one."""
    expected = await _written_now(chdb_dsn, databases())
    database = databases()
    await _written_before(chdb_dsn, database, OBSERVATIONS_BY_DAY)
    statements = _statements(database, OBSERVATIONS_BY_DAY)
    exchange = next(i for i, sql in enumerate(statements) if sql.startswith("EXCHANGE"))
    await asyncio.to_thread(_run_all, chdb_dsn, statements[: exchange + 1])  # killed before DROP
    await asyncio.to_thread(_apply_migrations_including, chdb_dsn, database, OBSERVATIONS_BY_DAY)

    assert await _upgraded(chdb_dsn, database) == expected
    assert _sorting_key(chdb_dsn, database, "observations").startswith("project_id, toDate")


async def test_trace_summaries_sum_the_observations_of_existing_traces(
    chdb_dsn: str, databases: Callable[[], str]
) -> None:
    """Per-trace and daily metrics, read from the summaries after the upgrade, answer as
    those of a database this version wrote, also after the copy ran again (a crash before
    the migration was recorded), and the upgrade adds no row version."""
    expected = await _written_now(chdb_dsn, databases())
    database = databases()
    await _written_before(chdb_dsn, database, TRACE_SUMMARIES)

    assert await _upgraded(chdb_dsn, database) == expected
    statements = _statements(database, TRACE_SUMMARIES)
    exchange = next(i for i, sql in enumerate(statements) if "EXCHANGE" in sql)
    await asyncio.to_thread(_run_all, chdb_dsn, statements[: exchange + 1])  # killed before DROP
    await asyncio.to_thread(_run_all, chdb_dsn, statements)  # run again at the next start
    after = await _upgraded(chdb_dsn, database)
    assert after == expected
    # t0's live observations of this project (o5 is deleted, o0, o10, o20 are P2's).
    assert after["metrics"]["t0"].observation_ids == ["o15", "o25"]
    assert sum(day.count_traces for day in after["daily"].items) == 5  # t3 is deleted
    assert _row_count(chdb_dsn, database, "traces") <= 9  # six traces, three updates: no more


async def test_traces_by_time_re_sorts_existing_traces(
    chdb_dsn: str, databases: Callable[[], str]
) -> None:
    """A database on the migration before it, with its data, answers after the re-sort as
    one this version wrote, also after the copy ran again, with no row version added."""
    expected = await _written_now(chdb_dsn, databases())
    database = databases()
    await _written_before(chdb_dsn, database, TRACE_SUMMARIES)
    await asyncio.to_thread(_migrate_before, chdb_dsn, database, TRACES_BY_TIME)
    assert _sorting_key(chdb_dsn, database, "traces") == "project_id, toDate(timestamp), id"
    rows = _row_count(chdb_dsn, database, "traces")

    assert await _upgraded(chdb_dsn, database) == expected
    statements = _statements(database, TRACES_BY_TIME)
    exchange = next(i for i, sql in enumerate(statements) if sql.startswith("EXCHANGE"))
    await asyncio.to_thread(_run_all, chdb_dsn, statements[: exchange + 1])  # killed before DROP
    await asyncio.to_thread(_run_all, chdb_dsn, statements)  # run again at the next start

    assert await _upgraded(chdb_dsn, database) == expected
    assert _sorting_key(chdb_dsn, database, "traces") == (
        "project_id, toDate(timestamp), timestamp, id"
    )
    assert _row_count(chdb_dsn, database, "traces") == rows


async def test_observations_by_time_re_sorts_existing_observations(
    chdb_dsn: str, databases: Callable[[], str]
) -> None:
    """As for traces (0008): the answers, the rerun after a crash and the row count hold."""
    expected = await _written_now(chdb_dsn, databases())
    database = databases()
    await _written_before(chdb_dsn, database, TRACE_SUMMARIES)
    await asyncio.to_thread(_migrate_before, chdb_dsn, database, OBSERVATIONS_BY_TIME)
    assert _sorting_key(chdb_dsn, database, "observations") == (
        "project_id, toDate(start_time), type, id"
    )
    rows = _row_count(chdb_dsn, database, "observations")

    assert await _upgraded(chdb_dsn, database) == expected
    statements = _statements(database, OBSERVATIONS_BY_TIME)
    exchange = next(i for i, sql in enumerate(statements) if sql.startswith("EXCHANGE"))
    await asyncio.to_thread(_run_all, chdb_dsn, statements[: exchange + 1])  # killed before DROP
    await asyncio.to_thread(_run_all, chdb_dsn, statements)  # run again at the next start

    assert await _upgraded(chdb_dsn, database) == expected
    assert _sorting_key(chdb_dsn, database, "observations") == (
        "project_id, toDate(start_time), start_time, id"
    )
    # No version is added; versions that now share a key (the type left it) may collapse
    # as the copy is written, as a merge would collapse them.
    assert _row_count(chdb_dsn, database, "observations") <= rows


async def test_moved_rows_records_the_days_of_existing_rows(
    chdb_dsn: str, databases: Callable[[], str]
) -> None:
    """Rows whose versions an earlier version put on several days (a trace moved a day
    back, a score two days on) get the days this version would have recorded, also
    after the migration ran again."""
    written_now = databases()
    expected = await _written_now(chdb_dsn, written_now)
    recorded = _moved_rows(chdb_dsn, written_now)
    feb = datetime(2026, 2, 1).date()
    assert recorded == {
        (P1, "traces", "t2", feb.replace(day=26)), (P1, "traces", "t2", feb.replace(day=28)),
        (P1, "scores", "s2", feb.replace(day=28)), (P1, "scores", "s2", feb.replace(month=3)),
    }  # fmt: skip
    database = databases()
    await _written_before(chdb_dsn, database, MOVED_ROWS)

    after = await _upgraded(chdb_dsn, database)
    assert _moved_rows(chdb_dsn, database) == recorded
    # The lists answer alike (the summaries differ: these rows were inserted after the
    # migration that computes them, as no release would have written them).
    for answer in (f"{P1} list", f"{P1} rows", f"{P2} list", "scores by trace", "by id"):
        assert after[answer] == expected[answer], answer
    await asyncio.to_thread(_run_all, chdb_dsn, _statements(database, MOVED_ROWS))
    assert _moved_rows(chdb_dsn, database) == recorded


def _moved_rows(dsn: str, database: str) -> set[tuple[Any, ...]]:
    client = _client(dsn)
    try:
        sql = f"SELECT DISTINCT project_id, kind, id, day FROM {database}.moved_rows"
        return {tuple(row) for row in client.query(sql).result_rows}
    finally:
        client.close()


def _row_count(dsn: str, database: str, table: str) -> int:
    client = _client(dsn)
    try:
        return int(client.query(f"SELECT count() FROM {database}.{table}").result_rows[0][0])
    finally:
        client.close()


def _statements(database: str, version: str) -> list[str]:
    migration = next(m for m in load_migrations(MIGRATIONS_PACKAGE) if m.version == version)
    return migration.statements(database)


def _run_all(dsn: str, statements: list[str]) -> None:
    client = _client(dsn)
    try:
        for sql in statements:
            client.command(sql)
    finally:
        client.close()


def _apply_migrations_including(dsn: str, database: str, version: str) -> None:
    client = _client(dsn)
    try:
        assert version in " ".join(apply_tracing_migrations(client, database))
    finally:
        client.close()
