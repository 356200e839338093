-- Skip indexes for the read API's selective lookups: traces by session (sessions, session
-- traces, GET /traces?sessionId) and by user (userId filters on traces, observations,
-- scores and daily metrics), scores by session. The readers narrow their deduplication
-- with `id IN (SELECT id FROM t WHERE ...)`; these indexes let that scan skip granules.
-- MATERIALIZE builds them for parts written before this migration (a background mutation).
ALTER TABLE {database}.traces
    ADD INDEX IF NOT EXISTS idx_session_id session_id TYPE bloom_filter(0.001) GRANULARITY 1;
ALTER TABLE {database}.traces
    ADD INDEX IF NOT EXISTS idx_user_id user_id TYPE bloom_filter(0.001) GRANULARITY 1;
ALTER TABLE {database}.scores
    ADD INDEX IF NOT EXISTS idx_session_id session_id TYPE bloom_filter(0.001) GRANULARITY 1;
ALTER TABLE {database}.traces MATERIALIZE INDEX idx_session_id;
ALTER TABLE {database}.traces MATERIALIZE INDEX idx_user_id;
ALTER TABLE {database}.scores MATERIALIZE INDEX idx_session_id;
