-- Cleaner: deletes at most $2 execution records older than $1 seconds (ids grow with time, so
-- the oldest come first in primary-key order).
WITH old AS (
    SELECT id FROM job_executions
    WHERE finished_at < now() - $1::float8 * interval '1 second'
    ORDER BY id
    LIMIT $2
), gone AS (
    DELETE FROM job_executions e USING old WHERE e.id = old.id RETURNING e.id
)
SELECT count(*) FROM gone
