-- Observations sorted by day right after the project: the newest-first lists
-- (`/v2/observations`, `GET /observations`) read the newest granules in the key's order
-- and stop, instead of reading every type's rows of the project to sort them.
-- The sorting key of a table cannot be changed in place: the rows are copied into a
-- table with the new key, which then takes the old one's name. Each step can run again
-- after a crash: the copy is dropped first, so a half-made one never survives, and
-- once exchanged, the copy made again is of the new table.
DROP TABLE IF EXISTS {database}.observations_by_day;
CREATE TABLE {database}.observations_by_day
(
    id String,
    trace_id String,
    project_id String,
    environment LowCardinality(String) DEFAULT 'default',
    type LowCardinality(String),
    parent_observation_id Nullable(String),
    start_time DateTime64(3),
    end_time Nullable(DateTime64(3)),
    name Nullable(String),
    metadata Map(LowCardinality(String), String),
    level LowCardinality(String),
    status_message Nullable(String),
    version Nullable(String),
    input Nullable(String) CODEC(ZSTD(3)),
    output Nullable(String) CODEC(ZSTD(3)),
    provided_model_name Nullable(String),
    internal_model_id Nullable(String),
    model_parameters Nullable(String),
    provided_usage_details Map(LowCardinality(String), UInt64),
    usage_details Map(LowCardinality(String), UInt64),
    provided_cost_details Map(LowCardinality(String), Decimal64(12)),
    cost_details Map(LowCardinality(String), Decimal64(12)),
    total_cost Nullable(Decimal64(12)),
    completion_start_time Nullable(DateTime64(3)),
    prompt_id Nullable(String),
    prompt_name Nullable(String),
    prompt_version Nullable(UInt16),
    created_at Nullable(DateTime64(3)),
    updated_at Nullable(DateTime64(3)),
    event_ts DateTime64(3),
    is_deleted UInt8,
    INDEX idx_id id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.001) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(event_ts, is_deleted)
PARTITION BY toYYYYMM(start_time)
ORDER BY (project_id, toDate(start_time), type, id);
INSERT INTO {database}.observations_by_day SELECT * FROM {database}.observations;
EXCHANGE TABLES {database}.observations AND {database}.observations_by_day;
DROP TABLE {database}.observations_by_day;
