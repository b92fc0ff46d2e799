-- Cleaner: deletes at most $2 execution records older than $1 seconds (found through the
-- block-range index on finished_at; deleted by row address, so each is read once).
WITH gone AS (
    DELETE FROM job_executions
    WHERE ctid = ANY (ARRAY(
        SELECT ctid FROM job_executions
        WHERE finished_at < now() - $1::float8 * interval '1 second'
        LIMIT $2))
    RETURNING 1
)
SELECT count(*) FROM gone
