-- Rescuer: jobs running on workers whose heartbeat is older than $1 seconds (or that are not
-- registered) go back to available, at most $2 of them; their attempt number stays, so the
-- stale worker's completion (naming the old attempt) is ignored once the job is claimed again.
-- The dead workers are removed; listening dispatchers of the jobs' queues are woken. Returns the
-- rescued job ids and their kinds (same order).
WITH dead AS (
    SELECT id FROM workers WHERE heartbeat_at < now() - $1::float8 * interval '1 second'
), rescued AS (
    SELECT j.id FROM jobs j
    WHERE j.state = 'running'
      AND (j.worker_id IN (SELECT id FROM dead)
           OR NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = j.worker_id))
    LIMIT $2
    FOR UPDATE SKIP LOCKED
), moved AS (
    UPDATE jobs j SET state = 'available', worker_id = NULL
    FROM rescued r WHERE j.id = r.id
    RETURNING j.id, j.kind, j.attempt, j.queue, j.attempted_at
), history AS (
    INSERT INTO job_executions (job_id, attempt, started_at, outcome, error)
    SELECT id, attempt, attempted_at, 'rescued', 'worker stopped heartbeating' FROM moved
), gone AS (
    DELETE FROM workers w USING dead d WHERE w.id = d.id
)
SELECT coalesce(array_agg(id ORDER BY id), '{}'), coalesce(array_agg(kind ORDER BY id), '{}')
FROM moved
WHERE (SELECT count(pg_notify('goalstream_jobs', queue))
       FROM (SELECT DISTINCT queue FROM moved) q) >= 0
