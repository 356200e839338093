-- Traces: one row version per write; the greatest event_ts wins, is_deleted marks a tombstone.
-- Readers deduplicate with ORDER BY event_ts DESC LIMIT 1 BY project_id, id because an
-- update may move a trace to another day of the sorting key.
CREATE TABLE IF NOT EXISTS {database}.traces
(
    id String,
    timestamp DateTime64(3),
    name Nullable(String),
    user_id Nullable(String),
    metadata Map(LowCardinality(String), String),
    release Nullable(String),
    version Nullable(String),
    project_id String,
    environment LowCardinality(String) DEFAULT 'default',
    public Bool,
    bookmarked Bool,
    tags Array(String),
    input Nullable(String) CODEC(ZSTD(3)),
    output Nullable(String) CODEC(ZSTD(3)),
    session_id Nullable(String),
    created_at Nullable(DateTime64(3)),
    updated_at Nullable(DateTime64(3)),
    event_ts DateTime64(3),
    is_deleted UInt8,
    INDEX idx_id id TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_metadata_key mapKeys(metadata) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_metadata_value mapValues(metadata) TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(event_ts, is_deleted)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (project_id, toDate(timestamp), id);
