-- Traces by user: every version of a trace that names a user, again, sorted by
-- (project_id, user_id, id) (storage/clickhouse/traces_by_user.py). A user's traces are
-- spread over all time in `traces`: at 10 M observations a page of one user's hundred
-- traces read a granule for nearly each, about 170 ms. Here they are adjacent.
-- A materialized view copies each inserted version, in the engine, as it is inserted.
-- A trace that leaves a user (a later version names another user or none) gets a
-- tombstone under the user it left (is_deleted = 1 at the new version's event_ts), which
-- the store writes before the new version; so a user's newest row of a trace is live
-- exactly when the trace's newest version names that user.
-- Small granules and small compressed blocks: the table is only read a few adjacent rows
-- at a time, and a read decompresses whole blocks (default up to 1 MiB per column). The
-- payloads are compressed with the default LZ4, not ZSTD as in `traces`: every trace
-- version is compressed here a second time, on the ingestion path.
-- The columns are those of `traces` but user_id, which is never null here. A migration
-- that adds a column to `traces` must add it here and recreate the view (a test checks).
CREATE TABLE IF NOT EXISTS {database}.traces_by_user
(
    id String,
    timestamp DateTime64(3),
    name Nullable(String),
    user_id String,
    metadata Map(LowCardinality(String), String),
    release Nullable(String),
    version Nullable(String),
    project_id String,
    environment LowCardinality(String) DEFAULT 'default',
    public Bool,
    bookmarked Bool,
    tags Array(String),
    input Nullable(String),
    output Nullable(String),
    session_id Nullable(String),
    created_at Nullable(DateTime64(3)),
    updated_at Nullable(DateTime64(3)),
    event_ts DateTime64(3),
    is_deleted UInt8,
    observation_count UInt64 DEFAULT 0,
    first_start Nullable(DateTime64(3)),
    last_end Nullable(DateTime64(3)),
    total_cost Nullable(Decimal128(12)),
    observation_ids Array(String),
    model_usage Array(Tuple(
        model Nullable(String), observations UInt64, input UInt64, output UInt64,
        total UInt64, cost Nullable(Decimal128(12))))
)
ENGINE = ReplacingMergeTree(event_ts, is_deleted)
ORDER BY (project_id, user_id, id)
SETTINGS index_granularity = 256, min_compress_block_size = 4096,
    max_compress_block_size = 65536;
CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.traces_by_user_mv
TO {database}.traces_by_user
AS SELECT source.* REPLACE (assumeNotNull(source.user_id) AS user_id)
FROM {database}.traces AS source
WHERE source.user_id IS NOT NULL;
-- Existing data: its versions that name a user, then a tombstone under every user a
-- trace left. Running it again after a crash only repeats rows, which the engine folds
-- and readers tolerate (they keep the newest row of each trace).
INSERT INTO {database}.traces_by_user
SELECT source.* REPLACE (assumeNotNull(source.user_id) AS user_id)
FROM {database}.traces AS source
WHERE source.user_id IS NOT NULL;
INSERT INTO {database}.traces_by_user (project_id, user_id, id, timestamp, event_ts, is_deleted)
SELECT project_id, left_user, id, newest.2, newest.3, 1 FROM (
    SELECT project_id, id, argMax((user_id, `timestamp`, event_ts), event_ts) AS newest,
        groupUniqArrayIf(assumeNotNull(user_id), user_id IS NOT NULL) AS users
    FROM {database}.traces GROUP BY project_id, id
) ARRAY JOIN users AS left_user
WHERE newest.1 IS NULL OR left_user != newest.1
SETTINGS max_bytes_before_external_group_by = 268435456;
