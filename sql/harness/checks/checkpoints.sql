-- Checkpoints the server ran because WAL reached max_wal_size (not on its timer), and
-- max_wal_size in bytes. A load tier counts them over a run. PostgreSQL 17 moved the count to
-- pg_stat_checkpointer (checkpoints_pg17.sql).
SELECT checkpoints_req, pg_size_bytes(current_setting('max_wal_size'))
FROM pg_stat_bgwriter
