-- Makes this backend publish its table statistics at the end of this statement.
SELECT pg_stat_force_next_flush()
