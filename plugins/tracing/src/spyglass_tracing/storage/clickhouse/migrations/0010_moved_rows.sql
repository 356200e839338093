-- Rows whose versions sit on more than one day of their table's sorting key, with each
-- of those days (storage/clickhouse/moved_rows.py). The newest-first lists read a page's
-- candidate rows on the days they were seen plus the days recorded here, through the
-- primary key, instead of probing the id bloom filter of every granule of the project.
-- kind is the table: traces, observations or scores.
CREATE TABLE IF NOT EXISTS {database}.moved_rows
(
    project_id String,
    kind LowCardinality(String),
    id String,
    day Date
)
ENGINE = ReplacingMergeTree
ORDER BY (project_id, kind, id, day);
-- Existing data: every day of each row with versions on more than one day. Running it
-- again after a crash only repeats rows, which the engine folds and readers tolerate.
INSERT INTO {database}.moved_rows
SELECT project_id, 'traces', id, day FROM (
    SELECT project_id, id, groupUniqArray(toDate(`timestamp`)) AS days
    FROM {database}.traces GROUP BY project_id, id HAVING length(days) > 1
) ARRAY JOIN days AS day
SETTINGS max_bytes_before_external_group_by = 268435456;
INSERT INTO {database}.moved_rows
SELECT project_id, 'observations', id, day FROM (
    SELECT project_id, id, groupUniqArray(toDate(start_time)) AS days
    FROM {database}.observations GROUP BY project_id, id HAVING length(days) > 1
) ARRAY JOIN days AS day
SETTINGS max_bytes_before_external_group_by = 268435456;
INSERT INTO {database}.moved_rows
SELECT project_id, 'scores', id, day FROM (
    SELECT project_id, id, groupUniqArray(toDate(`timestamp`)) AS days
    FROM {database}.scores GROUP BY project_id, id HAVING length(days) > 1
) ARRAY JOIN days AS day
SETTINGS max_bytes_before_external_group_by = 268435456;
