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
-- Existing data: a new version, one millisecond later, of every live trace that has live
-- observations, with their summary. Can run again after a crash: a trace whose newest
-- version has its summary is not picked again.
INSERT INTO {database}.traces
SELECT t.* REPLACE (
    t.event_ts + toIntervalMillisecond(1) AS event_ts,
    s.s_n AS observation_count, s.s_first AS first_start, s.s_last AS last_end,
    s.s_cost AS total_cost, s.s_ids AS observation_ids, s.s_usage AS model_usage)
FROM (
    SELECT * FROM (
        SELECT * FROM {database}.traces ORDER BY event_ts DESC LIMIT 1 BY project_id, id)
    WHERE is_deleted = 0 AND observation_count = 0
) AS t
INNER JOIN (
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
) AS s ON s.project_id = t.project_id AND s.trace_id = t.id;
