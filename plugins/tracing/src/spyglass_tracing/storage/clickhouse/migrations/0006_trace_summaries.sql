-- Trace summaries: each trace row carries what its live observations add up to (count,
-- first start, last end, cost, ids in start order, usage and cost per model), written by
-- the store after the observations it sums (storage/clickhouse/writes.py). Per-trace
-- metrics and daily metrics read these columns instead of deduplicating observations.
ALTER TABLE {database}.traces ADD COLUMN IF NOT EXISTS observation_count UInt64 DEFAULT 0;
ALTER TABLE {database}.traces ADD COLUMN IF NOT EXISTS first_start Nullable(DateTime64(3));
ALTER TABLE {database}.traces ADD COLUMN IF NOT EXISTS last_end Nullable(DateTime64(3));
ALTER TABLE {database}.traces ADD COLUMN IF NOT EXISTS total_cost Nullable(Decimal128(12));
ALTER TABLE {database}.traces ADD COLUMN IF NOT EXISTS observation_ids Array(String);
ALTER TABLE {database}.traces ADD COLUMN IF NOT EXISTS model_usage Array(Tuple(
    model Nullable(String), observations UInt64, input UInt64, output UInt64, total UInt64,
    cost Nullable(Decimal128(12))));
-- Existing data: the table is copied with each row's summary of its trace's live
-- observations, then takes the old one's place (as in 0005), so the upgrade adds no row
-- versions for the readers to skip. Each step can run again after a crash: a half-made
-- copy is dropped first; once exchanged, the copy made again is of the new table.
DROP TABLE IF EXISTS {database}.traces_summarized;
CREATE TABLE {database}.traces_summarized AS {database}.traces;
INSERT INTO {database}.traces_summarized
SELECT t.* REPLACE (
    s.s_n AS observation_count, s.s_first AS first_start, s.s_last AS last_end,
    s.s_cost AS total_cost, s.s_ids AS observation_ids, s.s_usage AS model_usage)
FROM {database}.traces AS t
LEFT JOIN (
    SELECT project_id, trace_id, sum(n) AS s_n, min(first) AS s_first, max(last) AS s_last,
        sum(cost) AS s_cost,
        arrayMap(x -> x.2, arraySort(arrayFlatten(groupArray(ids)))) AS s_ids,
        groupArray((model, n, input, output, total, cost)) AS s_usage
    FROM (
        SELECT project_id, trace_id, provided_model_name AS model, count() AS n,
            min(start_time) AS first, max(coalesce(end_time, start_time)) AS last,
            sum(total_cost) AS cost, sum(usage_details['input']) AS input,
            sum(usage_details['output']) AS output, sum(usage_details['total']) AS total,
            groupArray((start_time, id)) AS ids
        FROM (
            SELECT project_id, trace_id, id, start_time, end_time, provided_model_name,
                usage_details, total_cost, is_deleted
            FROM {database}.observations
            ORDER BY event_ts DESC LIMIT 1 BY project_id, id)
        WHERE is_deleted = 0
        GROUP BY project_id, trace_id, model)
    GROUP BY project_id, trace_id
) AS s ON s.project_id = t.project_id AND s.trace_id = t.id
-- In the sorting key's order: the join's output is not, and parts written out of order
-- overlap, which makes every newest-first read merge all of them.
ORDER BY t.project_id, toDate(t.timestamp), t.id;
EXCHANGE TABLES {database}.traces AND {database}.traces_summarized;
DROP TABLE {database}.traces_summarized;
