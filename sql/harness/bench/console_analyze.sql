-- Fresh statistics and visibility map for the console benchmark's jobs table.
VACUUM ANALYZE jobs
