-- Bytes of WAL written since the cluster began, and the checkpoints so far (timed: by
-- checkpoint_timeout; requested: forced, mostly by max_wal_size). PostgreSQL 15's view.
SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint AS wal_bytes,
       b.checkpoints_timed,
       b.checkpoints_req
FROM pg_stat_bgwriter b
