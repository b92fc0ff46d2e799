-- Cleaner: deletes at most $2 jobs finished more than $1 seconds ago (oldest first; their
-- dependency edges go with them). A completed job's row is the history record of its
-- completing attempt: it moves to job_executions in the same statement, unless it is already
-- older than the history retention ($3 seconds). Several instances can run it at once (SKIP
-- LOCKED).
WITH old AS (
    SELECT id FROM jobs
    WHERE state IN ('completed', 'failed', 'cancelled')
      AND finished_at < now() - $1::float8 * interval '1 second'
    ORDER BY finished_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
), gone AS (
    DELETE FROM jobs j USING old WHERE j.id = old.id
    RETURNING j.id, j.state, j.attempt, j.worker_id, j.attempted_at, j.finished_at
), archived AS (
    INSERT INTO job_executions (job_id, attempt, worker_id, started_at, finished_at, outcome)
    SELECT id, attempt, worker_id, attempted_at, finished_at, 'completed'
    FROM gone
    WHERE state = 'completed' AND finished_at >= now() - $3::float8 * interval '1 second'
)
SELECT count(*) FROM gone
