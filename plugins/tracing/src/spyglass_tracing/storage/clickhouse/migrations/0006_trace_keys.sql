-- Key tables: each written version of an observation or a score, found by its trace
-- (`queries/trace_keys.py`). A read by trace takes the versions' sorting keys from here,
-- by this table's own primary key, instead of scanning the project's bloom index on
-- `trace_id`, which grows with the project. The columns are those the main tables'
-- sorting keys are computed from, so both sides of the match use the same `toDate`.
-- Each step can run again after a crash: a half-filled table is dropped and refilled
-- (migrations run before the process reads or writes).
DROP TABLE IF EXISTS {database}.observation_keys;
CREATE TABLE {database}.observation_keys
(
    project_id String,
    trace_id String,
    start_time DateTime64(3),
    type LowCardinality(String),
    id String
)
ENGINE = ReplacingMergeTree
ORDER BY (project_id, trace_id, id, start_time, type);
INSERT INTO {database}.observation_keys
    SELECT project_id, trace_id, start_time, type, id FROM {database}.observations;
DROP TABLE IF EXISTS {database}.score_keys;
CREATE TABLE {database}.score_keys
(
    project_id String,
    trace_id String,
    timestamp DateTime64(3),
    name String,
    id String
)
ENGINE = ReplacingMergeTree
ORDER BY (project_id, trace_id, id, timestamp, name);
INSERT INTO {database}.score_keys
    SELECT project_id, trace_id, `timestamp`, name, id FROM {database}.scores
    WHERE trace_id IS NOT NULL AND trace_id != '';
