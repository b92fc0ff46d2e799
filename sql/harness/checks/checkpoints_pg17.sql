-- checkpoints.sql for PostgreSQL 17 and later.
SELECT num_requested, pg_size_bytes(current_setting('max_wal_size'))
FROM pg_stat_checkpointer
