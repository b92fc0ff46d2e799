-- Scheduler: makes at most $2 due scheduled or retryable jobs available, ordered by the time
-- they became due (aging counts from then), and wakes the listening dispatchers of their
-- queues. Returns one row per promoted job.
--   $1 aging interval (s); $2 limit.
WITH due AS (
    SELECT id FROM jobs
    WHERE state IN ('scheduled', 'retryable') AND run_at <= now()
    ORDER BY run_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
), promoted AS (
UPDATE jobs j
SET state = 'available', sort_key = j.run_at + (j.effective_priority - 1) * ($1::float8 * interval '1 second')
FROM due
WHERE j.id = due.id
RETURNING j.id, j.queue
)
SELECT id FROM promoted
WHERE (SELECT count(pg_notify('goalstream_jobs', queue))
       FROM (SELECT DISTINCT queue FROM promoted) q) >= 0
