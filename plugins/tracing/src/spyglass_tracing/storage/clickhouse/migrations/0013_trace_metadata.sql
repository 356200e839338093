-- Trace versions by metadata entry (storage/clickhouse/trace_metadata.py): one row per
-- entry of every trace version, its key, a hash of its value, the version's time, id and
-- deletion flag, sorted so that the versions carrying one entry sit side by side, newest
-- day last. A list filtered by one metadata value read the metadata of the newest traces
-- in `traces` until enough matched: at 10 M observations one trace in 500 matched and the
-- scan read about 37,500 traces' metadata for a page. Here it reads the page's versions.
-- Versions whose entry a later version changed stay: a reader checks every candidate on
-- its newest version in `traces`, hash collisions too.
-- A materialized view copies each inserted version's entries; deletes delete here too.
CREATE TABLE IF NOT EXISTS {database}.trace_metadata
(
    project_id String,
    key LowCardinality(String),
    value_hash UInt64,
    timestamp DateTime64(3),
    id String,
    is_deleted UInt8,
    -- Deletes find a trace's rows by id: the key starts with the metadata key.
    INDEX idx_id id TYPE bloom_filter(0.001) GRANULARITY 1
)
ENGINE = ReplacingMergeTree
ORDER BY (project_id, key, value_hash, toDate(timestamp), timestamp, id, is_deleted)
SETTINGS index_granularity = 1024;
CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.trace_metadata_mv
TO {database}.trace_metadata
AS SELECT source.project_id AS project_id, entry_key AS key,
    cityHash64(entry_value) AS value_hash, source.timestamp AS timestamp, source.id AS id,
    source.is_deleted AS is_deleted
FROM {database}.traces AS source
ARRAY JOIN mapKeys(source.metadata) AS entry_key, mapValues(source.metadata) AS entry_value;
-- Existing data. Running it again after a crash only repeats rows, which the engine folds
-- and readers tolerate (they read candidates, not answers).
INSERT INTO {database}.trace_metadata
SELECT project_id, entry_key, cityHash64(entry_value), timestamp, id, is_deleted
FROM {database}.traces
ARRAY JOIN mapKeys(metadata) AS entry_key, mapValues(metadata) AS entry_value;
