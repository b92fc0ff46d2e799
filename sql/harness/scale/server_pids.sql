-- Server processes whose CPU a run is charged: this database's backends (the pipeline's
-- connections, autovacuum workers on it) and the server's own background processes (WAL
-- writer, checkpointer, background writer), which work for every database.
SELECT pid FROM pg_stat_activity WHERE datname = current_database() OR datname IS NULL
