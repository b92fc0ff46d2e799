-- Every table of the current schema with its sizes, row estimate (the planner's, or the
-- statistics' live rows before the first ANALYZE), dead rows, buffer-cache
-- hits and reads since the statistics were reset, and its storage options.
SELECT c.relname::text AS name,
       pg_relation_size(c.oid) AS heap_bytes,
       pg_indexes_size(c.oid) AS index_bytes,
       pg_total_relation_size(c.oid) AS total_bytes,
       greatest(c.reltuples, coalesce(s.n_live_tup, 0), 0)::bigint AS rows,
       coalesce(s.n_dead_tup, 0) AS dead_rows,
       coalesce(io.heap_blks_hit, 0) + coalesce(io.idx_blks_hit, 0) AS blocks_hit,
       coalesce(io.heap_blks_read, 0) + coalesce(io.idx_blks_read, 0) AS blocks_read,
       coalesce(array_to_string(c.reloptions, ','), '') AS options
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
LEFT JOIN pg_statio_user_tables io ON io.relid = c.oid
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
ORDER BY pg_total_relation_size(c.oid) DESC
