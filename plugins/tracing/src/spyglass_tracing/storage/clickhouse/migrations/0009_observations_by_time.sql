-- Observations sorted by time within a day: (project_id, toDate(start_time), start_time,
-- id) instead of (project_id, toDate(start_time), type, id). The newest-first lists
-- (GET /v2/observations and /observations) read the key in reverse and stop after a
-- page's worth of row versions; with the type and the id after the day they had to read
-- and sort the whole newest day first. A filter on the type is checked on the rows read.
-- Existing data: copied in the new order, then exchanged, as in 0005 (whose key this
-- replaces) and 0008; each step can run again after a crash.
DROP TABLE IF EXISTS {database}.observations_by_time;
CREATE TABLE {database}.observations_by_time AS {database}.observations
ENGINE = ReplacingMergeTree(event_ts, is_deleted)
PARTITION BY toYYYYMM(start_time)
ORDER BY (project_id, toDate(start_time), start_time, id);
INSERT INTO {database}.observations_by_time
SELECT * FROM {database}.observations
ORDER BY project_id, toDate(start_time), start_time, id;
EXCHANGE TABLES {database}.observations AND {database}.observations_by_time;
DROP TABLE {database}.observations_by_time;
