-- Daily metrics rollup: one row per (project, UTC day) with what GET /metrics/daily
-- reports for it, so a 30-day window reads 30 small rows instead of deduplicating every
-- trace of the window (storage/clickhouse/daily_rollup.py).
--
-- A rollup row is a cache computed at read time, never adjusted by deltas: it holds the
-- server time at which its computation began (computed_ts). Every write of trace rows
-- marks the days it touched in changed_days after its data is stored, with the server's
-- time; a day whose newest mark is later than its rollup row (or that has none) is
-- computed again from the traces. Day 1970-01-01 marks every day of a project (a delete).
CREATE TABLE IF NOT EXISTS {database}.daily_rollup
(
    project_id String,
    day Date,
    computed_ts DateTime64(6),
    traces UInt64,
    models Array(Tuple(
        model Nullable(String), traces UInt64, observations UInt64, input UInt64,
        output UInt64, total UInt64, cost Nullable(Decimal128(12))))
)
ENGINE = ReplacingMergeTree(computed_ts)
ORDER BY (project_id, day);
CREATE TABLE IF NOT EXISTS {database}.changed_days
(
    project_id String,
    day Date,
    changed_ts DateTime64(6) DEFAULT now64(6)
)
ENGINE = ReplacingMergeTree(changed_ts)
ORDER BY (project_id, day);
-- Existing data: every day that holds a trace row is marked, so its first read computes
-- it. Marking twice (a rerun after a crash) only adds a mark.
INSERT INTO {database}.changed_days (project_id, day)
SELECT DISTINCT project_id, toDate(`timestamp`, 'UTC') FROM {database}.traces;
