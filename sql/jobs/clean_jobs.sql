-- Cleaner: deletes at most $2 jobs finished more than $1 seconds ago (oldest first; their
-- dependency edges go with them). Several instances can run it at once (SKIP LOCKED).
WITH old AS (
    SELECT id FROM jobs
    WHERE state IN ('completed', 'failed', 'cancelled')
      AND finished_at < now() - $1::float8 * interval '1 second'
    ORDER BY finished_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
), gone AS (
    DELETE FROM jobs j USING old WHERE j.id = old.id RETURNING j.id
)
SELECT count(*) FROM gone
