-- Counters read before and after a run: WAL position (bytes since the cluster began, all
-- databases), and the progress table's blocks (heap and indexes) found in shared buffers and
-- read from the OS.
SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint,
       coalesce(heap_blks_hit, 0) + coalesce(idx_blks_hit, 0),
       coalesce(heap_blks_read, 0) + coalesce(idx_blks_read, 0)
FROM pg_statio_user_tables
WHERE relid = 'user_goal_progress'::regclass
